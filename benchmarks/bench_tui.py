"""The dashboard at scale, headless: first paint, memory, and frame times while moving.

On 500 sections / 50,000 commits / 5,000 comment events (issue 6 targets): start to first
full paint at most 1.5 s (history index warm and cold), peak RSS at most 200 MB, and moving
the cursor through all 500 rows and scrolling the timeline with no frame over 50 ms.
Each measurement runs in a fresh child process, so the benchmark's own memory (and the
repository generator's) never counts.

A frame is the wait from sending a key to the screen update it causes, including encoding
that update as terminal output (headless runs skip it; a terminal pays it). Beside it, the
CPU the UI thread spends per key, as measured and less the Pilot's own per-key cost (taken
on an unbound key), which a real terminal does not pay.

A frame's worst case is a maximum over hundreds of keys, so it also measures the machine: a
fixed pure-Python loop of about a frame's length is timed after every move, and its own
spread is printed beside the frames' (on a shared virtual machine the same loop's slowest
run can take twice its median).

Usage: python benchmarks/bench_tui.py [--small]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import percentile, row, synthetic_repo

DRIVER_KEYS = 20
CONTROL_LOOP = 150_000  # iterations of control(): ~15-20 ms, about a frame, on a 2-core VM


def control() -> float:
    """CPU time of a fixed pure-Python loop: the same work every time, so its spread is the
    machine's."""
    start, total = time.thread_time(), 0
    for number in range(CONTROL_LOOP):
        total += number * number % 7
    return time.thread_time() - start


async def frame_time(app, pilot, key: str,  # noqa: ANN001
                     displays: list[float]) -> tuple[float, float]:
    """Two measures of a key, in seconds.

    The frame: wall time from sending the key to the last screen update it caused (encoded
    for the terminal), as a user would wait for it. The work: CPU time of the event loop's
    thread from sending the key until everything it set off has run (the Pilot's
    idle-waiting sleeps cost none, its bookkeeping does), which bounds how fast keys can
    repeat.
    """
    displays.clear()
    start, cpu = time.perf_counter(), time.thread_time()
    await pilot.press(key)
    await pilot.pause()
    work = time.thread_time() - cpu
    frame = (max(displays) - start) if displays else 0.0
    return frame, work


async def measure(repo: Path, rows: int, scrolls: int) -> dict[str, float]:
    from textual._compositor import CompositorUpdate

    from proposal_tui.domain.clock import SystemClock
    from proposal_tui.services.dashboard import ProposalService
    from proposal_tui.store.repo import ProposalRepo
    from proposal_tui.tui.app import ProposalApp

    start = time.perf_counter()
    app = ProposalApp(ProposalService(ProposalRepo.open(repo), SystemClock()), actor="p0",
                      refresh_every=None)
    displays: list[float] = []
    original = app._display

    def timed_display(screen, renderable):  # noqa: ANN001, ANN202
        original(screen, renderable)
        if isinstance(renderable, CompositorUpdate):
            # What a terminal pays on top and headless skips: the escape sequences to send.
            renderable.render_segments(app.console)
        displays.append(time.perf_counter())

    app._display = timed_display  # type: ignore[method-assign]
    async with app.run_test(size=(160, 50)) as pilot:
        while app.loads < 1:
            await asyncio.sleep(0.005)
        await pilot.pause()
        first_paint = (max(displays) if displays else time.perf_counter()) - start
        # What the Pilot itself costs per key (its idle waits post a callback to every
        # widget), measured on a key nothing is bound to; a real terminal has no such cost.
        driver = [(await frame_time(app, pilot, "f12", displays))[1]
                  for _ in range(DRIVER_KEYS)]
        moves, controls = [], []
        for _ in range(rows):
            moves.append(await frame_time(app, pilot, "j", displays))
            controls.append(control())
        await pilot.press("t")
        scrolls_ = [await frame_time(app, pilot, key, displays)
                    for key in ["l"] * scrolls + ["z"] + ["h"] * scrolls]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"first_paint": first_paint, "rss_mb": rss_mb, "driver": percentile(driver, 0.5),
              "rows": float(len(moves)), "control_p50": percentile(controls, 0.5),
              "control_max": max(controls)}
    for name, keys in (("move", moves), ("scroll", scrolls_)):
        for index, measure_ in enumerate(("frame", "work")):
            values = [key[index] for key in keys]
            result[f"{name}_{measure_}_p50"] = percentile(values, 0.5)
            result[f"{name}_{measure_}_p95"] = percentile(values, 0.95)
            result[f"{name}_{measure_}_max"] = max(values)
    return result


def child(repo: Path, rows: int, scrolls: int) -> None:
    print(json.dumps(asyncio.run(measure(repo, rows, scrolls))))


def run_child(repo: Path, rows: int, scrolls: int) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--child", str(repo), str(rows),
                           str(scrolls)], capture_output=True, text=True, check=True,
                          env={**os.environ, "TEXTUAL_ANIMATIONS": "none"})
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    sections, commits, comments = (30, 400, 60) if args.small else (500, 50_000, 5_000)
    repo = synthetic_repo(sections, commits, comments)
    cold = run_child(repo, rows=5, scrolls=2)  # synthetic_repo() cleared the index cache
    warm = run_child(repo, rows=sections, scrolls=20)
    print(f"TUI at scale: {sections} sections, {commits} commits, {comments} comment events")
    row("first paint, index cold (s)", f"{cold['first_paint']:8.2f}")
    row("first paint, index warm (target <= 1.5 s)", f"{warm['first_paint']:8.2f}")
    row("peak RSS (target <= 200 MB)", f"{warm['rss_mb']:8.0f} MB")
    driver = warm["driver"]
    for label, key in ((f"cursor through {int(warm['rows'])} rows", "move"),
                       ("timeline scroll and zoom", "scroll")):
        row(f"{label}: frame p50", f"{warm[f'{key}_frame_p50'] * 1000:8.1f} ms")
        row("  frame p95", f"{warm[f'{key}_frame_p95'] * 1000:8.1f} ms")
        row("  frame max (target <= 50 ms)", f"{warm[f'{key}_frame_max'] * 1000:8.1f} ms")
        p95, top = warm[f"{key}_work_p95"], warm[f"{key}_work_max"]
        row("  UI-thread CPU per key, p95", f"{p95 * 1000:8.1f} ms")
        row("  max", f"{top * 1000:8.1f} ms")
        row("  p95, less the driver's own", f"{(p95 - driver) * 1000:8.1f} ms")
        row("  max, less the driver's own", f"{(top - driver) * 1000:8.1f} ms")
    row("test driver's own CPU per key (unbound key)", f"{driver * 1000:8.1f} ms")
    p50, top = warm["control_p50"], warm["control_max"]
    row("machine: fixed CPU loop after each move, p50", f"{p50 * 1000:8.1f} ms")
    row("  max (the same work)", f"{top * 1000:8.1f} ms")
    row("  max / p50", f"{top / p50:8.2f}")
    shutil.rmtree(repo / ".git" / "proposal-tui", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
