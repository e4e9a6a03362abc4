"""Helpers for the live TUI tests: an app with its file watcher on, people who commit from
other processes, and waits that poll what the screen shows with a deadline."""

from __future__ import annotations

import time
from pathlib import Path

from proposal_tui.domain.wordcount import count_words, format_for_path
from proposal_tui.tui.app import ProposalApp
from proposal_tui.tui.widgets.sections_table import SectionsTable
from tests.gitutil import author_env
from tests.tui.support import make_app, settle

WHEN = "2026-11-27T09:30:00-05:00"  # just before the pinned clock: the newest activity
RAJ = author_env("Raj Mehta", "raj.mehta@meridian-transit.example", WHEN)
ANA = author_env("Ana Ruiz", "ana.ruiz@meridian-transit.example", WHEN)
TRANSITION = "sections/07-transition-plan.md"  # not started: only its stub is committed
EXEC = "sections/01-executive-summary.md"
DEADLINE = 10.0  # seconds; the target is 0.15 s, this only bounds a broken run


def live_app(repo: Path, **kwargs: object) -> ProposalApp:
    app = make_app(repo, watch=True, **kwargs)
    app.watch_options = {"rescan_interval": None}  # only events (or polls) may refresh
    return app


def cell(app: ProposalApp, section: str, column: str) -> str:
    table = app.screen.query_one(SectionsTable)
    return table.get_cell(section, column).plain.strip()


async def until(pilot, condition, what: str, timeout: float = DEADLINE) -> None:
    """Let the app run until ``condition()`` holds; fail with ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await pilot.pause(0.01)


async def started(pilot) -> None:
    """The first load is on screen and the watcher is running."""
    await settle(pilot)
    await until(pilot, lambda: pilot.app.live_status[0] != "", "the watcher to start")
    await settle(pilot)


def words_of(repo: Path, path: str) -> int:
    """What the file in the work tree counts, by the same rules, computed independently."""
    return count_words((repo / path).read_text(encoding="utf-8"), format_for_path(path))


def write_words(repo: Path, path: str, words: int, *, title: str = "# Transition") -> None:
    body = " ".join(f"word{n}" for n in range(words))
    (repo / path).write_text(f"{title}\n\n{body}\n", encoding="utf-8")
