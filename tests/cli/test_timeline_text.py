"""`proposal timeline` (issue 18, item 11): whole axis labels (they were cut to one digit),
each milestone kind with its own symbol (kickoff and production were drawn `▲`), today's
line through every row, and `--width` honoured."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from proposal_tui.domain.status import MILESTONE_SYMBOLS
from proposal_tui.store.demo import build_demo
from tests.command import run
from tests.tui.support import FIXED_DATE, NOW

WHEN = NOW.isoformat()


@pytest.fixture(scope="module")
def nsf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("nsf") / "proposal", "nsf-grant",
                      today=FIXED_DATE, now=NOW)


def timeline(repo: Path, width: int) -> list[str]:
    result = run("--repo", str(repo), "timeline", "--width", str(width), now=WHEN)
    assert result.code == 0, result.err
    return result.out.splitlines()


def test_labels_symbols_today_and_width(nsf: Path) -> None:
    lines = timeline(nsf, 100)
    ruler = lines[1].split()
    assert ruler[:2] == ["09", "Nov"] and all(len(w) >= 2 for w in ruler)  # whole labels
    marks = lines[2]
    for kind in ("kickoff", "review", "production", "deadline"):
        assert MILESTONE_SYMBOLS[kind] in marks, kind
    rows = [line for line in lines if line.split()[-1] in ("done", "on-track", "at-risk",
                                                          "overdue")]
    assert len(rows) == 8
    today = {line.index("┆") for line in rows if "┆" in line}
    assert len(rows) == sum("┆" in line for line in rows) and len(today) == 1  # one line
    assert "today 27 Nov" in lines[0]
    for width in (80, 100, 140):
        drawn = timeline(nsf, width)
        assert max(cell_len(line) for line in drawn) <= width, width
    assert timeline(nsf, 140) != lines  # a wider chart uses the room
