"""Scale: a large federal bid in its final week, measured side by side in one run.

500 sections / 50,000 commits / 5,000 comment events (issue 6 targets):
- cold `proposal status --json` vs the floor, a raw `git log --name-only` pass: at most
  1.5x the floor plus the fixed start-up cost (measured on a one-commit repository with the
  same 500 sections);
- warm `proposal status --json` (index cached under .git/): at most 0.5 s, and at most 1.2x
  its time on a 1,000-commit repository;
- the naive script (one GitPython `iter_commits(paths=...)` per section), extrapolated from
  a sample of sections, and its ratio to ours.
The TUI figures (first paint, memory, frame times) are printed by bench_tui.py.
Usage: python benchmarks/bench_scale.py [--small]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import best_of_each, row, synthetic_repo

CLI = [sys.executable, "-m", "proposal_tui"]


def status_json(repo: Path) -> None:
    subprocess.run([*CLI, "--repo", str(repo), "status", "--json"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def clear_cache(repo: Path) -> None:
    shutil.rmtree(repo / ".git" / "proposal-tui", ignore_errors=True)


def naive(repo: Path, sample: int) -> tuple[float, int] | None:
    """None without GitPython (the `bench` extra: pip install -e '.[bench]')."""
    try:
        import git  # GitPython: what a user's own script would reach for
    except ImportError:
        return None
    handle = git.Repo(repo)
    files = sorted(p.relative_to(repo).as_posix() for p in (repo / "sections").glob("*.md"))
    chosen = files[:: max(1, len(files) // sample)][:sample]
    start = time.perf_counter()
    for path in chosen:
        commits = list(handle.iter_commits(paths=path))
        _ = (len(commits), commits[0].hexsha if commits else None)
    per_section = (time.perf_counter() - start) / len(chosen)
    return per_section * len(files), len(chosen)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    sections, commits, comments = (30, 400, 60) if args.small else (500, 50_000, 5_000)
    reference_commits = 100 if args.small else 1_000
    runs = 1 if args.small else 3
    big = synthetic_repo(sections, commits, comments)
    small_history = synthetic_repo(sections, reference_commits, comments // 5)
    one_commit = synthetic_repo(sections, 1)

    floor, fixed, cold = best_of_each(
        runs, lambda: subprocess.run(["git", "log", "--name-only", "--format=%H"], cwd=big,
                                     stdout=subprocess.DEVNULL),
        lambda: (clear_cache(one_commit), status_json(one_commit)),
        lambda: (clear_cache(big), status_json(big)))
    status_json(big)
    status_json(small_history)
    warm, warm_small = best_of_each(runs * 3, lambda: status_json(big),
                                    lambda: status_json(small_history))
    naive_result = naive(big, 5 if args.small else 10)

    print(f"scale: {sections} sections, {commits} commits, {comments} comment events")
    row("floor: raw git log --name-only", f"{floor:8.2f} s")
    row("fixed start-up (same sections, 1 commit)", f"{fixed:8.2f} s")
    row("cold proposal status --json", f"{cold:8.2f} s")
    row("  cold minus fixed, / floor (target <= 1.5)", f"{(cold - fixed) / floor:8.2f}")
    row("warm proposal status --json (target <= 0.5 s)", f"{warm:8.2f} s")
    row(f"warm on {reference_commits} commits", f"{warm_small:8.2f} s")
    row("  warm ratio big / small (target <= 1.2)", f"{warm / warm_small:8.2f}")
    if naive_result is None:
        row("naive GitPython per section", "skipped: GitPython is not installed "
            "(pip install -e '.[bench]')")
    else:
        naive_total, sampled = naive_result
        row(f"naive GitPython per section (from {sampled})", f"{naive_total:8.1f} s")
        row("  naive / cold", f"{naive_total / cold:8.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
