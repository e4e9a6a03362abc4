"""History index vs a raw `git log --name-only` pass, and the cost of an incremental refresh.

Target (issue 2): building the index of a 20,000-commit repository takes at most 1.5x the
raw pass; a refresh after one new commit reads only that commit.
Usage: python benchmarks/bench_history.py [--small]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time

from common import best_of_each, git, row, synthetic_repo

from proposal_tui.store.history import HistoryStore
from proposal_tui.store.repo import ProposalRepo


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="a quick run for the test suite")
    args = parser.parse_args()
    sections, commits = (20, 300) if args.small else (300, 20000)
    runs = 1 if args.small else 3
    path = synthetic_repo(sections, commits)
    repo = ProposalRepo.open(path)

    def raw() -> None:
        subprocess.run(["git", "log", "--name-only", "--format=%H"], cwd=path, check=True,
                       stdout=subprocess.DEVNULL)

    def cold() -> None:
        shutil.rmtree(repo.git_dir / "proposal-tui", ignore_errors=True)
        HistoryStore(repo.root, repo.git_dir).refresh()

    raw_s, cold_s = best_of_each(runs, raw, cold)
    store = HistoryStore(repo.root, repo.git_dir)
    store.refresh()
    (path / "sections" / "s00000.md").write_text("# Section 0\n\nOne more sentence.\n")
    git(path, "commit", "-q", "-am", "bench: one more commit",
        env={"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@example.com",
             "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@example.com"})
    start = time.perf_counter()
    index = store.refresh()
    incremental_s = time.perf_counter() - start
    read = index.commits_read
    git(path, "reset", "-q", "--hard", "HEAD~1")
    print(f"history index: {sections} sections, {commits} commits")
    row("raw git log --name-only (floor)", f"{raw_s * 1000:8.0f} ms")
    row("history index, cold build", f"{cold_s * 1000:8.0f} ms")
    row("ratio cold / floor (target <= 1.5)", f"{cold_s / raw_s:8.2f}")
    row("incremental refresh after 1 commit", f"{incremental_s * 1000:8.1f} ms")
    row("commits read by that refresh (target 1)", f"{read:8d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
