"""The records `proposal verify` judges, read from git: comment event commits on the comments
branch, plan commits on the default branch, each as its raw commit object (the signature is
checked over exact bytes), and the versions of proposal.toml that say who held which key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from proposal_tui.domain.manifest import MANIFEST_NAME
from proposal_tui.store.commits import commits_adding
from proposal_tui.store.git import read_objects, run_git
from proposal_tui.store.plumbing import resolve_ref
from proposal_tui.store.signing import split_signature

PLAN_FILES = (MANIFEST_NAME, "requirements.toml")
_PERSON = re.compile(rb"^(author|committer) .*<([^>]*)> (\d+) [+-]\d{4}$")


@dataclass(frozen=True)
class RawCommit:
    sha: str
    payload: bytes  # the commit object without its gpgsig header: what was signed
    signature: bytes | None
    author_email: str
    time: int  # committer time, seconds since the epoch
    message: bytes

    @property
    def subject(self) -> str:
        return self.message.split(b"\n", 1)[0].decode("utf-8", "replace")


def _parse(sha: str, raw: bytes) -> RawCommit:
    payload, signature = split_signature(raw)
    head, _, message = payload.partition(b"\n\n")
    email, time = "", 0
    for line in head.split(b"\n"):
        match = _PERSON.match(line)
        if match and match.group(1) == b"author":
            email = match.group(2).decode("utf-8", "replace")
        elif match:
            time = int(match.group(3))
    return RawCommit(sha, payload, signature, email, time, message)


def raw_commits(cwd: Path | str, shas: list[str]) -> dict[str, RawCommit]:
    """Commit objects by id, through one ``git cat-file --batch``."""
    objects = read_objects(cwd, shas, kind=b"commit")
    return {sha: _parse(sha, data) for sha, data in objects.items()}


def comment_commits(cwd: Path | str, ref: str) -> list[tuple[str, list[str]]]:
    """(commit, event files it added), oldest first, for the comments branch."""
    tip = resolve_ref(cwd, ref)
    return [] if tip is None else commits_adding(cwd, None, tip, "comments/")


def plan_commits(cwd: Path | str) -> list[str]:
    """Commits on the default branch (HEAD) that changed proposal.toml or requirements.toml,
    oldest first."""
    if resolve_ref(cwd, "HEAD") is None:
        return []
    out = run_git(["rev-list", "--reverse", "--topo-order", "HEAD", "--", *PLAN_FILES], cwd)
    return out.split()


def manifest_versions(cwd: Path | str) -> list[tuple[int, str]]:
    """(committer time, commit) of each commit on HEAD that changed proposal.toml, oldest
    first."""
    if resolve_ref(cwd, "HEAD") is None:
        return []
    out = run_git(["log", "--reverse", "--topo-order", "--format=%ct %H", "HEAD", "--",
                   MANIFEST_NAME], cwd)
    return [(int(t), sha) for t, sha in (line.split() for line in out.splitlines() if line)]


def blobs(cwd: Path | str, names: list[str]) -> dict[str, bytes]:
    """Blob contents by ``REV:PATH`` (missing ones left out), through one process."""
    from proposal_tui.store.git import read_objects

    return read_objects(cwd, names)


def signature_check(commit: RawCommit) -> tuple[str | None, bool]:
    """(fingerprint of the key the signature names, whether it is good over the commit)."""
    from proposal_tui.store.signing import signature_holds, signature_key

    if commit.signature is None:
        return None, False
    key = signature_key(commit.signature)
    if key is None:
        return None, False
    return key.fingerprint, signature_holds(commit.payload, commit.signature)
