"""The one door to the git binary.

Every git call in proposal-tui goes through :func:`run_git` so that the rules hold everywhere:
argument lists only (never a shell), user text only after ``--`` or through stdin, and
``GIT_OPTIONAL_LOCKS=0`` so our reads never rewrite ``.git/index`` (which would wake the
watcher and loop).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from proposal_tui.domain.errors import ProposalError

_BASE_ENV = {
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
    "GIT_CONFIG_NOSYSTEM": os.environ.get("GIT_CONFIG_NOSYSTEM", ""),
}


# For a git whose whole output is read at once: into a pipe, git log and rev-list flush after
# every record by default (50,000 writes for a 50,000-commit log: 2.8 s instead of 2.1 s).
NOT_INTERACTIVE = {"GIT_FLUSH": "0"}


class GitError(ProposalError):
    """A git command failed; carries git's own first stderr line."""


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({k: v for k, v in _BASE_ENV.items() if v != ""})
    # Never let a caller's environment redirect our plumbing to another index or repository.
    for key in ("GIT_INDEX_FILE", "GIT_DIR", "GIT_WORK_TREE"):
        env.pop(key, None)
    if extra:
        env.update(extra)
    return env


def run_git_bytes(
    args: Sequence[str],
    cwd: Path | str,
    *,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` in ``cwd`` and return the raw completed process."""
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=str(cwd),
            env=git_env({**NOT_INTERACTIVE, **(env or {})}),
            input=input,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            check=False,
        )
    except FileNotFoundError as exc:  # git not installed, or cwd vanished
        raise GitError(f"cannot run git in {cwd}: {exc.strerror}") from None
    if check and proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace")
        message = stderr.strip().splitlines()
        first = message[0] if message else f"exit status {proc.returncode}"
        if "No space left on device" in stderr:
            raise GitError(f"disk full: git {args[0]} could not write in {cwd} (no space left "
                           "on device); free some space and try again")
        raise GitError(f"git {args[0]} failed: {first}")
    return proc


def run_git(
    args: Sequence[str],
    cwd: Path | str,
    *,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    check: bool = True,
) -> str:
    """Run git and return its stdout decoded as UTF-8 (undecodable bytes replaced)."""
    proc = run_git_bytes(
        args, cwd, env=env, input=None if input is None else input.encode("utf-8"), check=check
    )
    return proc.stdout.decode("utf-8", "replace")


def read_objects(cwd: Path | str, names: Sequence[str]) -> dict[str, bytes]:
    """Blob contents by name (an object id or ``REV:PATH``) from one ``git cat-file --batch``.

    Names that are missing or not blobs are left out of the result.
    """
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    out = run_git_bytes(["cat-file", "--batch"], cwd,
                        input="".join(f"{name}\n" for name in wanted).encode()).stdout
    blobs: dict[str, bytes] = {}
    pos = 0
    for name in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3:  # "<name> missing" or "<name> ambiguous": no content follows
            continue
        size = int(header[2])
        if header[1] == b"blob":
            blobs[name] = out[pos:pos + size]
        pos += size + 1  # content is followed by a newline
    return blobs
