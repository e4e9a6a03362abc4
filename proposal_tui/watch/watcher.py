"""Live status: turn the storm of file events a commit makes into one callback.

A commit is ~48 raw inotify events, a pull over a hundred, so events only *wake* a single
worker thread. It waits for a short quiet spell (capped, so a continuous stream still
refreshes), reads a :class:`Fingerprint` and calls back only if it differs from the last one.
If the repository is still changing right after a read, the next wait grows (x4), so a script
making 50 commits costs two or three refreshes, while a lone commit shows within ~60 ms.
Our own git reads (``GIT_OPTIONAL_LOCKS=0``) and file reads never get past the event filter.
When inotify is unavailable, exhausted or dies, the same worker polls the fingerprint instead,
and retries the observer now and then (backing off), so live updates come back by themselves
once the limit is raised or other sessions free their watches.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from proposal_tui.store.fingerprint import Change, Fingerprint, diff, fingerprint
from proposal_tui.store.git import GitError
from proposal_tui.store.plumbing import git_dir as common_git_dir
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.watch.paths import (
    EventFilter,
    Target,
    manifest_section_paths,
    network_fs_type,
    watch_targets,
)

log = logging.getLogger(__name__)

Mode = Literal["watching", "polling"]
WATCHING: Mode = "watching"
POLLING: Mode = "polling"
# Only these reach us: no opened/closed-without-writing events, so our own reads of section
# files are invisible, and directory "modified" noise is not even requested from the kernel.
EVENT_TYPES: list[type[FileSystemEvent]] = [
    FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileClosedEvent,
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent]
# While the repository keeps changing right after each read (a script committing in a loop, a
# rebase), each next window waits 4x longer, up to these ceilings; a pause resets them.
QUIET_CEILING = 1.0
LATENCY_CEILING = 5.0
# While git runs a multi-commit operation (rebase, cherry-pick or revert of a range, am) it
# keeps one of these in the git dir; every step moves HEAD, so reading mid-way would show a
# half-rebased branch and cost one refresh per step. Wait for it to go (or for git to stall
# this long: a rebase stopped on a conflict still shows within a second).
BUSY_MARKERS = ("rebase-merge", "rebase-apply", "sequencer")
BUSY_QUIET = 1.0
BUSY_CEILING = 30.0
# After a failed retry of the observer the next waits twice as long, up to this ceiling; so
# does the first retry after an observer that died again within this long of coming back.
RETRY_CEILING = 120.0


@dataclass
class WatchStats:
    """Counters for tests and diagnostics (each written by one thread only)."""

    raw_events: int = 0
    relevant_events: int = 0
    checks: int = 0
    callbacks: int = 0
    recent: deque[str] = field(default_factory=lambda: deque(maxlen=64))  # raw event paths


class _Handler(FileSystemEventHandler):
    def __init__(self, on_event: Callable[[FileSystemEvent], None]) -> None:
        self._on_event = on_event

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._on_event(event)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "inotify watch limit reached"
    if isinstance(exc, OSError) and exc.errno == errno.EMFILE:
        return "inotify instance limit reached"
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"file watching unavailable ({detail or type(exc).__name__})"


class RepoWatcher:
    """Calls ``on_change`` from its own worker thread: never twice at once, never after stop().

    ``section_paths_fn`` is called in start() and then on the worker thread before each
    check; None means "the sections of the work-tree proposal.toml".
    ``on_mode_change(mode, reason)`` reports a switch to polling after start() (read
    ``mode``/``reason`` right after start() too), and the switch back to watching when a
    retry of the observer (every ``retry_interval`` s, doubling) works. Polling because it
    was forced or the file system is remote is final. Keep both callbacks quick: post a
    message.
    """

    def __init__(self, repo: ProposalRepo,
                 section_paths_fn: Callable[[], Iterable[str]] | None,
                 on_change: Callable[[Change], None], debounce: float = 0.05,
                 poll_interval: float = 2.0, *, max_latency: float = 0.3,
                 force_polling: bool = False,
                 on_mode_change: Callable[[Mode, str], None] | None = None,
                 observer_factory: Callable[[], Any] = Observer,
                 rescan_interval: float | None = 30.0, health_interval: float = 1.0,
                 retry_interval: float | None = 10.0) -> None:
        self.repo = repo
        self._paths_fn = section_paths_fn or manifest_section_paths(repo)
        self._on_change = on_change
        self._on_mode_change = on_mode_change
        self.debounce, self.poll_interval, self.max_latency = debounce, poll_interval, max_latency
        self._force_polling = force_polling
        self._observer_factory = observer_factory
        self._rescan = rescan_interval if rescan_interval else float("inf")
        self._health_interval = health_interval
        self._retry_interval = retry_interval
        self._retry_delay = retry_interval or 0.0
        self._next_retry: float | None = None  # when to try the observer again, if ever
        self._recovered_at = float("-inf")
        self.mode: Mode = WATCHING
        self.reason = ""
        self.stats = WatchStats()
        self._fingerprint: Fingerprint | None = None
        self._sections: list[str] = []
        self._cond = threading.Condition()
        self._first: float | None = None  # first relevant event of the pending window
        self._last = 0.0  # latest relevant event or git-dir activity
        self._last_read = float("-inf")  # when the last event-driven check began
        self._quiet, self._cap = debounce, max_latency
        self._requested = False
        self._checks_started = self._checks_done = 0
        self._next_periodic = self._next_health = 0.0
        self._started = self._stopped = False
        self._worker: threading.Thread | None = None
        self._observer: Any = None
        self._observer_lock = threading.Lock()
        self._scheduled: dict[str, tuple[Any, Target]] = {}
        self._handler = _Handler(self._on_event)
        self._git_dirs: list[str] = []
        self._work_tree: str | None = None
        self._filter = EventFilter([], None)

    # -- public ----------------------------------------------------------------------------
    @property
    def fingerprint(self) -> Fingerprint | None:
        """The state read last (by start() or a check); what the next diff starts from."""
        return self._fingerprint

    def start(self) -> None:
        if self._started or self._stopped:
            raise RuntimeError("a RepoWatcher starts once; make a new one")
        self._started = True
        self._git_dirs = [os.path.realpath(self.repo.git_dir)]
        with contextlib.suppress(GitError):
            self._git_dirs.append(os.path.realpath(common_git_dir(self.repo.root)))
        self._work_tree = os.path.realpath(self.repo.work_tree) if self.repo.work_tree else None
        self._filter = EventFilter(self._git_dirs, self._work_tree)
        sections = self._section_paths()
        network = next(filter(None, map(network_fs_type,
                                        [*self._git_dirs, self._work_tree or ""])), None)
        if self._force_polling:
            self._set_polling("file watching turned off")
        elif network:
            self._set_polling(f"repository on {network} (no events for changes made elsewhere)")
        else:
            try:
                self._start_observer(sections)
            except Exception as exc:  # noqa: BLE001 - any failure: poll rather than go blind
                log.warning("file watching unavailable: %s", exc)
                self._set_polling(_describe(exc))
                self._plan_retry()
        try:
            self._fingerprint = fingerprint(self.repo, sections)
        except BaseException:
            self.stop()
            raise
        now = time.monotonic()
        self._next_periodic = now + (self.poll_interval if self.mode == POLLING else self._rescan)
        self._next_health = now + self._health_interval
        self._worker = threading.Thread(target=self._run, name="proposal-repo-watcher",
                                        daemon=True)
        self._worker.start()

    def check_now(self, wait: float | None = None) -> bool:
        """Re-read now, skipping the debounce (e.g. when the terminal regains focus).

        Returns False if not running; with ``wait``, blocks up to that many seconds until
        the check (and its callback) finished and returns whether it did.
        """
        with self._cond:
            if not self._started or self._stopped:
                return False
            self._requested = True
            target = self._checks_started + 1
            self._cond.notify_all()
            if wait is None or threading.current_thread() is self._worker:
                return True
            return self._cond.wait_for(
                lambda: self._checks_done >= target or self._stopped, wait) \
                and not self._stopped

    def stop(self, timeout: float = 2.0) -> None:
        """Idempotent; when it returns no callback is running or will start."""
        with self._cond:
            if self._stopped:
                return
            self._stopped = True
            self._cond.notify_all()
        self._stop_observer(timeout)
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout)

    # -- watchdog thread -------------------------------------------------------------------
    def _on_event(self, event: FileSystemEvent) -> None:
        """Relevant events start (or extend) a burst; any other event under the git dir only
        extends the quiet wait, because git is still busy (a 50-commit script has one ref
        rename per commit but index and lock churn in between)."""
        src = os.fsdecode(event.src_path)
        dest = os.fsdecode(event.dest_path) if event.dest_path else ""
        self.stats.raw_events += 1
        self.stats.recent.append(dest or src)
        relevant = self._filter.relevant(src, event.is_directory) or \
            bool(dest) and self._filter.relevant(dest, event.is_directory)
        if not relevant and not self._filter.in_git_dir(src):
            return
        with self._cond:
            now = time.monotonic()
            if relevant:
                self.stats.relevant_events += 1
                if self._first is None:
                    if now - self._last_read < self.max_latency:  # still busy: back off
                        self._quiet = min(self._quiet * 4, max(QUIET_CEILING, self.debounce))
                        self._cap = min(self._cap * 4, max(LATENCY_CEILING, self.max_latency))
                    else:
                        self._quiet, self._cap = self.debounce, self.max_latency
                    self._first = now
                self._cond.notify_all()
            elif os.path.basename(src) in BUSY_MARKERS:  # a rebase ended: re-plan the wait
                self._cond.notify_all()
            self._last = now

    # -- worker thread ---------------------------------------------------------------------
    def _run(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                {"check": self._check, "health": self._health, "retry": self._retry}[job]()
            except Exception:
                log.exception("repository watcher: %s failed", job)
            finally:
                if job == "check":
                    with self._cond:
                        self._checks_done += 1
                        self._cond.notify_all()

    def _next_job(self) -> str | None:
        with self._cond:
            while not self._stopped:
                now = time.monotonic()
                wake = [self._next_periodic]
                if self._first is not None:
                    if self._git_busy():
                        wake.append(min(self._last + max(self._quiet, BUSY_QUIET),
                                        self._first + BUSY_CEILING))
                    else:
                        wake.append(min(self._last + self._quiet, self._first + self._cap))
                if self._requested or now >= min(wake):
                    if self._first is not None:
                        self._last_read = now
                    self._requested, self._first = False, None
                    self._next_periodic = now + (self.poll_interval if self.mode == POLLING
                                                 else self._rescan)
                    self._checks_started += 1
                    return "check"
                if self.mode == WATCHING:
                    if now >= self._next_health:
                        self._next_health = now + self._health_interval
                        return "health"
                    wake.append(self._next_health)
                elif self._next_retry is not None:
                    if now >= self._next_retry:
                        self._next_retry = None
                        return "retry"
                    wake.append(self._next_retry)
                self._cond.wait(min(min(wake) - now, 3600.0))
        return None

    def _git_busy(self) -> bool:
        """A rebase, cherry-pick/revert sequence or am is under way (a few stat calls)."""
        return any(os.path.isdir(os.path.join(gdir, marker))
                   for gdir in self._git_dirs for marker in BUSY_MARKERS)

    def _section_paths(self) -> list[str]:
        if self.repo.bare:
            return []
        try:
            self._sections = list(dict.fromkeys(self._paths_fn()))
        except Exception:
            log.exception("repository watcher: section_paths_fn failed")
        self._filter.set_sections(self._sections)
        return self._sections

    def _check(self) -> None:
        sections = self._section_paths()
        if self.mode == WATCHING:
            try:  # watch new section folders before reading, so no write falls in between
                self._reconcile(sections)
            except Exception as exc:  # noqa: BLE001
                self._fallback(_describe(exc))
        try:
            new = fingerprint(self.repo, sections)
        except (GitError, OSError) as exc:  # e.g. the repository was moved away; retry later
            log.warning("repository watcher: cannot read %s: %s", self.repo.root, exc)
            return
        self.stats.checks += 1
        old, self._fingerprint = self._fingerprint, new
        change = diff(old, new) if old is not None else None
        if not change:
            return
        with self._cond:
            if self._stopped:
                return
        self.stats.callbacks += 1
        try:
            self._on_change(change)
        except Exception:
            log.exception("repository watcher: on_change failed")

    def _health(self) -> None:
        obs = self._observer
        if obs is None:
            return
        reader = getattr(obs, "_inotify_fd", None)  # watchdog 7 reads inotify on one thread
        alive = {e.watch.path: e.is_alive() for e in list(obs.emitters)}
        dead_critical = any(t.critical and not alive.get(path, False)
                            for path, (_w, t) in list(self._scheduled.items()))
        if not obs.is_alive() or (reader is not None and not reader.is_alive()) \
                or dead_critical:
            self._fallback("file watcher stopped")
        elif not all(alive.values()):  # a watched section folder was deleted: re-plan
            self.check_now()

    # -- observer --------------------------------------------------------------------------
    def _start_observer(self, sections: list[str]) -> None:
        obs = self._observer_factory()
        with self._observer_lock:
            self._observer = obs
        try:
            obs.start()
            self._reconcile(sections)
        except BaseException:
            self._stop_observer()
            raise

    def _reconcile(self, sections: list[str]) -> None:
        """Watch exactly the folders the current section list needs."""
        with self._observer_lock:
            obs = self._observer
            if obs is None:
                return
            alive = {e.watch: e.is_alive() for e in list(obs.emitters)}
            wanted = {t.path: t for t in watch_targets(self._git_dirs, self._work_tree,
                                                        sections)}
            for path, (watch, target) in list(self._scheduled.items()):
                if wanted.get(path) != target or not alive.get(watch, False):
                    del self._scheduled[path]
                    with contextlib.suppress(KeyError):
                        obs.unschedule(watch)
            for path, target in wanted.items():
                if path in self._scheduled:
                    continue
                try:
                    watch = obs.schedule(self._handler, path, recursive=target.recursive,
                                         event_filter=EVENT_TYPES)
                except FileNotFoundError:
                    if target.critical:
                        raise
                    continue  # vanished since planned; the next check re-plans
                self._scheduled[path] = (watch, target)

    def _stop_observer(self, timeout: float = 2.0) -> None:
        with self._observer_lock:
            obs, self._observer = self._observer, None
            self._scheduled.clear()
        if obs is None:
            return
        try:
            obs.stop()
            if obs.is_alive():
                obs.join(timeout)
        except Exception:
            log.debug("repository watcher: observer stop failed", exc_info=True)

    def _set_polling(self, why: str) -> None:
        self.mode = POLLING
        self.reason = f"{why}; polling every {self.poll_interval:g} s"

    def _fallback(self, why: str) -> None:
        with self._cond:
            if self.mode == POLLING or self._stopped:
                return
            self._set_polling(why)
            self._next_periodic = now = time.monotonic()  # re-read now: events may be lost
            if now - self._recovered_at < RETRY_CEILING:  # died again soon: back off
                self._retry_delay = min(self._retry_delay * 2, RETRY_CEILING)
            else:
                self._retry_delay = self._retry_interval or 0.0
            self._plan_retry()
            self._cond.notify_all()
        log.warning("repository watcher: %s", self.reason)
        self._stop_observer()
        self._report_mode()

    def _plan_retry(self) -> None:
        """Call with ``_cond`` held, or before the worker starts."""
        if self._retry_interval:
            self._next_retry = time.monotonic() + self._retry_delay

    def _retry(self) -> None:
        """Polling because the observer failed: try a new one, and watch again if it works."""
        try:
            self._start_observer(self._section_paths())
        except Exception as exc:  # noqa: BLE001 - still unavailable: keep polling
            log.debug("repository watcher: file watching still unavailable: %s", exc)
            with self._cond:
                self._retry_delay = min(self._retry_delay * 2, RETRY_CEILING)
                self._plan_retry()
            return
        with self._cond:
            stopped = self._stopped
            if not stopped:
                now = time.monotonic()
                self.mode, self.reason = WATCHING, ""
                self._recovered_at = now
                self._next_periodic = now + self._rescan
                self._next_health = now + self._health_interval
                self._requested = True  # read at once: the last poll may have missed a change
        if stopped:  # stop() may have run before this observer existed
            self._stop_observer()
            return
        log.info("repository watcher: file watching works again")
        self._report_mode()

    def _report_mode(self) -> None:
        if self._on_mode_change is not None:
            try:
                self._on_mode_change(self.mode, self.reason)
            except Exception:
                log.exception("repository watcher: on_mode_change failed")
