"""`proposal timeline` shows the review rounds (tags round/NAME and round-closed/NAME): one
row each after the section rows, which, like every line before them, stay as they were."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from proposal_tui.cli.render import round_row
from proposal_tui.domain.rounds import Round
from proposal_tui.domain.timeline import Span
from tests.command import run
from tests.fixtures import make_proposal

EST = dt.timezone(dt.timedelta(hours=-5))
LATER = "2026-12-06T09:00:00-05:00"
LABEL = 18  # the label column's width


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def manage(repo: Path, *args: str, now: str) -> None:
    result = run("--repo", str(repo), "--as", "mia", "round", *args, now=now)
    assert result.code == 0, result.err


def test_rounds_follow_the_section_rows_and_change_nothing_before(repo: Path) -> None:
    before = run("--repo", str(repo), "timeline", "--width", "48", now=LATER)
    assert before.code == 0, before.err
    assert "round " not in before.out
    manage(repo, "start", "pink", now="2026-12-02T09:00:00-05:00")
    manage(repo, "close", "pink", now="2026-12-04T09:00:00-05:00")
    manage(repo, "start", "red", now="2026-12-05T09:00:00-05:00")
    after = run("--repo", str(repo), "timeline", "--width", "48", now=LATER)
    assert after.code == 0, after.err
    old, new = before.out.splitlines(), after.out.splitlines()
    assert new[:len(old)] == old  # only extended: every existing line in place, unchanged
    pink, red = new[len(old):]
    assert old[0].startswith("01 Dec 2026 → 18 Dec 2026 (one column = day")
    assert pink.startswith("round pink ") and pink.endswith("  02 Dec → 04 Dec")
    assert (pink.index("["), pink.index("]")) == (LABEL + 1, LABEL + 3)  # 2 and 4 Dec
    assert pink[LABEL + 2] == "─" and pink[LABEL + 5] == "┆"  # today, 6 Dec
    assert red.startswith("round red ") and red.endswith("  05 Dec → open")
    assert red.index("[") == LABEL + 4 and "]" not in red
    assert red[LABEL + 5] == "─"  # an open round runs to today


def test_round_rows_clip_to_the_chart_and_show_a_one_day_round() -> None:
    span = Span(dt.date(2026, 12, 1), dt.date(2026, 12, 10))
    today = dt.date(2026, 12, 8)

    def row(start: dt.datetime, end: dt.datetime | None) -> str:
        return round_row(Round("gold", "a" * 40, start, closed_at=end), span, 1, today, EST, 12)

    same_day = row(dt.datetime(2026, 12, 3, 9, tzinfo=EST), dt.datetime(2026, 12, 3, 17,
                                                                        tzinfo=EST))
    assert same_day[12:].startswith("  []   ┆")
    early = row(dt.datetime(2026, 11, 20, 9, tzinfo=EST), dt.datetime(2026, 12, 2, 9, tzinfo=EST))
    assert early[12:].startswith("─]") and early.endswith("  20 Nov → 02 Dec")
    late = row(dt.datetime(2026, 12, 20, 9, tzinfo=EST), None)
    assert set(late[12:22]) == {" ", "┆"} and late.endswith("  20 Dec → open")

