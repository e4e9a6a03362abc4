"""`proposal sync`: exchange comment events with a remote without merges or force-pushes.

Fetch the remote's comments branch; the events only we have (files in our tree and not in
theirs) are re-committed one original commit at a time on top of the remote tip, keeping each
commit's author, date and message; then a plain (fast-forward) push. A push that loses a race
is retried from the fetch. Since events are files that are never edited, this is a union of
both sides: nothing is lost, and the remote never sees history rewritten (its hook refuses it).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from proposal_tui.domain.errors import ProposalError
from proposal_tui.store.comments import COMMENTS_REF
from proposal_tui.store.commits import (
    commit_meta,
    commits_adding,
    files_under,
    is_ancestor,
    merge_base,
)
from proposal_tui.store.plumbing import build_commit, resolve_ref, update_ref_cas
from proposal_tui.store.remote import check_remote, fetch_branch, push_commit
from proposal_tui.store.repo import ProposalRepo

_FOLDER = "comments"


@dataclass(frozen=True)
class SyncResult:
    received: int  # event files new to us
    sent: int  # event files new to the remote
    attempts: int


def _ours_by_commit(repo: ProposalRepo, base: str | None, tip: str,
                    wanted: set[str]) -> list[tuple[str, list[str]]]:
    """Our commits (oldest first) that added the wanted paths, with the paths each added."""
    groups: list[tuple[str, list[str]]] = []
    placed: set[str] = set()
    for sha, added in commits_adding(repo.root, base, tip, _FOLDER):
        paths = [p for p in added if p in wanted and p not in placed]
        placed.update(paths)
        if paths:
            groups.append((sha, paths))
    left = sorted(wanted - placed)  # e.g. added on a merge's side branch: still carried
    if left:
        groups.append((tip, left))
    return groups


def _rebuild(repo: ProposalRepo, local: str, remote: str | None,
             remote_files: dict[str, str], local_files: dict[str, str]) -> tuple[str, int]:
    """Our unpushed events replayed on ``remote``; returns (new tip, files carried)."""
    extra = {p for p in local_files if p not in remote_files}
    if not extra:
        return remote or local, 0
    tip = remote
    blobs = repo.read_blobs([local_files[p] for p in extra])
    for sha, paths in _ours_by_commit(repo, remote and merge_base(repo.root, local, remote),
                                      local, extra):
        meta = commit_meta(repo.root, sha)
        tip = build_commit(repo.root, tip, {p: blobs[local_files[p]] for p in paths},
                           meta.message or "comment events", meta.author, meta.when)
    assert tip is not None
    return tip, len(extra)


def sync_comments(repo: ProposalRepo, remote: str = "origin", retries: int = 8) -> SyncResult:
    """Fetch, rebuild our events on the remote tip, push; retried when another push won."""
    check_remote(repo.root, remote)
    received = sent = 0
    for attempt in range(1, retries + 2):
        theirs = fetch_branch(repo.root, remote, COMMENTS_REF)
        local = resolve_ref(repo.root, COMMENTS_REF)
        remote_files = files_under(repo.root, theirs, _FOLDER)
        local_files = files_under(repo.root, local, _FOLDER)
        received = len(set(remote_files) - set(local_files))
        if local is None:
            new, sent = theirs, 0
        elif theirs is None or is_ancestor(repo.root, theirs, local):
            new, sent = local, len(set(local_files) - set(remote_files))  # fast-forward
        else:
            new, sent = _rebuild(repo, local, theirs, remote_files, local_files)
        if new is not None and new != local and \
                not update_ref_cas(repo.root, COMMENTS_REF, new, local, "proposal sync"):
            _pause(attempt)  # someone commented here meanwhile: start over
            continue
        if sent == 0 and new == theirs:
            return SyncResult(received, 0, attempt)
        assert new is not None  # sent > 0 or new != theirs: we have a local tip
        if push_commit(repo.root, remote, new, COMMENTS_REF):
            return SyncResult(received, sent, attempt)
        _pause(attempt)
    raise ProposalError(f"sync with {remote}: gave up after {retries + 1} attempts (others "
                        "kept pushing); run it again")


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0.05, 0.1 * min(2 ** attempt, 20)))
