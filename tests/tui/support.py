"""Shared helpers for the TUI tests: a fixed date and clock, an app factory, a settle() that
waits on conditions (never sleeps), and the screen as plain text. The fixtures (the demo
repository, no blinking) are in conftest.py.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len

from proposal_tui.domain.clock import FixedClock
from proposal_tui.domain.model import Person
from proposal_tui.services.workspace import Workspace
from proposal_tui.tui import app as app_module
from proposal_tui.tui.app import ProposalApp
from proposal_tui.tui.screens.compliance import ComplianceScreen
from proposal_tui.tui.screens.mine import MineScreen
from proposal_tui.tui.screens.progress import ProgressScreen
from proposal_tui.tui.screens.rounds import RoundDiffScreen
from tests.gitutil import author_env, git

ViewT = TypeVar("ViewT")

FIXED_DATE = dt.date(2026, 11, 27)  # a Friday, three weeks before the demo's deadline
ZONE = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=ZONE)
WIDE, NARROW = (120, 40), (80, 24)


def hold_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> threading.Event:
    """From now on, each call of ``owner.name`` waits (up to 20 s) until the returned event
    is set."""
    release = threading.Event()
    original = getattr(owner, name)

    def held(*args: Any, **kwargs: Any) -> Any:
        release.wait(20)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, held)
    return release


def hold_loads(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make each load wait until the returned event is set: the app as it is before its
    first snapshot."""
    return hold_calls(monkeypatch, app_module, "load")


def make_app(repo: Path, actor: str | Person | None = "ana", *, now: dt.datetime = NOW,
             env: dict[str, str] | None = None, **kwargs: Any) -> ProposalApp:
    """The app on ``repo`` at a fixed clock. Pages are not typeset unless asked
    (``measure_pages=True``): ~2 s of CPU a fresh demo, and screens show the estimate."""
    workspace = Workspace(repo, FixedClock(now), acting=actor, env=env if env is not None else {})
    kwargs.setdefault("measure_pages", False)
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


def add_thread(repo: Path, author: str, section: str, body: str) -> str:
    reviews = Workspace(repo, FixedClock(NOW - dt.timedelta(hours=2))).reviews
    service = Workspace(repo, FixedClock(NOW)).proposals
    manifest = service.manifest()
    person = manifest.person(author)
    assert person is not None
    return reviews.comment(manifest, person, section, body, kind="must-fix").id


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """From now on, count the calls of ``owner.name`` (a method or a module's function)."""
    calls = [0]
    original = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


async def open_compliance(pilot) -> ComplianceScreen:
    await settle(pilot)
    await pilot.press("m")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ComplianceScreen)
                   and (pilot.app.screen.matrix is not None or pilot.app.screen.error),
                   what="the matrix")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ComplianceScreen) and screen.error is None
    return screen


async def open_progress(pilot, section: str) -> ProgressScreen:
    await settle(pilot)
    pilot.app.screen.table.select(section)
    await pilot.pause()
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ProgressScreen)
                   and pilot.app.screen.rows is not None, what="the progress rows")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ProgressScreen)
    return screen

BODY = "Name the [bold]PCI[/] scope owner"


def at(hours: float) -> FixedClock:
    return FixedClock(NOW - dt.timedelta(hours=hours))


def two_rounds(repo: Path) -> None:
    """pink at NOW-5h; helen comments on security; raj edits it and resolves; red at NOW-1h."""
    proposals = Workspace(repo, at(5)).proposals
    manifest = proposals.manifest()
    ana, helen, raj = (manifest.person(h) for h in ("ana", "helen", "raj"))
    assert ana and helen and raj
    Workspace(repo, at(5)).rounds.start(manifest, ana, "pink")
    thread = Workspace(repo, at(4)).reviews.comment(
        manifest, helen, "security", BODY, kind="must-fix")
    path = repo / "sections" / "09-security-privacy.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nDana Ruiz owns the PCI scope.\n",
                    encoding="utf-8")
    git(repo, "commit", "-qam", "Security: name the PCI scope owner",
        env=author_env("Raj", "raj.mehta@meridian-transit.example",
                       (NOW - dt.timedelta(hours=3)).isoformat()))
    Workspace(repo, at(2)).reviews.set_resolved(manifest, raj, thread.id, True)
    Workspace(repo, at(1)).rounds.close(manifest, ana, "pink")
    Workspace(repo, at(1)).rounds.start(manifest, ana, "red")


async def open_view(pilot, key: str, kind: type[ViewT], loaded: str, what: str) -> ViewT:
    """Press ``key`` and wait until a ``kind`` screen has its ``loaded`` attribute filled."""
    await settle(pilot)
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kind)
                   and getattr(pilot.app.screen, loaded) is not None, what=what)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    return screen


async def open_rounds(pilot) -> RoundDiffScreen:
    return await open_view(pilot, "R", RoundDiffScreen, "diff", "the round diff")


async def open_mine(pilot) -> MineScreen:
    return await open_view(pilot, "M", MineScreen, "mine", "the mine view")
