"""Screenshots of the dashboard on the demo at a fixed date and time (pytest-textual-snapshot).

Update after an intended change with ``make snapshots`` and look at the SVGs before
committing them. The demo's content comes from ``proposal_tui/samples/``: editing a sample
changes these pictures too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.tui.support import NARROW, WIDE, make_app, settle


async def _settled(pilot: Any) -> None:
    await settle(pilot)


async def _help(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


async def _section(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("down", "enter")
    await settle(pilot)


async def _light(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("ctrl+t")
    await settle(pilot)


def test_main_screen_120x40(snap_compare: Any, demo_master: Path) -> None:
    assert snap_compare(make_app(demo_master), terminal_size=WIDE, run_before=_settled)


def test_main_screen_80x24(snap_compare: Any, demo_master: Path) -> None:
    assert snap_compare(make_app(demo_master), terminal_size=NARROW, run_before=_settled)


def test_help_screen(snap_compare: Any, demo_master: Path) -> None:
    assert snap_compare(make_app(demo_master), terminal_size=WIDE, run_before=_help)


def test_section_full_screen(snap_compare: Any, demo_master: Path) -> None:
    assert snap_compare(make_app(demo_master), terminal_size=WIDE, run_before=_section)


def test_main_screen_light_theme(snap_compare: Any, demo_master: Path) -> None:
    assert snap_compare(make_app(demo_master), terminal_size=WIDE, run_before=_light)


async def _compliance(pilot: Any) -> None:
    from proposal_tui.tui.screens.compliance import ComplianceScreen
    from tests.tui.support import open_view

    await open_view(pilot, "m", ComplianceScreen, "matrix", "the matrix")
    await settle(pilot)


def test_compliance_screen_120x40(snap_compare: Any, demo_master: Path) -> None:
    assert snap_compare(make_app(demo_master), terminal_size=WIDE, run_before=_compliance)


async def _mine(pilot: Any) -> None:
    from tests.tui.support import open_mine

    await open_mine(pilot)
    await settle(pilot)


def test_mine_screen_120x40(snap_compare: Any, demo_master: Path) -> None:
    assert snap_compare(make_app(demo_master, "raj"), terminal_size=WIDE, run_before=_mine)


async def _plan(pilot: Any) -> None:
    from proposal_tui.tui.screens.plan import PlanScreen
    from tests.tui.support import open_view

    await open_view(pilot, "P", PlanScreen, "manifest", "the plan")
    await settle(pilot)


def test_plan_screen_120x40(snap_compare: Any, demo_master: Path) -> None:
    assert snap_compare(make_app(demo_master), terminal_size=WIDE, run_before=_plan)
