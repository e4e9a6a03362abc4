"""The TUI's pure parts, without an app: filter language, sort orders, cells, column layout,
timeline drawing, and the off-thread load."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from rich.text import Text

from proposal_tui.domain.clock import FixedClock
from proposal_tui.domain.model import Status
from proposal_tui.services.dashboard_data import DashboardData, error_line, load
from proposal_tui.services.identity import resolve_actor
from proposal_tui.services.workspace import Workspace
from proposal_tui.tui import cells
from proposal_tui.tui.filtering import SORT_CYCLE, matches, ordered, parse_query
from proposal_tui.tui.screens.actions import allowed
from proposal_tui.tui.screens.dialogs import due_choices
from proposal_tui.tui.themes import other_theme
from proposal_tui.tui.widgets.sections_table import TITLE_MIN, column_layout
from proposal_tui.tui.widgets.timeline_draw import (
    ZOOMS,
    Canvas,
    Grid,
    ruler_rows,
    section_row,
    span_of,
)
from tests.fixtures import make_proposal
from tests.tui.support import NOW, ZONE

LATER = dt.datetime(2026, 12, 2, 10, 0, tzinfo=ZONE)  # the fixture's staffing is overdue


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory):
    repo = make_proposal(tmp_path_factory.mktemp("units"))
    return Workspace(repo, FixedClock(LATER)).proposals.snapshot()


def test_the_filter_language() -> None:
    q = parse_query("@Wes status:drafting is:overdue late bridge owner:- is:nonsense")
    assert q.owners == ("wes", "")
    assert q.statuses == (Status.DRAFTING,)
    assert q.flags == ("overdue", "overdue")
    assert q.words == ("bridge",)
    assert q.unknown == ("is:nonsense",)
    assert parse_query("  ").empty


def test_matching_and_sorting(snap) -> None:
    states = list(snap.states)
    ids = lambda query, owner=None: [s.section.id for s in states  # noqa: E731
                                     if matches(s, parse_query(query), owner)]
    assert ids("@wes") == ["summary", "staffing"]
    assert ids("", owner="val") == ["approach"]
    assert ids("is:overdue") == ["staffing"]
    assert ids("status:ready-for-review") == ["approach"]
    assert ids("TECHNICAL") == ["approach"]
    assert ids("is:done") == ["approach"]
    by_due = [s.section.id for s in ordered(states, "due")]
    assert by_due == ["staffing", "summary", "approach"]
    assert [s.section.id for s in ordered(states, "due", reverse=True)] == by_due[::-1]
    for name in SORT_CYCLE:
        assert sorted(s.section.id for s in ordered(states, name)) == sorted(ids(""))


def test_cells_are_literal_and_carry_symbols(snap) -> None:
    look: dict = {}
    staffing = snap.state("staffing")
    assert cells.due_cell(staffing, snap.now, snap.manifest.proposal.timezone,
                          look).plain.startswith("✖ ")
    approach = snap.state("approach")
    assert cells.due_cell(approach, snap.now, snap.manifest.proposal.timezone,
                          look).plain.startswith("✔ ")
    assert cells.status_cell(Status.READY_FOR_REVIEW, look).plain == "◑ ready"
    assert cells.status_cell(Status.READY_FOR_REVIEW, look, short=False).plain == \
        "◑ ready for review"
    title = cells.title_cell(replace(staffing, section=replace(
        staffing.section, title="[bold]x[/] \x1b]0;pwn\x07y")), look)
    assert title.plain == "[bold]x[/] y" and not title.spans
    over = replace(staffing, words=900, over_limit=True,
                   section=replace(staffing.section, word_limit=600))
    words = cells.words_cell(over, look)
    assert words.plain == "▲900/600 ███" and len(words.plain) == 12
    assert cells.words_cell(replace(over, words=300, over_limit=False), look).plain == \
        " 300/600 █▌░"
    assert cells.compact_number(3140) == "3.1k" and cells.compact_number(12000) == "12k"
    edited = replace(staffing, uncommitted_words=12)
    assert cells.last_edit_cell(edited, snap.manifest, snap.now, look).plain == "✎ edited"
    assert "✎ edited, not committed (12 words" in cells.flags(edited, snap.manifest,
                                                              snap.now, look).plain


def test_fit_truncates_wide_characters_by_cells() -> None:
    text = cells.fit(Text("中文標題 emoji 📝"), 7)
    assert text.cell_len == 7 and text.plain.endswith("…")


def test_the_title_column_takes_what_is_left() -> None:
    wide = column_layout(118)
    assert [c.key for c in wide] == ["id", "title", "owner", "status", "words", "due", "last",
                                     "comments"]
    assert sum(c.width + 1 for c in wide) <= 118
    narrow = column_layout(78)
    assert "last" not in [c.key for c in narrow]
    assert next(c for c in narrow if c.key == "title").width >= TITLE_MIN
    assert next(c for c in narrow if c.key == "words").width == 8


def test_canvas_keeps_columns_aligned_with_wide_characters() -> None:
    canvas = Canvas(10)
    assert canvas.put(2, "中x") == 5
    assert canvas.text().cell_len == 10
    assert not canvas.free(3, 1) and canvas.free(5, 5)
    assert canvas.put(9, "中") == 9  # would cross the edge: clipped, not wrapped


def test_the_timeline_rows(snap) -> None:
    look: dict = {}
    today = snap.now.astimezone(snap.manifest.proposal.timezone).date()
    grid = Grid(span_of(snap), ZOOMS[0])
    assert grid.span.start == dt.date(2026, 11, 20)  # no kickoff: the first commit
    months, days, marks = (row.plain for row in ruler_rows(snap, grid, today, look))
    assert months.startswith("Nov 2026") and "Dec" in months
    assert "▲" in marks and "Pink" in marks
    staffing = section_row(snap.state("staffing"), snap, grid, today, look).plain
    assert "✖ overdue" in staffing
    approach = section_row(snap.state("approach"), snap, grid, today, look).plain
    assert "✔" in approach
    assert len(staffing) == grid.width == grid.span.days * 3
    weeks = Grid(grid.span, ZOOMS[1])
    assert weeks.width == grid.span.days


def test_due_choices_offer_offsets_and_the_milestones_ahead(snap) -> None:
    today = dt.date(2026, 11, 27)  # a Friday
    choices = {key: (label, day) for key, label, day in due_choices(snap.manifest, today)}
    assert choices["tomorrow"][1] == dt.date(2026, 11, 28)
    assert choices["2wd"][1] == dt.date(2026, 12, 1)  # Mon, Tue
    assert choices["none"][1] is None
    assert [label for label, _day in choices.values() if label.startswith("by ")] == \
        ["by Pink Team"]


def test_permissions_by_role(snap) -> None:
    manifest = snap.manifest
    mia, wes, rex = (manifest.person(h) for h in ("mia", "wes", "rex"))
    summary, approach = snap.state("summary"), snap.state("approach")
    sections = manifest.sections
    assert allowed("assign", mia, summary, None, sections) is True
    assert allowed("assign", wes, summary, None, sections) is False
    assert allowed("set_due", wes, summary, None, sections) is False
    assert allowed("set_status", wes, summary, None, sections) is True
    assert allowed("set_status", wes, approach, None, sections) is None  # val's section
    assert allowed("set_status", rex, summary, None, sections) is False
    assert allowed("comment", rex, summary, None, sections) is True
    assert allowed("reply", rex, summary, None, sections) is None  # no thread selected
    assert allowed("comment", None, summary, None, sections) is False
    assert allowed("edit_file", None, summary, None, sections) is True
    assert allowed("assign", mia, None, None, sections) is None  # nothing selected


def test_load_runs_without_an_app_and_names_the_actor(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    service = Workspace(repo, FixedClock(NOW)).proposals
    data = load(service, None, {}, 1)
    assert data.actor.person is not None and data.actor.person.handle == "mia"  # git email
    assert "Technical Approach" in data.texts["approach"]
    assert resolve_actor(data.manifest, service.repo, "zed", {}).person is None
    assert "unknown person 'zed'" in resolve_actor(data.manifest, service.repo, "zed", {}).how
    (repo / "proposal.toml").write_text("[proposal\n")
    with pytest.raises(Exception) as info:
        load(service, None, {}, 2)
    assert error_line(info.value).startswith("proposal.toml:1")
    assert DashboardData().actor.label == "read-only (unknown user)"


def test_the_theme_toggle_pairs_dark_and_light() -> None:
    assert other_theme("proposal-dark") == "proposal-light"
    assert other_theme("proposal-light") == "proposal-dark"
    assert other_theme("textual-dark") == "proposal-dark"


def test_a_scrollbar_is_repainted_exactly_when_its_thumb_moves() -> None:
    """QuietScrollbar skips repaints when thumb() is unchanged: the picture must be too."""
    from textual.scrollbar import ScrollBarRender

    from proposal_tui.tui.widgets.quiet_scrollbar import thumb

    def picture(size: int, virtual: int, window: int, position: float) -> list[str]:
        bar = ScrollBarRender.render_bar(size=size, virtual_size=virtual, window_size=window,
                                         position=position)
        return [segment.text for segment in bar.segments]

    skipped = 0
    for size, virtual, window in [(19, 500, 19), (13, 500, 13), (8, 40, 8), (30, 31, 30)]:
        for position in range(virtual - window):
            for step in (1, 0.5):
                same = thumb(size, virtual, window, position) == \
                    thumb(size, virtual, window, position + step)
                if same:
                    skipped += 1
                    assert picture(size, virtual, window, position) == \
                        picture(size, virtual, window, position + step)
    assert skipped > 500  # most one-row scrolls of a long table need no scrollbar repaint
