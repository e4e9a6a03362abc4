"""Back to live: the app's file watcher dies and cannot be replaced for a while (inotify used
up), the status line says it polls; once a new watcher can be made it says "● live" again,
and commits from another process keep arriving throughout."""

from __future__ import annotations

from pathlib import Path

import pytest

from proposal_tui.tui.widgets.live import LiveStatus
from tests.git.watch_support import Factory
from tests.gitutil import git
from tests.tui.live_support import RAJ, TRANSITION, cell, live_app, started, until, write_words
from tests.tui.support import WIDE, sync

pytestmark = pytest.mark.timeout(120)


@sync
async def test_the_status_line_returns_to_live_when_the_watcher_recovers(demo: Path) -> None:
    factory = Factory()
    app = live_app(demo)
    app.watch_options = {"rescan_interval": None, "poll_interval": 0.2, "health_interval": 0.05,
                         "retry_interval": 0.05, "observer_factory": factory}
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        status = app.screen.query_one(LiveStatus)
        assert app.live_status == ("watching", "")
        factory.broken = True
        app.watcher._observer.stop()
        await until(pilot, lambda: app.live_status[0] == "polling", "the polling status")
        await pilot.pause()
        shown = str(status.render())
        assert "polling every 0.2 s" in shown and "file watcher stopped" in shown
        write_words(demo, TRANSITION, 20)
        git(demo, "commit", "-q", "-a", "-m", "Polled", env=RAJ)
        await until(pilot, lambda: "drafting" in cell(app, "transition", "status"),
                    "a polled commit")
        await until(pilot, lambda: factory.calls >= 4, "retries that fail")
        assert app.live_status[0] == "polling"
        factory.broken = False
        await until(pilot, lambda: app.live_status == ("watching", ""), "live again")
        await pilot.pause()
        assert "● live" in str(status.render())
        assert app.watcher.mode == "watching"
        write_words(demo, TRANSITION, 40)
        git(demo, "commit", "-q", "-a", "-m", "After the recovery",
            "-m", "Proposal-Status: ready-for-review", env=RAJ)
        await until(pilot, lambda: "ready" in cell(app, "transition", "status"),
                    "a commit seen by file events again")
