"""The progress screen (p): a burn-up chart of the current section's words per day towards
its limit, and its open comments per day, from the demo's git history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from rich.text import Text

from proposal_tui.services.progress import ProgressRow
from proposal_tui.tui.charts import Series, burnup, series_of
from proposal_tui.tui.screens.dashboard import DashboardScreen
from proposal_tui.tui.screens.progress import ProgressScreen
from tests.tui.support import WIDE, make_app, open_progress, screen_text, settle, sync, wait_for

pytestmark = pytest.mark.timeout(120)


@sync
async def test_p_draws_the_burn_up_of_the_current_section(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_progress(pilot, "risk")
        assert screen.section_id == "risk"
        text = screen_text(app)
        assert "risk · Risk Management" in text
        assert "600 ┤╌╌╌" in text and " limit" in text
        assert "710 words of 600 (118%) · over by 110" in text
        assert "█" in text and "open │" in text
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


@sync
async def test_the_list_switches_the_chart_to_another_section(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_progress(pilot, "exec-summary")
        assert "exec-summary · Executive Summary" in screen_text(app)
        await pilot.press("down")
        await wait_for(pilot, lambda: screen.section_id == "tech-approach", what="the pick")
        await pilot.pause()
        assert "tech-approach · Technical Approach" in screen_text(app)


def _rows(words: list[int], limit: int | None, title: str = "T") -> list[ProgressRow]:
    start = dt.date(2026, 11, 1)
    return [ProgressRow(day=start + dt.timedelta(days=i), section="s", title=title, words=w,
                        word_limit=limit, open_comments=i % 3, commit=None)
            for i, w in enumerate(words)]


def test_burnup_scales_to_the_limit_and_marks_overshoot() -> None:
    series = series_of(_rows([0, 100, 300, 650], 600), "s")
    assert isinstance(series, Series)
    chart = burnup(series, 60, 8, {})
    lines = chart.plain.splitlines()
    assert len(lines) == 8 + 4
    assert any("┤" in line and "limit" in line for line in lines)
    assert "650 words of 600 (108%) · over by 50" in chart.plain
    assert "01 Nov" in chart.plain and "04 Nov" in chart.plain


def test_burnup_samples_long_histories_and_never_reads_markup() -> None:
    series = series_of(_rows(list(range(0, 4000, 10)), None, title="[bold]x[/]"), "s")
    assert series is not None and series.title == "[bold]x[/]"
    chart = burnup(series, 50, 6, {})
    assert isinstance(chart, Text)
    assert all(len(line) <= 50 for line in chart.plain.splitlines()[:7])
    assert "no word or page limit" in chart.plain
    assert series_of(_rows([1], None), "other") is None


@sync
async def test_p_in_the_section_view_charts_that_section(demo_master: Path) -> None:
    from proposal_tui.tui.screens.section import SectionScreen

    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        app.screen.table.select("security")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SectionScreen)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ProgressScreen)
                       and app.screen.rows is not None, what="the chart")
        await pilot.pause()
        assert "security · Security and Privacy" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, SectionScreen)
