"""Questions about commits already made: ancestry, who wrote one, which files it holds.

Small reads that services ask while deciding what to do (``proposal sync`` replaying our
comment events on a remote's tip), kept here so no service spells a git command line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from proposal_tui.domain.identity import Identity
from proposal_tui.store.git import run_git, run_git_bytes


@dataclass(frozen=True)
class CommitMeta:
    """What a replayed commit keeps of the original: author, date and message."""

    author: Identity
    when: dt.datetime
    message: str


def is_ancestor(cwd: Path | str, old: str, new: str) -> bool:
    """Whether ``old`` is ``new`` or in its history (a fast-forward from ``old``)."""
    return run_git_bytes(["merge-base", "--is-ancestor", old, new], cwd,
                         check=False).returncode == 0


def merge_base(cwd: Path | str, a: str, b: str) -> str | None:
    """The best common ancestor of two commits, or None when they share no history."""
    proc = run_git_bytes(["merge-base", a, b], cwd, check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def files_under(cwd: Path | str, commit: str | None, folder: str) -> dict[str, str]:
    """path -> blob id of every file under ``folder`` in ``commit``'s tree ({} for None)."""
    if commit is None:
        return {}
    out = run_git_bytes(["ls-tree", "-r", "-z", "--full-tree", commit, "--", folder],
                        cwd).stdout
    files = {}
    for record in out.split(b"\0"):
        if record:
            meta, _, path = record.partition(b"\t")
            files[path.decode("utf-8", "surrogateescape")] = meta.split()[2].decode()
    return files


def commits_adding(cwd: Path | str, base: str | None, tip: str, folder: str
                   ) -> list[tuple[str, list[str]]]:
    """Commits of ``base..tip`` (oldest first) that added files under ``folder``, each with
    the paths it added; a path added twice (on two merged branches) counts at its first."""
    rng = tip if base is None else f"{base}..{tip}"
    out = run_git(["log", "--reverse", "--no-renames", "--diff-filter=A", "--name-only", "-z",
                   "--format=%x01%H", rng, "--", folder], cwd)
    groups: list[tuple[str, list[str]]] = []
    for chunk in out.split("\x01")[1:]:
        sha, *rest = [p.strip("\n") for p in chunk.split("\0")]
        groups.append((sha.strip(), [p for p in rest if p]))
    return groups


def commit_meta(cwd: Path | str, sha: str) -> CommitMeta:
    """Author, author date and message (stripped) of one commit."""
    out = run_git(["show", "-s", "--format=%an%x00%ae%x00%at%x00%B", sha], cwd)
    name, email, stamp, message = out.split("\0", 3)
    when = dt.datetime.fromtimestamp(int(stamp), dt.UTC)
    return CommitMeta(Identity(name or "unknown", email), when, message.strip())
