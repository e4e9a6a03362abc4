"""The proposal repository: where it is, and what its files say, in a clone or a bare repo.

In a clone the work tree is read too, so "edited, not committed" can be shown; in a bare
repository (the shared remote reviewers reach over SSH) everything comes from HEAD's tree.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.manifest import MANIFEST_NAME
from proposal_tui.store import ref_files
from proposal_tui.store.git import (
    GitError,
    config_from_env,
    git_failure,
    read_objects,
    read_typed_objects,
    run_git,
    run_git_bytes,
)
from proposal_tui.store.signing import Signer

SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"
TREE_MODE = "40000"
# Folder -> (git dir, work tree) of the repositories `proposal serve` serves, located once by
# its fork server (store/zygote.py) before it forks any command: where a served repository is
# does not change while it is served, and each command would spend a git process asking.
_LOCATED: dict[Path, tuple[Path, Path | None]] = {}
# Git dir -> (a commit, its manifest entry and bytes): a commit never changes, so neither does
# what it holds. The fork server reads it before each fork, so its commands find it here.
_COMMITTED: dict[Path, tuple[str, tuple[dict[str, tuple[str, str]], bytes | None]]] = {}


def _tree_entry(tree: bytes, name: bytes) -> tuple[str, str] | None:
    """(mode, object id) of ``name`` in a raw tree object, or None."""
    pos = 0
    while pos < len(tree):
        space = tree.index(b" ", pos)
        nul = tree.index(b"\0", space)
        if tree[space + 1:nul] == name:
            return tree[pos:space].decode("ascii"), tree[nul + 1:nul + 21].hex()
        pos = nul + 21
    return None


def blob_sha(data: bytes) -> str:
    """The object id git gives these bytes, computed without running git."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class WorkTreeReads:
    """One batch of work-tree reads: each folder resolved once, each file read once (the
    committed copy of a file and its working copy are often the same read)."""

    inside: dict[Path, bool] = field(default_factory=dict)
    files: dict[str, tuple[bytes | None, str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class FileContent:
    """One section file as committed and as in the work tree, or why it cannot be read.

    ``committed`` is None when the blob was not read (the caller already knows its id);
    ``working`` is None when the work tree copy was not read (git says it equals HEAD), or
    when it is not there (``absent``: deleted in the work tree, not yet committed).
    """

    path: str
    committed: bytes | None
    working: bytes | None
    problem: str | None = None
    committed_sha: str | None = None
    absent: bool = False

    @property
    def uncommitted(self) -> bool:
        return self.working is not None and blob_sha(self.working) != self.committed_sha

    @property
    def missing(self) -> bool:
        return (self.committed_sha is None or self.absent) and self.working is None and \
            self.problem is None

    @property
    def deleted(self) -> bool:
        """Committed, but deleted in the work tree (not yet committed)."""
        return self.absent and self.committed_sha is not None and self.problem is None


class ProposalRepo:
    """A located git repository; all paths it takes are relative POSIX paths inside it."""

    def __init__(self, git_dir: Path, work_tree: Path | None) -> None:
        self.git_dir = git_dir
        self.work_tree = work_tree
        self.root = work_tree or git_dir
        # Set (by the workspace) in a process `proposal serve` started for a user: every
        # comment event and plan commit made through this repository is then signed.
        self.signer: Signer | None = None

    @property
    def bare(self) -> bool:
        return self.work_tree is None

    @classmethod
    def open(cls, path: Path | str | None = None) -> ProposalRepo:
        where = Path(path or os.getcwd()).resolve()
        if where in _LOCATED:
            return cls(*_LOCATED[where])
        if not where.is_dir():
            raise ProposalError(f"not a folder: {where}")
        proc = run_git_bytes(["rev-parse", "--absolute-git-dir", "--is-bare-repository"],
                             where, check=False)
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace")
            if "dubious ownership" in err:
                raise ProposalError(
                    f"{where}: git refuses this repository because another user owns it; "
                    f"run: git config --global --add safe.directory {where}")
            raise ProposalError(f"not a git repository: {where} (run 'proposal init' or "
                                "pass --repo)")
        git_dir_line, bare_line = proc.stdout.decode().splitlines()[:2]
        git_dir = Path(git_dir_line)
        if bare_line.strip() == "true":
            return cls(git_dir, None)
        top = run_git(["rev-parse", "--show-toplevel"], where).strip()
        if not top:  # inside .git of a clone
            return cls(git_dir, git_dir.parent)
        return cls(git_dir, Path(top))

    @classmethod
    def locate_for_good(cls, path: Path) -> ProposalRepo:
        """:meth:`open`, remembered for the rest of this process (the fork server's)."""
        repo = cls.open(path)
        _LOCATED[Path(path).resolve()] = (repo.git_dir, repo.work_tree)
        return repo

    @classmethod
    def create(cls, path: Path) -> ProposalRepo:
        """``git init`` a new repository in the existing folder ``path``, and open it."""
        # git runs inside ``path``: naming it again (relative) would make ``path/path/.git``.
        run_git(["init", "--quiet", "--", "."], path)
        return cls.open(path)

    # -- refs -----------------------------------------------------------------------------
    def head(self) -> str | None:
        out = run_git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], self.root,
                      check=False).strip()
        return out or None

    def head_ref(self) -> str | None:
        """The branch HEAD points at (refs/heads/...), or None when detached."""
        proc = run_git_bytes(["symbolic-ref", "--quiet", "HEAD"], self.root, check=False)
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    def branch(self) -> str | None:
        """The branch checked out ("main"), None on a detached HEAD. Read from the HEAD file
        (a refresh needs no git process for it); reftable keeps a placeholder there."""
        try:
            head = (self.git_dir / "HEAD").read_text("utf-8", "replace").strip()
        except OSError:
            head = ""
        ref = head[5:].strip() if head.startswith("ref: ") else None
        if ref is None and len(head) not in (40, 64) or ref == "refs/heads/.invalid":
            ref = self.head_ref()
        return ref.removeprefix("refs/heads/") if ref else None

    def branch_to_commit_on(self) -> str:
        """The ref a plan edit is committed on: HEAD's branch. A detached HEAD is refused,
        or the commit would be lost the moment a branch is checked out."""
        ref = self.head_ref()
        if ref is None:
            head = self.head() or ""
            raise ProposalError(f"HEAD is detached at {head[:7]}: plan edits are committed on "
                                "a branch; run 'git switch BRANCH' first (nothing was changed)")
        return ref

    @property
    def read_only(self) -> bool:
        """Whether git could not write here: a read-only mount, or folders this user may not
        write (os.access asks the kernel, so a read-only mount counts even for root)."""
        folders = [self.git_dir, self.git_dir / "objects", self.git_dir / "refs"]
        if self.work_tree is not None:
            folders.append(self.work_tree)
        return not all(os.access(f, os.W_OK) for f in folders if f.exists())

    # -- files ----------------------------------------------------------------------------
    def tree_entries(self, rev: str = "HEAD") -> dict[str, tuple[str, str]]:
        """Every file of the commit's tree: path -> (mode, blob sha). Empty if no commit."""
        args = ["ls-tree", "-r", "-z", "--full-tree", rev]
        proc = run_git_bytes(args, self.root, check=False)
        if proc.returncode != 0:  # asked only then: most of the time HEAD is a commit
            if rev == "HEAD" and self.head() is None:
                return {}
            raise git_failure(args, self.root, proc.returncode,
                              proc.stderr.decode("utf-8", "replace"))
        out = proc.stdout
        entries: dict[str, tuple[str, str]] = {}
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, name = record.partition(b"\t")
            mode, _kind, sha = meta.decode().split()
            entries[name.decode("utf-8", "surrogateescape")] = (mode, sha)
        return entries

    def read_blobs(self, shas: list[str]) -> dict[str, bytes]:
        """Blob contents by id, from one ``git cat-file --batch`` process."""
        return read_objects(self.root, shas)

    def read_committed(self, wanted: Mapping[str, str],
                       batch: WorkTreeReads | None = None) -> dict[str, bytes]:
        """Blob contents by id, for ``{path: blob id}``: from the work tree where the file
        there still hashes to that id, from git for the rest. Unpacking 500 section blobs
        from a packed history took git ~80 ms; reading and hashing the files, ~15 ms.
        ``batch``: the caller's reads, when it reads the same files from the work tree."""
        found: dict[str, bytes] = {}
        if not self.bare:
            batch = batch or WorkTreeReads()
            for path, sha in wanted.items():
                data, problem = self._working_bytes(path, batch)
                if data is not None and problem is None and blob_sha(data) == sha:
                    found[sha] = data
        found.update(self.read_blobs([sha for sha in wanted.values() if sha not in found]))
        return found

    def _working_bytes(self, path: str, batch: WorkTreeReads
                       ) -> tuple[bytes | None, str | None]:
        if path not in batch.files:
            batch.files[path] = self._read_work_tree(path, batch.inside)
        return batch.files[path]

    def _read_work_tree(self, path: str, folders: dict[Path, bool]
                        ) -> tuple[bytes | None, str | None]:
        """``folders`` remembers, for one batch of reads, which folders resolve inside the
        work tree: a realpath of each of 500 files was most of the cost of reading them."""
        assert self.work_tree is not None
        full = self.work_tree / path
        try:
            info = full.lstat()
        except (FileNotFoundError, NotADirectoryError):
            return None, None
        except OSError as exc:
            return None, f"cannot be read: {exc.strerror}"
        if stat.S_ISLNK(info.st_mode):
            return None, "is a symbolic link; section files must be regular files"
        if not stat.S_ISREG(info.st_mode):
            return None, "is not a regular file"
        inside = folders.get(full.parent)
        if inside is None:  # the file is no symbolic link (lstat): only a folder can be one
            inside = folders[full.parent] = full.parent.resolve().is_relative_to(
                self.work_tree.resolve())
        if not inside:
            return None, "resolves outside the repository"
        try:
            return full.read_bytes(), None
        except OSError as exc:
            return None, f"cannot be read: {exc.strerror}"

    def changed_paths(self, head: str | None = "HEAD") -> set[str] | None:
        """Tracked paths whose work-tree copy may differ from ``head`` (a commit id the caller
        already resolved saves a git process); None means "read all" (a bare repository has
        no work tree, an unborn branch has no HEAD)."""
        if self.bare or head is None or (head == "HEAD" and self.head() is None):
            return None
        out = run_git_bytes(["diff-index", "-z", "--name-only", head, "--"], self.root).stdout
        return {p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p}

    def read_files(self, paths: list[str], entries: dict[str, tuple[str, str]] | None = None,
                   *, known: Container[str] = (), changed: set[str] | None = None
                   ) -> dict[str, FileContent]:
        """Committed and working bytes of many files with few git processes in all.

        Blobs whose ids are in ``known`` are not read. With ``changed`` (from
        :meth:`changed_paths`), committed files git reports unchanged are not read from the
        work tree either.
        """
        entries = self.tree_entries() if entries is None else entries
        committed_ids: dict[str, str] = {}
        problems: dict[str, str] = {}
        for path in paths:
            entry = entries.get(path)
            if entry is None:
                continue
            mode, sha = entry
            if mode == SYMLINK_MODE:
                problems[path] = "is committed as a symbolic link; section files must be " \
                                 "regular files"
            elif mode == GITLINK_MODE:
                problems[path] = "is a submodule, not a file"
            else:
                committed_ids[path] = sha
        batch = WorkTreeReads()
        blobs = self.read_committed({path: sha for path, sha in committed_ids.items()
                                     if sha not in known}, batch)
        result: dict[str, FileContent] = {}
        for path in paths:
            sha = committed_ids.get(path)
            committed = blobs.get(sha) if sha else None
            skip_work_tree = self.bare or (changed is not None and path in entries
                                           and path not in changed)
            working, problem = ((None, None) if skip_work_tree
                                else self._working_bytes(path, batch))
            result[path] = FileContent(path, committed, working, problems.get(path) or problem,
                                       sha, absent=not skip_work_tree and working is None)
        return result

    def manifest_bytes(self, entries: dict[str, tuple[str, str]] | None = None
                       ) -> tuple[bytes, bytes | None]:
        """(what the manifest says now, what HEAD says). Work tree wins in a clone.
        ``entries``: HEAD's tree if the caller already listed it."""
        blob = None
        if entries is None and self.bare:
            entries, blob = self._committed_manifest()
        known = () if blob is None else {entries[MANIFEST_NAME][1]}
        content = self.read_files([MANIFEST_NAME], entries, known=known)[MANIFEST_NAME]
        if content.problem:
            raise ProposalError(content.problem, MANIFEST_NAME)
        committed = content.committed if blob is None else blob
        current = content.working if content.working is not None else committed
        if current is None:
            raise ProposalError(f"no {MANIFEST_NAME} in {self.root} (run 'proposal init' to "
                                "create one)")
        return current, committed

    def _committed_manifest(self) -> tuple[dict[str, tuple[str, str]], bytes | None]:
        """HEAD's manifest entry ({} if none) and its bytes, from one git process: HEAD's
        top folder and ``HEAD:proposal.toml`` in one ``cat-file --batch`` (listing the whole
        tree, then reading the blob, takes two; a served repository reads it every command)."""
        head = ref_files.resolve(self.git_dir)  # no process; None: only git can tell
        kept = _COMMITTED.get(self.git_dir)
        if head is not None and kept is not None and kept[0] == head:
            return dict(kept[1][0]), kept[1][1]
        rev = head or "HEAD"  # the commit just resolved, not HEAD again: it may have moved
        got = read_typed_objects(self.root, [f"{rev}^{{tree}}", f"{rev}:{MANIFEST_NAME}"])
        tree = got.get(f"{rev}^{{tree}}", (b"", b""))[1]
        entry = _tree_entry(tree, MANIFEST_NAME.encode())
        answer: tuple[dict[str, tuple[str, str]], bytes | None] = {}, None
        if entry is not None and entry[0] != TREE_MODE:  # else: no such file (nor a folder)
            blob = got.get(f"{rev}:{MANIFEST_NAME}")
            answer = {MANIFEST_NAME: entry}, blob[1] if blob and blob[0] == b"blob" else None
        if head is not None:
            _COMMITTED[self.git_dir] = head, answer
        return dict(answer[0]), answer[1]

    def git_config(self, key: str) -> str:
        """A config value (repository, then global), or '' when unset."""
        given = config_from_env(key)
        if given is not None:
            return given.strip()
        return run_git(["config", "--get", key], self.root, check=False).strip()

    def stage(self, paths: list[str]) -> None:
        """Record the work-tree copies of ``paths`` in the index (``git add`` of exactly
        these files, never anything else the user has changed)."""
        run_git(["update-index", "--add", "--", *paths], self.root)


__all__ = ["FileContent", "ProposalRepo", "blob_sha", "GitError"]
