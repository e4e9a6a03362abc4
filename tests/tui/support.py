"""Shared helpers for the TUI tests: a demo repository at a fixed date, a fixed clock, an app
factory, a settle() that waits on conditions (never sleeps), and the screen as plain text.

Named test_tui_* so it sits in the TUI's file area; it holds no tests itself.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len

from proposal_tui.domain.clock import FixedClock
from proposal_tui.domain.model import Person
from proposal_tui.services.workspace import Workspace
from proposal_tui.store.demo import build_demo
from proposal_tui.tui import app as app_module
from proposal_tui.tui.app import ProposalApp

FIXED_DATE = dt.date(2026, 11, 27)  # a Friday, three weeks before the demo's deadline
ZONE = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=ZONE)
WIDE, NARROW = (120, 40), (80, 24)


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The transit demo built once; tests that write get their own copy (``demo``)."""
    # Both pinned: with only `today`, commits near the real date would be pulled back to
    # before the real clock, and snapshots would change with the hour they run.
    return build_demo(tmp_path_factory.mktemp("demo-master") / "proposal", "transit-rfp",
                      today=FIXED_DATE, now=NOW)


@pytest.fixture
def demo(demo_master: Path, tmp_path: Path) -> Path:
    target = tmp_path / "proposal"
    shutil.copytree(demo_master, target, symlinks=True)
    return target


@pytest.fixture(autouse=True)
def _quiet_textual(monkeypatch: pytest.MonkeyPatch) -> None:
    """No animation and no blinking cursors: screenshots are the same on every run."""
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    from textual.widgets import Input, TextArea

    for widget in (Input, TextArea):  # the reactive's default, so every new one starts still
        monkeypatch.setattr(widget.cursor_blink, "_default", False)


def hold_loads(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make each load wait (up to 20 s) until the returned event is set: the app as it is
    before its first snapshot."""
    release = threading.Event()
    original = app_module.load

    def held_load(*args: Any, **kwargs: Any) -> Any:
        release.wait(20)
        return original(*args, **kwargs)

    monkeypatch.setattr(app_module, "load", held_load)
    return release


def make_app(repo: Path, actor: str | Person | None = "ana", *, now: dt.datetime = NOW,
             env: dict[str, str] | None = None, **kwargs: Any) -> ProposalApp:
    workspace = Workspace(repo, FixedClock(now), acting=actor, env=env if env is not None else {})
    app = ProposalApp(workspace, refresh_every=None, **kwargs)
    app.animation_level = "none"
    return app


async def settle(pilot: Any, timeout: float = 20.0) -> None:
    """Wait until no load is running or queued and every worker has finished."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while True:
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.busy and not any(w.is_running for w in app.workers):
            await pilot.pause()
            return
        if time.monotonic() > deadline:
            raise AssertionError("the app did not settle in time")


async def wait_for(pilot: Any, condition: Callable[[], object], timeout: float = 20.0,
                   what: str = "condition") -> None:
    """Poll ``condition`` between app idles, with a deadline instead of a sleep."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.01)


_TEXT = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
                   r'clip-path="url\(#[^)]*-line-(\d+)\)">([^<]*)</text>')


def screen_text(app: ProposalApp) -> str:
    """What the terminal shows, as lines of text, read back from ``export_screenshot``."""
    svg = app.export_screenshot()
    width, height = app.size
    lines = [[" "] * (width + 2) for _ in range(height)]
    for x, line, raw in _TEXT.findall(svg):
        col = round(float(x) / 12.2)
        row = lines[int(line)]
        for char in html.unescape(raw).replace("\xa0", " "):
            if 0 <= col < len(row):
                row[col] = char
            col += max(1, cell_len(char))
            if cell_len(char) == 2 and col - 1 < len(row):
                row[col - 1] = ""
    return "\n".join("".join(row).rstrip() for row in lines)


def sync(test: Callable[..., Any]) -> Callable[..., Any]:
    """Run an ``async def`` test with asyncio.run (no async pytest plugin is installed)."""
    import asyncio
    import functools

    @functools.wraps(test)
    def runner(*args: Any, **kwargs: Any) -> Any:
        return asyncio.run(test(*args, **kwargs))

    return runner
