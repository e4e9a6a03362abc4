"""The TUI timeline's zoom and ruler (issue 18, item 11): the default zoom fits the schedule
(six weeks are days or weeks, never months), month-zoom labels never run together, the day
zoom never starts on a label cut to its last digit, and `z` works from the whole dashboard."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from proposal_tui.domain.timeline import Span
from proposal_tui.tui.widgets.sections_table import SectionsTable
from proposal_tui.tui.widgets.timeline import Timeline, auto_zoom
from proposal_tui.tui.widgets.timeline_draw import ZOOMS, Grid, ruler_canvases
from tests.tui.support import WIDE, make_app, settle, sync

START = dt.date(2026, 3, 2)


def test_the_default_zoom_fits_the_schedule() -> None:
    six_weeks = Span(START, START + dt.timedelta(days=41))
    assert auto_zoom(six_weeks, 200).name == "days"
    assert auto_zoom(six_weeks, 60).name == "weeks"
    assert auto_zoom(six_weeks, 20).name == "weeks"  # scrolls rather than shrink to months
    assert auto_zoom(Span(START, START + dt.timedelta(days=300)), 60).name == "months"


@sync
async def test_month_labels_stay_apart_and_z_zooms_from_the_table(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        snapshot = timeline.snapshot
        assert snapshot is not None
        for offset in range(0, 120, 3):  # today anywhere near a label
            span = Span(START, START + dt.timedelta(days=200))
            today = START + dt.timedelta(days=offset)
            _months, days, _marks = ruler_canvases(snapshot, Grid(span, ZOOMS[2]), today, {})
            labels = re.findall(r"\d+", "".join(days.chars))
            assert str(today.day) in labels and all(len(label) <= 2 for label in labels)
        assert app.screen.focused is app.screen.query_one(SectionsTable)
        before = timeline.current_zoom().name
        await pilot.press("z")
        await pilot.pause()
        assert timeline.current_zoom().name != before
        while timeline.current_zoom().name != "days":
            await pilot.press("z")
            await pilot.pause()
        for _ in range(4):
            timeline.action_scroll_right()
            await pilot.pause()
            ruler = timeline.render_line(1).text[timeline.label_width:]
            first = re.search(r"\d+", ruler)
            assert first is not None and timeline.scroll_offset.x % 3 == 0
            assert len(first.group()) == 2 or ruler.startswith(" "), ruler
