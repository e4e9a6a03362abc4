"""Talking to a remote: fetch one branch, push one commit, and read what git says back.

What git prints when a push loses a race (another push landed first) differs by transport
and version; knowing those words is git knowledge, so it lives here and the sync service
only hears "pushed", "lost a race: fetch and retry" or a :class:`ProposalError`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NoReturn

from proposal_tui.domain.errors import ProposalError
from proposal_tui.store.git import exec_git, run_git_bytes
from proposal_tui.store.plumbing import resolve_ref

# What a push that lost a race to another push says: fetch again and retry.
_RACES = ("fetch first", "non-fast-forward", "stale info", "cannot lock ref",
          "failed to update ref", "but expected", "reference already exists")
_REMOTE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def check_remote(cwd: Path | str, remote: str) -> None:
    """Refuse a remote name that is not a plain name, or that this repository lacks."""
    if not _REMOTE.fullmatch(remote):
        raise ProposalError(f"invalid remote name {remote!r}")
    if run_git_bytes(["remote", "get-url", "--", remote], cwd, check=False).returncode:
        raise ProposalError(f"no remote '{remote}' in this repository (git remote -v)")


def tracking_ref(remote: str, ref: str) -> str:
    """Where our copy of the remote's ``refs/heads/NAME`` is kept."""
    return f"refs/remotes/{remote}/{ref.removeprefix('refs/heads/')}"


def fetch_branch(cwd: Path | str, remote: str, ref: str) -> str | None:
    """Fetch the remote's ``ref`` into its tracking ref (forced: the remote is the truth);
    returns the fetched tip, or None when the remote has no such branch yet."""
    tracking = tracking_ref(remote, ref)
    fetch = run_git_bytes(["fetch", "--quiet", "--no-tags", remote, f"+{ref}:{tracking}"],
                          cwd, check=False)
    err = fetch.stderr.decode("utf-8", "replace")
    if fetch.returncode != 0:
        if "couldn't find remote ref" in err:
            return None
        raise ProposalError(f"git fetch {remote} failed: {_first(err)}")
    return resolve_ref(cwd, tracking)


def push_commit(cwd: Path | str, remote: str, commit: str, ref: str) -> bool:
    """Push ``commit`` to the remote's ``ref`` as a plain fast-forward. True when it landed,
    False when another push won the race (fetch and try again); anything else, such as the
    remote's hook refusing it, is a :class:`ProposalError` quoting the remote."""
    push = run_git_bytes(["push", "--quiet", "--porcelain", remote, f"{commit}:{ref}"], cwd,
                         check=False)
    if push.returncode == 0:
        return True
    text = push.stdout.decode("utf-8", "replace") + push.stderr.decode("utf-8", "replace")
    if "hook declined" in text or not any(m in text for m in _RACES):
        raise ProposalError(f"git push {remote} failed: {_first(text, 'remote: ')}")
    return False


def _first(text: str, prefer: str = "") -> str:
    """The line of git's output that says why: one starting with ``prefer``, else an error."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for line in lines:
        if prefer and line.startswith(prefer):
            return line
    for line in lines:
        if "error" in line.lower() or "rejected" in line.lower():
            return line
    return lines[0] if lines else "unknown error"


PACK_SERVICES = {"git-upload-pack": "upload-pack", "git-receive-pack": "receive-pack"}


def serve_pack(command: str, git_dir: Path) -> NoReturn:
    """Hand the SSH session to ``git upload-pack|receive-pack GIT_DIR`` (the gate's forced
    command); the path is the gate's own repository, never the client's text."""
    exec_git([PACK_SERVICES[command], str(git_dir)])
