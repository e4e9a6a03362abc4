"""Back from polling: after the observer died or inotify ran out, the watcher retries it (with
backoff) and returns to file events once it works, against real git processes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.git.watch_support import Factory, commit, wait_until

pytestmark = pytest.mark.timeout(60)


def test_a_dead_observer_is_retried_and_events_come_back(clone: Path, watchers) -> None:
    factory = Factory()
    modes: list[tuple[str, str]] = []
    w, rec = watchers(clone, poll_interval=0.2, health_interval=0.05, retry_interval=0.05,
                      rescan_interval=None, observer_factory=factory,
                      on_mode_change=lambda m, r: modes.append((m, r)))
    assert w.mode == "watching"
    factory.broken = True
    w._observer.stop()
    wait_until(lambda: w.mode == "polling")
    sha = commit(clone, "while polling")
    wait_until(lambda: rec.changes and rec.changes[-1].new.head == sha, timeout=2)
    wait_until(lambda: factory.calls >= 4)  # retries that fail keep it polling
    assert w.mode == "polling" and w._observer is None
    factory.broken = False
    wait_until(lambda: w.mode == "watching", timeout=10)
    assert modes == [("polling", "file watcher stopped; polling every 0.2 s"), ("watching", "")]
    assert w.reason == "" and w._observer.is_alive()
    relevant = w.stats.relevant_events
    sha = commit(clone, "after the recovery")  # no polls and no rescans now: events only
    wait_until(lambda: rec.changes and rec.changes[-1].new.head == sha, timeout=2)
    assert w.stats.relevant_events > relevant


def test_a_change_made_while_the_observer_was_down_shows_on_recovery(clone: Path,
                                                                     watchers) -> None:
    factory = Factory(broken=True)
    w, rec = watchers(clone, poll_interval=3600, retry_interval=0.3, rescan_interval=None,
                      observer_factory=factory)
    assert w.mode == "polling" and w.reason.startswith("inotify watch limit reached")
    sha = commit(clone, "between two polls")  # the next poll is an hour away
    factory.broken = False
    wait_until(lambda: rec.changes and rec.changes[-1].new.head == sha, timeout=5)
    assert w.mode == "watching"


def test_failed_retries_back_off(clone: Path, watchers) -> None:
    factory = Factory(broken=True)
    w, rec = watchers(clone, poll_interval=0.2, retry_interval=0.05, observer_factory=factory)
    time.sleep(1.2)  # retries after 0.05, 0.15, 0.35, 0.75 and 1.55 s: four, not twenty
    assert 2 <= factory.calls - 1 <= 6  # fixed 0.05 s retries would make about 24
    assert w.mode == "polling"
    sha = commit(clone)
    wait_until(lambda: rec.changes and rec.changes[-1].new.head == sha, timeout=2)


@pytest.mark.parametrize("why", ["forced", "network"])
def test_chosen_polling_is_never_retried(clone: Path, watchers, why: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import proposal_tui.watch.watcher as watcher_mod

    if why == "network":
        monkeypatch.setattr(watcher_mod, "network_fs_type", lambda path: "nfs4")
    factory = Factory()
    w, _ = watchers(clone, poll_interval=0.05, retry_interval=0.01, observer_factory=factory,
                    force_polling=why == "forced")
    time.sleep(0.3)
    assert (w.mode, factory.calls) == ("polling", 0)


def test_no_retry_after_stop(clone: Path, watchers) -> None:
    factory = Factory(broken=True)
    w, _ = watchers(clone, poll_interval=0.05, retry_interval=0.05, observer_factory=factory)
    w.stop()
    calls = factory.calls
    time.sleep(0.3)
    assert factory.calls == calls and w._observer is None
