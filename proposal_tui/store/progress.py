"""Git reads for "progress over time": which commit stood at the end of each day, and the
files of those commits, read in a handful of processes however many days are asked for."""

from __future__ import annotations

import datetime as dt

from proposal_tui.domain.manifest import MANIFEST_NAME
from proposal_tui.store.git import run_git
from proposal_tui.store.repo import ProposalRepo


def first_parent_log(repo: ProposalRepo) -> list[tuple[str, dt.datetime]]:
    """(sha, commit time) along HEAD's first-parent line, newest first: the branch as it
    stood over time, without the side commits that arrived later through merges."""
    if repo.head() is None:
        return []
    out = run_git(["log", "--first-parent", "--format=%H %ct", "HEAD"], repo.root)
    result = []
    for line in out.splitlines():
        sha, _, stamp = line.partition(" ")
        if sha and stamp.isdigit():
            result.append((sha, dt.datetime.fromtimestamp(int(stamp), dt.UTC)))
    return result


def commit_at(log: list[tuple[str, dt.datetime]], moment: dt.datetime) -> str | None:
    """The newest commit made at or before ``moment`` (None before the first commit)."""
    return next((sha for sha, when in log if when <= moment), None)


def tree_files(repo: ProposalRepo, commits: list[str]) -> dict[str, dict[str, str]]:
    """commit -> {path: blob sha} (regular files only), one ``ls-tree`` per distinct commit."""
    result: dict[str, dict[str, str]] = {}
    for sha in dict.fromkeys(commits):
        result[sha] = {path: blob for path, (mode, blob) in repo.tree_entries(sha).items()
                       if mode in ("100644", "100755")}
    return result


def manifest_blob(files: dict[str, str]) -> str | None:
    return files.get(MANIFEST_NAME)
