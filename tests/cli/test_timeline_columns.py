"""The timeline's columns cover the whole schedule: a last, partial week still gets a column.

A span of 66 days at a week per column needs 10 columns, not 9; rounding down would put the
deadline one column past the chart's edge, where nobody sees it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proposal_tui.domain.timeline import Span
from proposal_tui.tui.widgets.timeline_draw import ZOOMS, Grid, Zoom
from tests.command import run
from tests.fixtures import MIA, make_proposal
from tests.gitutil import git

START = dt.date(2026, 10, 14)


def test_a_partial_last_week_gets_its_own_column() -> None:
    span = Span(START, START + dt.timedelta(days=7))  # 8 days: one week and a day
    assert span.columns(7) == 2
    assert span.column(span.end, 7) == 1
    assert Span(START, START + dt.timedelta(days=6)).columns(7) == 1  # exactly one week


@given(days=st.integers(min_value=1, max_value=400), scale=st.integers(min_value=1, max_value=31))
def test_every_day_of_the_span_falls_inside_the_columns(days: int, scale: int) -> None:
    span = Span(START, START + dt.timedelta(days=days - 1))
    assert span.days == days
    assert span.columns(scale) == -(-days // scale)  # rounded up
    assert span.column(span.start, scale) == 0
    assert span.column(span.end, scale) == span.columns(scale) - 1  # the last column is used


@pytest.mark.parametrize("zoom", ZOOMS, ids=[z.name for z in ZOOMS])
def test_the_tui_grid_draws_the_deadline_inside_the_chart(zoom: Zoom) -> None:
    span = Span(START, dt.date(2026, 12, 18))  # 66 days: 9 weeks and 3 days
    grid = Grid(span, zoom)
    assert 0 <= grid.x(span.end) < grid.width
    assert grid.x(span.end) + zoom.cells_per_day == grid.width  # and in the last column


def test_the_cli_timeline_shows_the_deadline_in_a_partial_last_week(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    manifest = (repo / "proposal.toml").read_text()
    (repo / "proposal.toml").write_text(manifest.replace(
        'timezone = "America/New_York"\n',
        'timezone = "America/New_York"\nkickoff = 2026-10-14\n'))
    git(repo, "commit", "-qam", "Kickoff date", env=MIA)
    result = run("--repo", str(repo), "timeline", "--width", "40")  # room for 10 columns
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "14 Oct 2026 → 18 Dec 2026 (one column = 7 days; ┆ today 02 Dec)"
    milestones = next(line for line in lines if line.startswith("milestones"))
    assert len(milestones) == 18 + 10  # the label, then ceil(66 / 7) week columns
    assert milestones.endswith("◆")  # the deadline, in the tenth (partial) week
