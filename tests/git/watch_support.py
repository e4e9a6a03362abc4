"""Helpers for the watcher tests: waiting on a condition, a recording callback, a commit made
by another person, and an observer factory that can be made to fail."""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.observers import Observer

from proposal_tui.watch import Change, RepoWatcher
from tests.gitutil import author_env, git

SECTION = "sections/010-exec-summary.md"
ANN = author_env("Ann Writer", "ann@example.com")


def wait_until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.01)


class Recorder:
    """An on_change that records what, when and on which thread, and notices overlaps."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.times: list[float] = []
        self.threads: set[str] = set()
        self.overlapped = False
        self._active = 0
        self._lock = threading.Lock()

    def __call__(self, change: Change) -> None:
        with self._lock:
            self._active += 1
            self.overlapped |= self._active > 1
        time.sleep(0.001)  # widen any overlap window
        self.times.append(time.monotonic())
        self.changes.append(change)
        self.threads.add(threading.current_thread().name)
        with self._lock:
            self._active -= 1


def settle(w: RepoWatcher) -> None:
    """Wait until every event so far was delivered and its check ran: inotify delivers in
    order, so once a marker written into the git dir arrives, so has everything before it."""
    marker = Path(w.repo.git_dir) / f"watch-marker-{time.monotonic_ns()}"
    marker.write_bytes(b"")
    wait_until(lambda: str(marker) in list(w.stats.recent) or w.mode == "polling")
    wait_until(lambda: w._first is None and not w._requested
               and w._checks_done == w._checks_started)
    marker.unlink()


def commit(repo: Path, message: str = "edit", path: str = "notes.txt") -> str:
    with open(repo / path, "a", encoding="utf-8") as fh:
        fh.write(message + "\n")
    git(repo, "add", "--", path)
    git(repo, "commit", "-q", "-m", message, env=ANN)
    return git(repo, "rev-parse", "HEAD").strip()


class Factory:
    """An observer factory that fails with ENOSPC while ``broken``, and counts its calls."""

    def __init__(self, broken: bool = False) -> None:
        self.broken = broken
        self.calls = 0

    def __call__(self) -> Observer:
        self.calls += 1
        if self.broken:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return Observer()
