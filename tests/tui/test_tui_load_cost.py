"""What start-up and a load make the UI thread do: no cell measured, the panes shown once,
the footer composed once, nothing collected before the first paint, the look's classes
processed on one widget, no screen imported before it is opened.

First paint at 500 sections is benchmarks/bench_tui.py's job; these tests pin what was found
there (each failed before its fix).
"""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import _data_table  # noqa: PLC2701 - patched to count measures

from proposal_tui.tui import app as app_module
from proposal_tui.tui.app import ProposalApp
from proposal_tui.tui.screens.dashboard import DashboardScreen
from proposal_tui.tui.textual_compat import FooterKey
from proposal_tui.tui.widgets.footer import KeyFooter
from proposal_tui.tui.widgets.look import LookSource
from proposal_tui.tui.widgets.owners import OwnersTable
from proposal_tui.tui.widgets.sections_table import SectionsTable
from proposal_tui.tui.widgets.thread_list import ThreadList
from tests import ROOT
from tests.tui.support import (
    WIDE,
    count_calls,
    hold_loads,
    make_app,
    settle,
    sync,
    wait_for,
)

pytestmark = pytest.mark.timeout(120)


@sync
async def test_tables_with_set_column_widths_measure_no_cell(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DataTable measured every new or rewritten cell to size columns whose width we set:
    4,500 Rich measurements at start-up with 500 sections."""
    measured: list[str] = []
    original = _data_table.measure

    def measure(console: Any, renderable: Any, default: int, **kwargs: Any) -> int:
        measured.append(str(renderable))
        return original(console, renderable, default, **kwargs)

    monkeypatch.setattr(_data_table, "measure", measure)
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        table, owners = app.screen.query_one(SectionsTable), app.screen.query_one(OwnersTable)
        assert table.row_count == len(app.data.snapshot.states) >= 10
        headers = {str(c.label) for t in (table, owners) for c in t.columns.values()}
        assert measured and set(measured) <= headers  # add_column measures its header
        measured.clear()
        await pilot.press("ctrl+t")  # a theme change rewrites every cell of both tables
        await settle(pilot)
        assert table.updates >= table.row_count * len(table.columns)
        assert measured == []
        assert table.virtual_size.height == table.row_count + 1  # the header


@sync
async def test_a_load_shows_the_selected_section_once(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each row the table added set its cursor again, and the first one told the screen to
    show that section before the screen's own show did it."""
    follows: list[str | None] = []
    original = DashboardScreen._follow

    def follow(self: DashboardScreen, section_id: str | None, force: bool = False) -> None:
        follows.append(section_id)
        original(self, section_id, force)

    monkeypatch.setattr(DashboardScreen, "_follow", follow)
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        first = app.data.snapshot.states[0].section.id
        assert follows == [first]
        assert app.screen.preview.section_id == first
        await pilot.press("j")
        await pilot.pause()
        assert follows[-1] == app.data.snapshot.states[1].section.id


@sync
async def test_the_footer_composes_its_keys_once(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual focused the pane tabs first, so the footer composed keys for them and then
    again for the table (~50 ms a time, during start-up)."""
    composed = count_calls(monkeypatch, KeyFooter, "recompose")
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen.focused, SectionsTable)
        assert composed[0] == 1
        assert {key.action for key in app.screen.query(FooterKey)} >= {"select_cursor", "app.help"}


@sync
async def test_nothing_is_collected_until_the_first_load_is_on_screen(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Start-up only builds what it keeps; collections there cost ~0.1 s of the first paint
    at 500 sections. Afterwards the collector runs again."""
    started: list[int] = []
    at_first_paint: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    original = ProposalApp._first_paint

    def first_paint(app: ProposalApp) -> None:
        at_first_paint.append(len(started))
        original(app)

    monkeypatch.setattr(ProposalApp, "_first_paint", first_paint)
    gc.callbacks.append(watch)
    try:
        app = make_app(demo_master)
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            assert at_first_paint == [0]
            assert gc.isenabled()
    finally:
        gc.callbacks.remove(watch)


@sync
async def test_the_first_full_collection_waits_for_a_pause_after_a_key(
        demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Start-up counts as collected: a dashboard left alone never walks its whole heap (fifty
    opened at once over `proposal serve` each did, two seconds after painting); after the
    person's own keys, the next pause does."""
    monkeypatch.setattr(app_module, "GC_IDLE", 0.3)
    full: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    gc.callbacks.append(watch)
    try:
        app = make_app(demo)
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            full.clear()
            await asyncio.sleep(2.5)  # idle, well past GC_IDLE and two GC_EVERY ticks
            assert not full
            await pilot.press("down")
            await wait_for(pilot, lambda: bool(full), what="a full collection after the key")
    finally:
        gc.callbacks.remove(watch)


@sync
async def test_quitting_before_the_first_load_turns_the_collector_back_on(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = hold_loads(monkeypatch)
    app = make_app(demo_master)
    try:
        async with app.run_test(size=WIDE) as pilot:
            await pilot.pause()
            assert app.loads == 0 and not gc.isenabled()
    finally:
        release.set()
    assert gc.isenabled()


@sync
async def test_one_hidden_widget_carries_the_look_for_every_screen(demo_master: Path) -> None:
    """Textual processes a widget's component classes on each restyle of it: ~25 look--*
    classes on each of 12 widgets were ~86 ms of start-up, and more on every focus move."""
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        dashboard = app.screen
        carriers = [type(node).__name__ for node in dashboard.walk_children()
                    if any(name.startswith("look--") for name in node._get_component_classes())]
        assert carriers == ["LookSource"]
        table = dashboard.query_one(SectionsTable)
        dark = table.look()
        assert dark["overdue"].color is not None and dark["overdue"].bold
        await pilot.press("enter")  # the section screen, above the dashboard
        await settle(pilot)
        assert app.screen is not dashboard and not app.screen.query(LookSource)
        assert app.screen.query_one(ThreadList).look() == dark
        await pilot.press("ctrl+t")
        await settle(pilot)
        light = app.screen.query_one(ThreadList).look()
        assert light["overdue"].color != dark["overdue"].color
        assert table.look() == light


def test_screens_not_shown_at_start_are_imported_when_opened() -> None:
    """Importing the app took ~0.1 s more with every screen imported up front; the section,
    help, compliance, round-diff and progress screens wait until first opened."""
    later = ["compliance", "help", "progress", "rounds", "section"]
    code = (f"import sys, proposal_tui.tui.app; print(' '.join(m for m in {later!r} if "
            "'proposal_tui.tui.screens.' + m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    assert proc.stdout.split() == []
