"""The dashboard at scale, headless: first paint, memory, and frame times while moving.

On 500 sections / 50,000 commits / 5,000 comment events (issue 6 targets): start to first
full paint at most 1.5 s (history index warm and cold), peak RSS at most 200 MB, and moving
the cursor through all 500 rows and scrolling the timeline with no frame over 50 ms.
First paint is timed from the app's start; counted from the process's start (Python's own
start-up and the imports, ~0.6 s here, included) it is printed beside it.
Each measurement runs in a fresh child process, so the benchmark's own memory (and the
repository generator's) never counts.

A frame is the wait from sending a key to the screen update it causes, including encoding
that update as terminal output (headless runs skip it; a terminal pays it). Beside it, the
CPU the UI thread spends per key, as measured and less the Pilot's own per-key cost (taken
on an unbound key), which a real terminal does not pay.

A frame's worst case is a maximum over hundreds of keys, so it also measures the machine. So
the walk is made three times, each in a fresh process, and the target is checked on each
key's best frame of the three (as timeit keeps the best of its repeats: the same work run
slower is the machine); the worst frame of any walk is printed beside it. Two more figures
tell the two apart. A fixed pure-Python loop of about a frame's length is timed after every
move, and its spread is printed (on a shared virtual machine its slowest run can take twice
its median). And the walk is made once more counting the Python calls each move makes before
its frame is on screen, a move's work whatever the machine's speed: beside the slowest frame
the benchmark prints that move's work against the median move's, so a slow frame is either
more work (ours to fix) or the same work run slower.

Usage: python benchmarks/bench_tui.py [--small]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from common import percentile, proc_kib, row, synthetic_repo

DRIVER_KEYS = 20
CONTROL_LOOP = 150_000  # iterations of control(): ~15-20 ms, about a frame, on a 2-core VM
WALKS = 3  # warm walks, each in its own process


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


def import_app() -> None:
    """The app's imports (~0.6 s of Python here), kept out of the time from the app's start."""
    import proposal_tui.tui.app  # noqa: F401


def dashboard(repo: Path, displays: list[float], clock: Callable[[], float],  # noqa: ANN201
              acting: str = "p0", **options: object):
    """The app on ``repo``, appending ``clock()`` to ``displays`` after each screen update;
    ``options`` go to ProposalApp (bench_pages: ``measure_pages``)."""
    from textual._compositor import CompositorUpdate  # noqa: PLC2701 - timing probe only

    from proposal_tui.domain.clock import SystemClock
    from proposal_tui.services.workspace import Workspace
    from proposal_tui.tui.app import ProposalApp

    app = ProposalApp(Workspace(repo, SystemClock(), acting=acting), refresh_every=None,
                      **options)  # type: ignore[arg-type]
    original = app._display

    def timed_display(screen, renderable):  # noqa: ANN001, ANN202
        original(screen, renderable)
        if isinstance(renderable, CompositorUpdate):
            # What a terminal pays on top and headless skips: the escape sequences to send.
            renderable.render_segments(app.console)
        displays.append(clock())

    app._display = timed_display  # type: ignore[method-assign]
    return app


async def loaded(app, pilot) -> None:  # noqa: ANN001
    while app.loads < 1:
        await asyncio.sleep(0.005)
    await pilot.pause()


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not ru_maxrss: a process inherits that across exec
    from its parent, here the parent that built the 50,000-commit repository."""
    return proc_kib(os.getpid(), "status", "VmHWM") / 1024


async def measure(repo: Path, rows: int, scrolls: int) -> dict[str, object]:
    """One walk in a fresh process: first paint (from the app's start, and as a wall-clock
    time for the parent to count from the process's), peak memory, and each key's frame and
    work (in seconds, in the order pressed)."""
    displays: list[float] = []
    import_app()
    start = time.perf_counter()
    app = dashboard(repo, displays, time.perf_counter)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(app, pilot)
        painted = max(displays) if displays else time.perf_counter()
        first_paint, painted_at = painted - start, time.time() - (time.perf_counter() - painted)
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
    return {"first_paint": first_paint, "painted_at": painted_at,
            "rss_mb": peak_rss_mb(),
            "driver": percentile(driver, 0.5), "controls": controls,
            "move": moves, "scroll": scrolls_}


async def count_work(repo: Path, rows: int) -> list[int]:
    """Python calls (and calls into C) each move makes from its key to its last screen update,
    in the same walk as :func:`measure`'s: its work, whatever the machine's speed. Counting
    slows the walk down, so no time is taken here."""
    calls = 0

    def count(_frame, event: str, _arg) -> None:  # noqa: ANN001
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    counts: list[int] = []
    app = dashboard(repo, counts, lambda: calls)
    work = []
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(app, pilot)
        for _ in range(rows):
            counts.clear()
            calls = 0
            sys.setprofile(count)
            try:
                await pilot.press("j")
                await pilot.pause()
            finally:
                sys.setprofile(None)
            work.append(counts[-1] if counts else 0)
    return work


def child(mode: str, repo: Path, rows: int, scrolls: int) -> None:
    result = asyncio.run(count_work(repo, rows) if mode == "--count" else
                         measure(repo, rows, scrolls))
    print(json.dumps(result))


def run_child(repo: Path, rows: int, scrolls: int, mode: str = "--child"):  # noqa: ANN201
    """A walk's figures; for a timed walk, with ``from_process``: the first paint counted from
    the process's start, the interpreter's start-up and the imports included."""
    spawned = time.time()
    proc = subprocess.run([sys.executable, __file__, mode, str(repo), str(rows),
                           str(scrolls)], capture_output=True, text=True, check=True,
                          env={**os.environ, "TEXTUAL_ANIMATIONS": "none"})
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if isinstance(result, dict):
        result["from_process"] = result["painted_at"] - spawned
    return result


def report_keys(label: str, walks: list[list[list[float]]], driver: float) -> None:
    """Frames and work of the same keys over several walks. Each key's best frame of the
    walks is what the app needs; the worst frame of any walk adds the machine's stalls."""
    frames = [frame for walk in walks for frame, _work in walk]
    work = [cpu for walk in walks for _frame, cpu in walk]
    best = [min(walk[index][0] for walk in walks) for index in range(len(walks[0]))]
    row(f"{label}: frame p50", f"{percentile(frames, 0.5) * 1000:8.1f} ms")
    row("  frame p95", f"{percentile(frames, 0.95) * 1000:8.1f} ms")
    row(f"  frame max, best of {len(walks)} (target <= 50 ms)", f"{max(best) * 1000:8.1f} ms")
    row("  frame max, any walk (stalls too)", f"{max(frames) * 1000:8.1f} ms")
    p95, top = percentile(work, 0.95), max(work)
    row("  UI-thread CPU per key, p95", f"{p95 * 1000:8.1f} ms")
    row("  max", f"{top * 1000:8.1f} ms")
    row("  p95, less the driver's own", f"{(p95 - driver) * 1000:8.1f} ms")
    row("  max, less the driver's own", f"{(top - driver) * 1000:8.1f} ms")


def report_work(walks: list[list[list[float]]], work: list[int]) -> None:
    """The slowest frame's work against the median move's, and the most work any move did."""
    frames = [max(walk[index][0] for walk in walks) for index in range(len(work))]
    typical = percentile([float(calls) for calls in work], 0.5) or 1.0
    slowest = max(range(len(frames)), key=frames.__getitem__)
    heaviest = max(range(len(work)), key=work.__getitem__)
    row("  work per move (Python calls made): p50", f"{typical:8.0f}")
    row(f"  slowest frame (move {slowest + 1}): work / p50", f"{work[slowest] / typical:8.2f}")
    row("  its frame / the p50 frame", f"{frames[slowest] / percentile(frames, 0.5):8.2f}")
    row(f"  most work (move {heaviest + 1}) / p50, its frame",
        f"{work[heaviest] / typical:8.2f}  {frames[heaviest] * 1000:.1f} ms")


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] in ("--child", "--count"):
        child(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    sections, commits, comments = (30, 400, 60) if args.small else (500, 50_000, 5_000)
    repo = synthetic_repo(sections, commits, comments)
    cold = run_child(repo, rows=5, scrolls=2)  # synthetic_repo() cleared the index cache
    warm = [run_child(repo, rows=sections, scrolls=20) for _ in range(WALKS)]
    work = run_child(repo, rows=sections, scrolls=0, mode="--count")
    print(f"TUI at scale: {sections} sections, {commits} commits, {comments} comment events")
    paints = [walk["first_paint"] for walk in warm]
    row("first paint, index cold (s)", f"{cold['first_paint']:8.2f}")
    row("first paint, index warm (target <= 1.5 s)", f"{max(paints):8.2f}")
    row(f"  best of {WALKS} runs", f"{min(paints):8.2f}")
    row("  from the process's start (imports too)",
        f"{min(walk['from_process'] for walk in warm):8.2f}-"
        f"{max(walk['from_process'] for walk in warm):.2f}")
    row("peak RSS (target <= 200 MB)", f"{max(walk['rss_mb'] for walk in warm):8.0f} MB")
    driver = percentile([walk["driver"] for walk in warm], 0.5)
    report_keys(f"cursor through {sections} rows", [walk["move"] for walk in warm], driver)
    report_work([walk["move"] for walk in warm], work)
    report_keys("timeline scroll and zoom", [walk["scroll"] for walk in warm], driver)
    row("test driver's own CPU per key (unbound key)", f"{driver * 1000:8.1f} ms")
    controls = [seconds for walk in warm for seconds in walk["controls"]]
    p50, top = percentile(controls, 0.5), max(controls)
    row("machine: fixed CPU loop after each move, p50", f"{p50 * 1000:8.1f} ms")
    row("  max (the same work)", f"{top * 1000:8.1f} ms")
    row("  max / p50", f"{top / p50:8.2f}")
    shutil.rmtree(repo / ".git" / "proposal-tui", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
