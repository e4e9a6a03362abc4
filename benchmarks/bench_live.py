"""Live updates: from `git commit` returning in another process to the new state on screen.

The real app runs headless (`run_test`) with its file watcher on, on a copy of a synthetic
repository (300 sections; 20,000 and 1,000 commits). A separate `git commit` process edits one
section; the clock stops when the app has applied a snapshot whose HEAD is that commit (the
table rows are updated in the same handler) and the row's cells show it.

Target (issue 4): median <= 150 ms, p95 <= 300 ms at 20,000 commits; the refresh work after
one commit (snapshot + apply) at 20,000 commits is at most 1.3x that at 1,000.
Peers: lazygit polls every 2 s, gitui every 5 s, VS Code debounces 1 s, tig on demand.
Usage: python benchmarks/bench_live.py [--small] [--commits N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import median, percentile, row, synthetic_repo

import proposal_tui.tui.app as app_module
from proposal_tui.domain.clock import SystemClock
from proposal_tui.services.dashboard_data import DashboardData
from proposal_tui.services.workspace import Workspace
from proposal_tui.tui.app import ProposalApp
from proposal_tui.tui.widgets.sections_table import SectionsTable

ENV = {"GIT_AUTHOR_NAME": "Person 3", "GIT_AUTHOR_EMAIL": "p3@example.com",
       "GIT_COMMITTER_NAME": "Person 3", "GIT_COMMITTER_EMAIL": "p3@example.com"}
GAP = 0.5  # between commits: each one is a separate event, not part of a burst
_load = app_module.load


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)  # commit returned -> on screen
    loads: list[float] = field(default_factory=list)  # snapshot + texts, worker thread
    applies: list[float] = field(default_factory=list)  # widgets updated, UI thread
    commits_read: list[int] = field(default_factory=list)
    shown: dict[str, float] = field(default_factory=dict)  # HEAD -> when its apply finished


class TimedApp(ProposalApp):
    """The real app, timing each apply of new data (the UI-thread half of a refresh)."""

    # Relative CSS paths resolve next to the class's module: point at the app's own.
    CSS_PATH = [Path(app_module.__file__).parent / css for css in ProposalApp.CSS_PATH]
    run_stats: Run

    def _finish_load(self, data: DashboardData) -> None:
        start = time.perf_counter()
        super()._finish_load(data)
        done = time.perf_counter()
        self.run_stats.applies.append(done - start)
        if data.snapshot is not None:  # the rows now show this HEAD
            self.run_stats.shown.setdefault(data.snapshot.head or "", done)


def commit(path: Path, n: int, sections: int) -> float:
    """Append to one section and commit it in a separate git process; when it returned."""
    section = path / "sections" / f"s{(n * 7) % sections:05d}.md"
    with open(section, "a", encoding="utf-8") as fh:
        fh.write(f"\nLive benchmark sentence number {n} with a few more words.\n")
    subprocess.run(["git", "commit", "-q", "-a", "-m", f"Live edit {n}"], cwd=path,
                   check=True, env={**os.environ, **ENV})
    return time.perf_counter()


async def measure(path: Path, sections: int, commits: int) -> Run:
    stats = Run()

    def timed_load(*args: object, **kwargs: object) -> DashboardData:
        start = time.perf_counter()
        data = _load(*args, **kwargs)  # type: ignore[arg-type]
        stats.loads.append(time.perf_counter() - start)
        if data.snapshot is not None:
            stats.commits_read.append(data.snapshot.commits_read)
        return data

    app_module.load = timed_load  # type: ignore[assignment]
    app = TimedApp(Workspace(path, SystemClock(), acting="p0", env={}), refresh_every=None,
                   watch=True)
    app.watch_options = {"rescan_interval": None}
    app.run_stats = stats
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await wait(pilot, lambda: app.data.snapshot is not None and app.watcher is not None
                       and not app.busy, 120)
            stats.loads.clear()
            stats.applies.clear()
            stats.commits_read.clear()
            table = app.screen.query_one(SectionsTable)
            for n in range(commits):
                await asyncio.sleep(GAP)
                returned = await asyncio.to_thread(commit, path, n, sections)
                head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=path, check=True,
                                      capture_output=True, text=True).stdout.strip()
                await wait(pilot, lambda: head in stats.shown, 30)  # noqa: B023
                assert table.snapshot is not None and table.snapshot.head == head
                stats.latencies.append(stats.shown[head] - returned)
                await wait(pilot, lambda: not app.busy, 30)
    finally:
        app_module.load = _load  # type: ignore[assignment]
    # Only refreshes caused by one commit count as "refresh work" (drop the rare extra).
    pairs = [(lo, ap) for lo, ap, read in zip(stats.loads, stats.applies, stats.commits_read)
             if read == 1]
    stats.loads, stats.applies = [p[0] for p in pairs], [p[1] for p in pairs]
    return stats


async def wait(pilot: object, condition: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit("the app did not get there in time")
        await asyncio.sleep(0.02)  # the times are taken in the app's own handler


def one(sections: int, history: int, commits: int) -> Run:
    source = synthetic_repo(sections, history)
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        path = Path(tmp) / "repo"
        shutil.copytree(source, path, symlinks=True)
        return asyncio.run(measure(path, sections, commits))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="a quick run for the test suite")
    parser.add_argument("--commits", type=int, default=None, help="commits per size")
    args = parser.parse_args()
    sections, big, small = (20, 300, 100) if args.small else (300, 20000, 1000)
    commits = args.commits or (4 if args.small else 30)
    runs = {size: one(sections, size, commits) for size in (small, big)}
    print(f"live updates: {sections} sections, {commits} commits each, real app headless")
    for size, run in runs.items():
        work = [lo + ap for lo, ap in zip(run.loads, run.applies)]
        print(f"  {size} commits of history")
        row("commit returned -> on screen, median (<= 150)", ms(median(run.latencies)))
        row("commit returned -> on screen, p95 (<= 300)", ms(percentile(run.latencies, 0.95)))
        row("commit returned -> on screen, max", ms(max(run.latencies)))
        row("refresh work (snapshot + apply), median", ms(median(work) if work else 0.0))
        row("  of which snapshot + texts (worker)", ms(median(run.loads) if work else 0.0))
        row("  of which apply to widgets (UI thread)", ms(median(run.applies) if work else 0.0))
        row("commits read per refresh", f"{max(run.commits_read, default=0):8d}")
    work_small = median([lo + ap for lo, ap in zip(runs[small].loads, runs[small].applies)])
    work_big = median([lo + ap for lo, ap in zip(runs[big].loads, runs[big].applies)])
    row(f"refresh work ratio {big} / {small} (<= 1.3)", f"{work_big / work_small:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
