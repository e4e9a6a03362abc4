"""Review-day load: N reviewer processes each writing M comments into one repository at once.

Prints comments written, comments found afterwards (must be equal), failures (must be 0) and
the latency of one comment (the `ReviewService.comment` call a `proposal comment` or the TUI
makes: permission check, event, compare-and-swap commit) as median and p95.
Target (issue 5): 20 x 25 = 500/500 land, 0 failures, p95 <= 250 ms on a 2-core machine.
Usage: python benchmarks/bench_comments_load.py [--small] [--reviewers N] [--comments M]
       [--think MS]   (pause between one reviewer's comments; default 0 = back to back)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import median, percentile, row, synthetic_repo


def worker(repo_path: str, index: int, count: int, start_at: float, think_ms: float) -> None:
    """One reviewer: a separate process, as one SSH session would be."""
    from proposal_tui.domain.clock import SystemClock
    from proposal_tui.services.workspace import Workspace

    workspace = Workspace(repo_path, SystemClock())
    manifest = workspace.proposals.manifest()
    people = manifest.people
    me = people[index % len(people)]
    sections = manifest.ordered_sections
    reviews = workspace.reviews
    latencies: list[float] = []
    failures: list[str] = []
    time.sleep(max(0.0, start_at - time.time()))
    for i in range(count):
        section = sections[(index * count + i) % len(sections)]
        began = time.perf_counter()
        try:
            reviews.comment(manifest, me, section.id, f"reviewer {index} comment {i}",
                            kind="must-fix" if i % 5 == 0 else "comment")
            latencies.append(time.perf_counter() - began)
        except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
            failures.append(f"{type(exc).__name__}: {exc}")
        if think_ms:
            time.sleep(think_ms / 1000)
    print(json.dumps({"latencies": latencies, "failures": failures}))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="8 x 10, for the test suite")
    parser.add_argument("--reviewers", type=int)
    parser.add_argument("--comments", type=int)
    parser.add_argument("--think", type=float, default=0.0, metavar="MS")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        repo, index, count, start_at = args.worker
        worker(repo, int(index), int(count), float(start_at), args.think)
        return 0
    reviewers = args.reviewers or (8 if args.small else 20)
    count = args.comments or (10 if args.small else 25)
    source = synthetic_repo(40, 300)
    tmp = Path(tempfile.mkdtemp(prefix="proposal-load-"))
    try:
        repo = tmp / "repo"
        shutil.copytree(source, repo, symlinks=True)
        start_at = time.time() + 1.0 + reviewers * 0.15  # every process is up and waiting
        procs = [subprocess.Popen([sys.executable, __file__, "--think", str(args.think),
                                   "--worker", str(repo), str(i), str(count), str(start_at)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i in range(reviewers)]
        latencies: list[float] = []
        failures: list[str] = []
        for proc in procs:
            out, err = proc.communicate(timeout=600)
            if proc.returncode != 0:
                failures.append(err.strip().splitlines()[-1] if err.strip() else "crashed")
                continue
            result = json.loads(out.strip().splitlines()[-1])
            latencies += result["latencies"]
            failures += result["failures"]
        wall = time.time() - start_at
        from proposal_tui.store.comments import CommentStore

        store = CommentStore(repo)
        found = len(store.threads())
        written = len(latencies)
        print(f"comment load: {reviewers} reviewer processes x {count} comments, one "
              f"repository ({os.cpu_count()} cores), think time {args.think:g} ms")
        row("comments written (calls that returned)", f"{written:8d}")
        row("comments found afterwards", f"{found:8d} / {reviewers * count}")
        row("failures (target 0)", f"{len(failures):8d}")
        row("malformed event files", f"{len(store.errors):8d}")
        if latencies:
            row("latency per comment, median", f"{median(latencies) * 1000:8.1f} ms")
            row("latency per comment, p95 (target <= 250)",
                f"{percentile(latencies, 0.95) * 1000:8.1f} ms")
            row("latency per comment, max", f"{max(latencies) * 1000:8.1f} ms")
        row("wall time, all comments", f"{wall:8.2f} s")
        row("throughput", f"{written / wall:8.1f} comments/s")
        for failure in failures[:5]:
            print(f"  failure: {failure}")
        ok = found == written == reviewers * count and not failures
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
