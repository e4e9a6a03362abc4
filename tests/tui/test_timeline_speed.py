"""The timeline on 500 sections: a zoom draws only the rows on screen, once per zoom, and does
not lay out the whole screen; the cheap drawing paths show the same cells as the plain ones."""

from __future__ import annotations

import datetime as dt
import importlib.util
from typing import Any

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual.app import App, ComposeResult
from textual.strip import Strip

from proposal_tui.domain.clock import FixedClock
from proposal_tui.services.snapshot import Snapshot
from proposal_tui.services.workspace import Workspace
from proposal_tui.tui.cells import LOOK_NAMES
from proposal_tui.tui.widgets.timeline import Timeline
from proposal_tui.tui.widgets.timeline_draw import (
    ZOOMS,
    Canvas,
    Grid,
    Row,
    ruler_canvases,
    section_canvas,
    span_of,
)
from tests import ROOT
from tests.tui.support import sync

SECTIONS = 500
NOW = dt.datetime(2026, 1, 20, 12, 0, tzinfo=dt.UTC)  # inside the generated span
LOOK = {name: Style(color=f"color({index + 1})") for index, name in enumerate(LOOK_NAMES)}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """500 sections over ~5 weeks (benchmarks/synth.py, a few seconds)."""
    path = ROOT / "benchmarks" / "synth.py"
    spec = importlib.util.spec_from_file_location("synth", path)
    assert spec is not None and spec.loader is not None
    synth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synth)
    repo = synth.generate(tmp_path_factory.mktemp("big") / "proposal", SECTIONS, 600)
    return Workspace(repo, FixedClock(NOW)).proposals.snapshot()


class TimelineApp(App[None]):
    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def compose(self) -> ComposeResult:
        yield Timeline()

    def on_mount(self) -> None:
        timeline = self.query_one(Timeline)
        timeline.show(self.snapshot)
        timeline.focus()


def rendered(text_strip: Strip, start: int, end: int) -> list[Segment]:
    return list(Segment.simplify(text_strip.crop(start, end)))


def test_a_row_cut_to_a_window_shows_what_the_rendered_text_shows(big: Snapshot) -> None:
    console = Console()
    today = NOW.date()
    states = big.states[:40]
    for zoom in ZOOMS:
        grid = Grid(span_of(big), zoom)
        canvases = ruler_canvases(big, grid, today, LOOK)
        canvases += [section_canvas(state, big, grid, today, LOOK) for state in states]
        wide = Canvas(12)
        wide.put(1, "中文x", LOOK["muted"])
        wide.put(8, "━━", LOOK["done"])
        for canvas in [*canvases, wide]:
            whole = Strip(list(canvas.text().render(console)))
            row = Row(canvas)
            for start, end in [(0, 10_000), (0, 7), (2, 9), (3, 4), (5, 200), (9, 9),
                               (grid.width - 4, grid.width + 20), (-3, 5)]:
                assert list(Segment.simplify(row.crop(start, end))) == \
                    rendered(whole, start, end), (zoom.name, start, end, canvas.text().plain)


def test_bars_are_clipped_at_the_edges_like_any_text() -> None:
    canvas = Canvas(6)
    assert canvas.put(3, "━━━━━", LOOK["done"]) == 6
    assert canvas.put(7, "━") == 7 and canvas.put(-2, "━━━") == -2
    assert canvas.put(0, "") == 0 and canvas.put(6, "ab") == 6
    assert canvas.text().plain == "   ━━━"
    assert canvas.styles[3:] == [LOOK["done"]] * 3 and canvas.styles[:3] == [None] * 3


@sync
async def test_zooming_500_sections_draws_only_the_rows_on_screen_once_per_zoom(
        big: Snapshot) -> None:
    app = TimelineApp(big)
    async with app.run_test(size=(60, 30)) as pilot:
        await pilot.pause()
        timeline = app.query_one(Timeline)
        on_screen = timeline.size.height - 3  # the three ruler rows
        assert len(timeline._rows) == SECTIONS
        for _ in ZOOMS:
            await pilot.press("z")
            await pilot.pause()
        drawn = timeline.drawn
        assert 0 < drawn <= (len(ZOOMS) + 1) * on_screen  # the first zoom, then each once
        for _ in ZOOMS:
            await pilot.press("z")
            await pilot.pause()
        assert timeline.drawn == drawn  # back to zooms already seen: nothing redrawn
        await pilot.press("j", "j", "l", "l", "h")
        await pilot.pause()
        assert timeline.drawn == drawn


@sync
async def test_zooming_lays_out_the_screen_only_when_a_scrollbar_comes_or_goes(
        big: Snapshot) -> None:
    app = TimelineApp(big)
    async with app.run_test(size=(40, 30)) as pilot:  # days and weeks both scroll sideways
        await pilot.pause()
        timeline = app.query_one(Timeline)
        layouts: list[bool] = []
        original = app.screen._refresh_layout

        def counted(*args: Any, **kwargs: Any) -> None:
            layouts.append(bool(kwargs.get("scroll", args[1] if len(args) > 1 else False)))
            original(*args, **kwargs)

        app.screen._refresh_layout = counted  # type: ignore[method-assign]
        timeline.zoom = "days"
        await pilot.pause()
        assert timeline.show_horizontal_scrollbar
        layouts.clear()
        for zoom in ("weeks", "days", "weeks"):
            timeline.zoom = zoom
            await pilot.pause()
            assert timeline.show_horizontal_scrollbar and timeline.grid is not None
            assert timeline.virtual_size.width == timeline.label_width + timeline.grid.width
        assert False not in layouts  # scrolls may reflow what shows; no full layout
        timeline.zoom = "months"  # fits: the scrollbar goes, so the screen is laid out
        await pilot.pause()
        assert not timeline.show_horizontal_scrollbar and False in layouts


@sync
async def test_lines_kept_across_a_scroll_are_the_lines_a_fresh_draw_makes(
        big: Snapshot) -> None:
    """Following the cursor scrolls one row; the other rows' finished lines are kept. After
    moves, sideways scrolls and a zoom, every line is what drawing from nothing gives."""
    app = TimelineApp(big)
    app.stylesheet.add_source(".look--selected { text-style: bold reverse; }")  # as app.tcss
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        timeline = app.query_one(Timeline)
        ids = [sid for sid, _state in timeline._rows]
        for step, action in enumerate(["j"] * 20 + ["l", "k", "z", "j", "h"]):
            if action in "jk":
                timeline.set_selected(ids[step if action == "j" else step - 2])
            else:
                await pilot.press(action)
            await pilot.pause()
            kept = [timeline.render_line(y) for y in range(timeline.size.height)]
            timeline._lines.clear()
            assert [timeline.render_line(y) for y in range(timeline.size.height)] == kept
        assert int(timeline.scroll_y) > 0


@sync
async def test_the_chart_keeps_the_selection_in_view_and_scrolls_by_half_screens(
        big: Snapshot) -> None:
    """A selection that leaves the chart comes back to its middle, so walking down (or up)
    the rows scrolls the chart once per half screen, not on every row."""
    app = TimelineApp(big)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        timeline = app.query_one(Timeline)
        ids = [sid for sid, _state in timeline._rows]
        rows = timeline.scrollable_content_region.height - 3  # below the three ruler rows
        assert rows >= 6
        walk = list(range(60)) + list(range(59, -1, -1))
        tops = []
        for index in walk:
            timeline.set_selected(ids[index])
            await pilot.pause()
            top = int(timeline.scroll_y)
            assert top <= index < top + rows, (index, top)
            tops.append(top)
        scrolls = sum(1 for before, after in zip(tops, tops[1:]) if before != after)
        assert 0 < scrolls <= 2 * (60 // (rows // 2) + 1)
        assert tops[-1] == 0
