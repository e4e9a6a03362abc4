"""What the live screen depends on, in a value that two reads can compare.

The watcher never trusts *which* file changed under ``.git``: refs move between loose files,
``packed-refs`` and reftable, and editors save through temp files. Instead it takes a cheap
fingerprint (two git processes and a few ``lstat`` calls) and diffs it against the last one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from proposal_tui.domain.manifest import MANIFEST_NAME
from proposal_tui.store.comments import COMMENTS_REF
from proposal_tui.store.git import run_git_bytes
from proposal_tui.store.repo import ProposalRepo

BRANCH_PREFIX = "refs/heads/"
REMOTE_PREFIX = "refs/remotes/"


@dataclass(frozen=True)
class FileStat:
    """Enough of ``lstat`` to notice in-place writes and rename-saves (new inode)."""

    mtime_ns: int
    size: int
    inode: int


@dataclass(frozen=True)
class Fingerprint:
    """HEAD, every ref, and the work-tree files the screen shows. Equal means nothing to do."""

    head_ref: str | None  # the branch HEAD points at; None when detached
    head: str | None  # HEAD's commit; None on an unborn branch
    refs: tuple[tuple[str, str], ...]  # (refname, object id), sorted; symbolic refs left out
    manifest: FileStat | None = None  # work tree proposal.toml; None if absent or bare
    sections: tuple[tuple[str, FileStat | None], ...] = ()  # (path, stat or None if absent)

    def ref_map(self) -> dict[str, str]:
        return dict(self.refs)


@dataclass(frozen=True)
class RefMove:
    """One ref created (old None), moved, or deleted (new None)."""

    name: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Change:
    """What differs between two fingerprints, sorted into what the screen reacts to."""

    old: Fingerprint
    new: Fingerprint
    head_moved: bool = False  # HEAD's commit changed: commit, reset, pull, checkout, push
    branch_switched: bool = False  # HEAD now names another branch, or (de)tached
    branches: tuple[RefMove, ...] = ()  # refs/heads/* other than the comments branch
    comments: RefMove | None = None  # refs/heads/proposal-comments moved
    remotes: tuple[RefMove, ...] = ()  # refs/remotes/* (fetch); count commits in the service
    other_refs: tuple[RefMove, ...] = ()  # tags, notes, stash, ...
    manifest: bool = False  # proposal.toml changed on disk (work tree only)
    sections: tuple[str, ...] = ()  # section files changed on disk (work tree only)

    @property
    def refs_changed(self) -> bool:
        return bool(self.branches or self.comments or self.remotes or self.other_refs)

    def __bool__(self) -> bool:
        return self.head_moved or self.branch_switched or self.refs_changed \
            or self.manifest or bool(self.sections)


def _stat(path: str) -> FileStat | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return FileStat(info.st_mtime_ns, info.st_size, info.st_ino)


def _safe_relative(path: str) -> bool:
    """Never stat outside the tree, whatever a (validated) manifest hands us."""
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts \
        and "\\" not in path and "\0" not in path


def read_refs(repo: ProposalRepo) -> tuple[str | None, str | None, tuple[tuple[str, str], ...]]:
    """(HEAD's branch, HEAD's commit, all non-symbolic refs). HEAD is read first: git writes
    a branch before pointing HEAD at it, so the refs read next always include HEAD's target."""
    proc = run_git_bytes(["symbolic-ref", "--quiet", "HEAD"], repo.root, check=False)
    head_ref = proc.stdout.decode("utf-8", "surrogateescape").strip() or None \
        if proc.returncode == 0 else None
    out = run_git_bytes(["for-each-ref", "--format=%(refname)%00%(objectname)%00%(symref)"],
                        repo.root).stdout.decode("utf-8", "surrogateescape")
    rows = [line.split("\0") for line in out.splitlines()]
    # Symbolic refs (refs/remotes/origin/HEAD) would report their target's move twice.
    refs = tuple(sorted((row[0], row[1]) for row in rows if len(row) == 3 and not row[2]))
    if head_ref is not None:
        head = dict(refs).get(head_ref)  # None: unborn branch
    else:
        detached = run_git_bytes(["rev-parse", "--verify", "--quiet", "HEAD"], repo.root,
                                 check=False)
        head = detached.stdout.decode("ascii", "replace").strip() or None
    return head_ref, head, refs


def fingerprint(repo: ProposalRepo, section_paths: Iterable[str] = ()) -> Fingerprint:
    """Read HEAD and refs (2 git processes, 3 when detached) and stat the work-tree files."""
    head_ref, head, refs = read_refs(repo)
    if repo.work_tree is None:
        return Fingerprint(head_ref, head, refs)
    root = str(repo.work_tree)
    paths = sorted({p for p in section_paths if _safe_relative(p)})
    return Fingerprint(head_ref, head, refs,
                       manifest=_stat(os.path.join(root, MANIFEST_NAME)),
                       sections=tuple((p, _stat(os.path.join(root, p))) for p in paths))


def diff(old: Fingerprint, new: Fingerprint) -> Change:
    """Classify the difference; an empty (falsy) Change means nothing the screen shows moved."""
    before, after = old.ref_map(), new.ref_map()
    moves = [RefMove(name, before.get(name), after.get(name))
             for name in sorted(before.keys() | after.keys())
             if before.get(name) != after.get(name)]
    branches = tuple(m for m in moves if m.name.startswith(BRANCH_PREFIX)
                     and m.name != COMMENTS_REF)
    remotes = tuple(m for m in moves if m.name.startswith(REMOTE_PREFIX))
    others = tuple(m for m in moves if m.name != COMMENTS_REF and m not in branches
                   and m not in remotes)
    comments = next((m for m in moves if m.name == COMMENTS_REF), None)
    missing = object()
    old_sections, new_sections = dict(old.sections), dict(new.sections)
    sections = tuple(p for p in sorted(old_sections.keys() | new_sections.keys())
                     if old_sections.get(p, missing) != new_sections.get(p, missing))
    return Change(old=old, new=new, head_moved=old.head != new.head,
                  branch_switched=old.head_ref != new.head_ref, branches=branches,
                  comments=comments, remotes=remotes, other_refs=others,
                  manifest=old.manifest != new.manifest, sections=sections)


def count_commits(repo: ProposalRepo, old: str | None, new: str) -> int:
    """How many commits ``new`` has that ``old`` has not (all of them when old is None)."""
    revs = [new] if old is None else [new, f"^{old}"]
    out = run_git_bytes(["rev-list", "--count", *revs, "--"], repo.root, check=False)
    text = out.stdout.decode().strip()
    return int(text) if out.returncode == 0 and text.isdigit() else 0
