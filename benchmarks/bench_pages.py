"""Pages measured by typesetting (pandoc and Typst from pip; issue 20 targets):

- a 15-page Markdown section: the cold page count (pandoc, then the Typst compiler), target
  <= 3 s; the cached count in a new process's service (the JSON cache read, the lookup),
  target <= 50 ms;
- every section of the NSF sample measured in a worker thread while an asyncio loop (what
  Textual runs on) ticks every 10 ms: the longest the loop was kept waiting, target <= 50 ms
  (the Typst compile releases the GIL; pandoc is a process of its own);
- accuracy: fixtures built to fill exactly N pages, and N pages and one line, in each
  built-in profile, and whether each is counted right;
- the word estimate against the measured pages, per section, for both samples;
- the real dashboard (App.run_test) measuring its page-limited sections in its worker while
  keys move the cursor: each key's time from pressing to the screen updated, target <= 50 ms.
Usage: python benchmarks/bench_pages.py [--small]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import row

from proposal_tui.domain.model import Section
from proposal_tui.domain.pages import BUILTIN_PROFILES, over_limit
from proposal_tui.services.pages import PageService
from proposal_tui.services.workspace import Workspace
from proposal_tui.store.typeset import measure, to_typst

PARAGRAPH = ("The network places low-cost depth sensors at street scale and learns the "
             "response of each catchment from the storms it observes, so that forecasts "
             "improve as the record grows. ") * 3 + "\n\n"


def section_text(pages: int) -> str:
    """Markdown of about ``pages`` pages in the nsf profile: headings, paragraphs, a list."""
    parts = ["# Project Description\n\n"]
    for i in range(pages * 13 // 2):
        if i % 6 == 0:
            parts.append(f"## Part {i // 6 + 1}\n\n- first point\n- second point\n\n")
        parts.append(PARAGRAPH)
    return "".join(parts)


def lines(count: int) -> str:
    return "\\\n".join(f"Line {i} of the fixture." for i in range(1, count + 1)) + "\n"


def cold_and_cached(pages: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp, "p")
        subprocess.run([sys.executable, "-m", "proposal_tui", "demo", "--sample", "nsf-grant",
                        str(repo)], check=True, capture_output=True)
        target = repo / "sections" / "project-summary.md"
        target.write_text(section_text(pages), "utf-8")
        data = target.read_bytes()
        manifest = Workspace(repo).proposals.manifest()
        section: Section = next(s for s in manifest.sections if s.file.endswith("summary.md"))
        cold = []
        for _ in range(runs):
            started = time.perf_counter()
            count = measure(to_typst(data.decode(), "markdown"), manifest.profile_for(section))
            cold.append(time.perf_counter() - started)
        opened = Workspace(repo).repo
        first = PageService(opened)
        first.count(manifest, section, data)
        first.cache.save()
        warm = []
        for _ in range(runs * 5):
            started = time.perf_counter()
            PageService(opened).count(manifest, section, data)  # a new service: cache read
            warm.append(time.perf_counter() - started)
        row(f"{count.measured:.1f}-page section, cold count", f"{min(cold):.2f} s "
            f"(target <= 3 s) {'ok' if min(cold) <= 3 else 'MISSED'}")
        row("same section, cached", f"{min(warm) * 1000:.1f} ms (target <= 50 ms) "
            f"{'ok' if min(warm) <= 0.05 else 'MISSED'}")


async def _ticking(work: object) -> tuple[float, float, int]:
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    future = loop.run_in_executor(None, work)  # type: ignore[arg-type]
    worst, ticks = 0.0, 0
    while not future.done():
        before = time.perf_counter()
        await asyncio.sleep(0.01)
        worst = max(worst, time.perf_counter() - before - 0.01)
        ticks += 1
    await future
    return time.perf_counter() - started, worst, ticks


def sample_rows(sample: str) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp, "p")
        subprocess.run([sys.executable, "-m", "proposal_tui", "demo", "--sample", sample,
                        str(repo)], check=True, capture_output=True)
        workspace = Workspace(repo)
        manifest = workspace.proposals.manifest()
        result: list = []
        took, worst, ticks = asyncio.run(_ticking(
            lambda: result.extend(workspace.pages.measure_all(manifest))))
        if sample == "nsf-grant":
            _idle, floor, _ = asyncio.run(_ticking(lambda: time.sleep(took)))
            row(f"{sample}: {len(result)} sections in a worker", f"{took:.2f} s")
            row("  longest wait of the 10 ms loop meanwhile", f"{worst * 1000:.1f} ms over "
                f"{ticks} ticks (target <= 50 ms) {'ok' if worst <= 0.05 else 'MISSED'}")
            row("  the same loop with an idle worker (the machine)", f"{floor * 1000:.1f} ms")
        return result


async def _keys(repo: Path, measure_pages: bool, keys: int | None
                ) -> tuple[list[float], float, float]:
    """Cursor moves after the first paint, each key's time to the screen updated (s): while
    the app's worker typesets (``keys`` None: until it is done), or ``keys`` of them with
    no measuring; how long the measuring took; and the figures' own frame (s), from the
    app taking their message to the screen updated (0 without measuring)."""
    from bench_tui import dashboard, frame_time

    from proposal_tui.tui.messages import PagesMeasured

    displays: list[float] = []
    acting = Workspace(repo).proposals.manifest().people[0].handle
    app = dashboard(repo, displays, time.perf_counter, acting, measure_pages=measure_pages)
    frames: list[float] = []
    arrived: list[float] = []

    def hook(message: object) -> None:
        if isinstance(message, PagesMeasured):
            arrived.append(time.perf_counter())

    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        while app.loads < 1:
            await asyncio.sleep(0.005)
        started = time.perf_counter()
        while (app.measures == 0 and time.perf_counter() - started < 60) if keys is None \
                else len(frames) < keys:
            key = "j" if len(frames) % 16 < 8 else "k"
            frames.append((await frame_time(app, pilot, key, displays))[0])
        took = time.perf_counter() - started
        if measure_pages:
            assert all(s.page_figure is None or s.page_figure.measured or s.error
                       for s in app.data.snapshot.states), "a section was not measured"
    # displays holds the last key's screen updates, the figures' among them
    own = max((d for d in displays if arrived and d > arrived[-1]), default=0.0)
    return frames, took, own - arrived[-1] if own else 0.0


def app_keys(sample: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp, "p")
        subprocess.run([sys.executable, "-m", "proposal_tui", "demo", "--sample", sample,
                        str(repo)], check=True, capture_output=True)
        limited = sum(s.page_limit is not None
                      for s in Workspace(repo).proposals.manifest().sections)
        during, took, own = asyncio.run(_keys(repo, True, None))
        alone, _, _ = asyncio.run(_keys(repo, False, len(during)))
        row(f"{sample}: the dashboard typesets {limited} sections in its worker",
            f"{took:.2f} s, {len(during)} keys pressed meanwhile")
        row("  first key after the first paint (start-up work)",
            f"{during[0] * 1000:.0f} ms; without measuring {alone[0] * 1000:.0f} ms")

        def spread(frames: list[float]) -> str:
            rest = sorted(frames) or [0.0]
            return f"median {rest[len(rest) // 2] * 1000:.0f} ms, worst {rest[-1] * 1000:.0f} ms"

        # during[-1] is the key in whose frame the figures arrived (every pane updated)
        worst = max(during[1:-1], default=0.0)
        row("  the next keys, each to the screen updated", f"{spread(during[1:-1])} "
            f"(target <= 50 ms) {'ok' if worst <= 0.05 else 'MISSED'}")
        row("  the same keys without measuring (the machine)", spread(alone[1:-1]))
        row("  the key during which the pages arrived", f"{during[-1] * 1000:.0f} ms "
            f"(every pane updated, as after a commit); without measuring "
            f"{alone[-1] * 1000:.0f} ms")
        row("  of which the figures' own frame (their message to the screen updated)",
            f"{own * 1000:.0f} ms (target <= 50 ms) {'ok' if own <= 0.05 else 'MISSED'}")


def accuracy(max_pages: int) -> None:
    right = total = 0
    for profile in BUILTIN_PROFILES.values():
        for pages in range(1, max_pages + 1):
            full = measure(to_typst(lines(profile.lines_per_page * pages), "markdown"), profile)
            more = measure(to_typst(lines(profile.lines_per_page * pages) + "\nOne more.\n",
                                    "markdown"), profile)
            right += (full.pages == pages and full.lines_left == 0
                      and not over_limit(full, pages))
            right += more.pages == pages + 1 and over_limit(more, pages)
            total += 2
    row(f"fixtures of exactly N and N pages + 1 line (N <= {max_pages})",
        f"{right}/{total} counted right {'ok' if right == total else 'MISSED'}")


def estimate_error() -> None:
    for sample in ("nsf-grant", "transit-rfp"):
        rows = [r for r in sample_rows(sample) if r.count is not None and r.words > 50]
        errors = [(r.estimate - r.count.measured) / max(r.count.measured, 0.1) for r in rows]
        worst = max(rows, key=lambda r: abs(r.estimate - r.count.measured))
        row(f"{sample}: estimate vs measured, {len(rows)} sections",
            f"mean |error| {sum(abs(e) for e in errors) / len(errors):.0%}, worst "
            f"{worst.section.id} ~{worst.estimate:.1f} vs {worst.count.measured:.1f} pages "
            f"({worst.profile.name})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run (the test suite)")
    args = parser.parse_args()
    print("bench_pages: pages by typesetting (typst + pandoc from pip)")
    cold_and_cached(3 if args.small else 15, 1 if args.small else 3)
    if args.small:
        sample_rows("nsf-grant")
        app_keys("nsf-grant")
        accuracy(1)
        return
    app_keys("nsf-grant")
    app_keys("transit-rfp")
    accuracy(3)
    estimate_error()


if __name__ == "__main__":
    main()
