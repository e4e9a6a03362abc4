"""`proposal sync`: exchange comment events with a remote without merges or force-pushes.

Fetch the remote's comments branch; the events only we have (files in our tree and not in
theirs) are re-committed one original commit at a time on top of the remote tip, keeping each
commit's author, date and message; then a plain (fast-forward) push. A push that loses a race
is retried from the fetch. Since events are files that are never edited, this is a union of
both sides: nothing is lost, and the remote never sees history rewritten (its hook refuses it).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from dataclasses import dataclass

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.store.comments import COMMENTS_REF
from proposal_tui.store.git import run_git, run_git_bytes
from proposal_tui.store.plumbing import build_commit, resolve_ref, update_ref_cas
from proposal_tui.store.repo import ProposalRepo

# What a push that lost a race to another push says: fetch again and retry.
_RACES = ("fetch first", "non-fast-forward", "stale info", "cannot lock ref",
          "failed to update ref", "but expected", "reference already exists")
_REMOTE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class SyncResult:
    received: int  # event files new to us
    sent: int  # event files new to the remote
    attempts: int


def _files(repo: ProposalRepo, commit: str | None) -> dict[str, str]:
    """path -> blob id of every comment file in ``commit``'s tree."""
    if commit is None:
        return {}
    out = run_git_bytes(["ls-tree", "-r", "-z", "--full-tree", commit, "--", "comments"],
                        repo.root).stdout
    files = {}
    for record in out.split(b"\0"):
        if record:
            meta, _, path = record.partition(b"\t")
            files[path.decode("utf-8", "surrogateescape")] = meta.split()[2].decode()
    return files


def _ours_by_commit(repo: ProposalRepo, base: str | None, tip: str,
                    wanted: set[str]) -> list[tuple[str, list[str]]]:
    """Our commits (oldest first) that added the wanted paths, with the paths each added."""
    rng = tip if base is None else f"{base}..{tip}"
    out = run_git(["log", "--reverse", "--no-renames", "--diff-filter=A", "--name-only", "-z",
                   "--format=%x01%H", rng, "--", "comments"], repo.root)
    groups: list[tuple[str, list[str]]] = []
    placed: set[str] = set()
    for chunk in out.split("\x01")[1:]:
        sha, *rest = [p.strip("\n") for p in chunk.split("\0")]
        paths = [p for p in rest if p]
        paths = [p for p in paths if p in wanted and p not in placed]
        placed.update(paths)
        if paths:
            groups.append((sha.strip(), paths))
    left = sorted(wanted - placed)  # e.g. added on a merge's side branch: still carried
    if left:
        groups.append((tip, left))
    return groups


def _commit_meta(repo: ProposalRepo, sha: str) -> tuple[Identity, dt.datetime, str]:
    out = run_git(["show", "-s", "--format=%an%x00%ae%x00%at%x00%B", sha], repo.root)
    name, email, stamp, message = out.split("\0", 3)
    when = dt.datetime.fromtimestamp(int(stamp), dt.timezone.utc)
    return Identity(name or "unknown", email), when, message.strip() or "comment events"


def _rebuild(repo: ProposalRepo, local: str, remote: str | None,
             remote_files: dict[str, str], local_files: dict[str, str]) -> tuple[str, int]:
    """Our unpushed events replayed on ``remote``; returns (new tip, files carried)."""
    extra = {p for p in local_files if p not in remote_files}
    if not extra:
        return remote or local, 0
    tip = remote
    blobs = repo.read_blobs([local_files[p] for p in extra])
    for sha, paths in _ours_by_commit(repo, remote and _merge_base(repo, local, remote),
                                      local, extra):
        author, when, message = _commit_meta(repo, sha)
        tip = build_commit(repo.root, tip, {p: blobs[local_files[p]] for p in paths}, message,
                           author, when)
    assert tip is not None
    return tip, len(extra)


def _is_ancestor(repo: ProposalRepo, a: str, b: str) -> bool:
    return run_git_bytes(["merge-base", "--is-ancestor", a, b], repo.root,
                         check=False).returncode == 0


def _merge_base(repo: ProposalRepo, a: str, b: str) -> str | None:
    proc = run_git_bytes(["merge-base", a, b], repo.root, check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def sync_comments(repo: ProposalRepo, remote: str = "origin", retries: int = 8) -> SyncResult:
    """Fetch, rebuild our events on the remote tip, push; retried when another push won."""
    if not _REMOTE.fullmatch(remote):
        raise ProposalError(f"invalid remote name {remote!r}")
    if run_git_bytes(["remote", "get-url", "--", remote], repo.root, check=False).returncode:
        raise ProposalError(f"no remote '{remote}' in this repository (git remote -v)")
    tracking = f"refs/remotes/{remote}/proposal-comments"
    received = sent = 0
    for attempt in range(1, retries + 2):
        fetch = run_git_bytes(["fetch", "--quiet", "--no-tags", remote,
                               f"+{COMMENTS_REF}:{tracking}"], repo.root, check=False)
        err = fetch.stderr.decode("utf-8", "replace")
        if fetch.returncode != 0 and "couldn't find remote ref" not in err:
            raise ProposalError(f"git fetch {remote} failed: {_first(err)}")
        theirs = resolve_ref(repo.root, tracking) if fetch.returncode == 0 else None
        local = resolve_ref(repo.root, COMMENTS_REF)
        remote_files, local_files = _files(repo, theirs), _files(repo, local)
        received = len(set(remote_files) - set(local_files))
        if local is None:
            new, sent = theirs, 0
        elif theirs is None or _is_ancestor(repo, theirs, local):
            new, sent = local, len(set(local_files) - set(remote_files))  # fast-forward
        else:
            new, sent = _rebuild(repo, local, theirs, remote_files, local_files)
        if new is not None and new != local:
            if not update_ref_cas(repo.root, COMMENTS_REF, new, local, "proposal sync"):
                _pause(attempt)  # someone commented here meanwhile: start over
                continue
        if sent == 0 and new == theirs:
            return SyncResult(received, 0, attempt)
        push = run_git_bytes(["push", "--quiet", "--porcelain", remote,
                              f"{new}:{COMMENTS_REF}"], repo.root, check=False)
        if push.returncode == 0:
            return SyncResult(received, sent, attempt)
        text = push.stdout.decode("utf-8", "replace") + push.stderr.decode("utf-8", "replace")
        if "hook declined" in text or not any(m in text for m in _RACES):
            raise ProposalError(f"git push {remote} failed: {_first(text, 'remote: ')}")
        _pause(attempt)
    raise ProposalError(f"sync with {remote}: gave up after {retries + 1} attempts (others "
                        "kept pushing); run it again")


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0.05, 0.1 * min(2 ** attempt, 20)))


def _first(text: str, prefer: str = "") -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for line in lines:
        if prefer and line.startswith(prefer):
            return line
    for line in lines:
        if "error" in line.lower() or "rejected" in line.lower():
            return line
    return lines[0] if lines else "unknown error"
