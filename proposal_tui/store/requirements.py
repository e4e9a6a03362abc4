"""Read the proposal's files as one consistent view (HEAD, work tree or index), and write and
commit ``requirements.toml`` the careful way (tomlkit; plumbing, only that file, as the acting
person).

The three views exist for the three places `proposal check` runs: a CI job reads the commit
(HEAD), a person reads what they see (work tree), a pre-commit hook reads what is about to be
committed (the index).
"""

from __future__ import annotations

import re
from pathlib import Path

import tomlkit

from proposal_tui.domain.compliance import REQUIREMENTS_NAME, Requirement
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.store.atomic import write_atomic
from proposal_tui.store.git import run_git, run_git_bytes
from proposal_tui.store.manifest_edit import writer_lock
from proposal_tui.store.plumbing import cas_commit
from proposal_tui.store.repo import GITLINK_MODE, SYMLINK_MODE, ProposalRepo

VIEWS = ("head", "worktree", "index")


_COMMENT_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f]")  # not allowed in a TOML comment


def render_requirements(requirements: list[Requirement], origin: str = "") -> str:
    """``requirements.toml`` text, one table per requirement (hand-editable afterwards).

    Written by tomlkit, which escapes any text so it reads back exactly."""
    doc = tomlkit.document()
    doc.add(tomlkit.comment("The solicitation's requirements: the compliance matrix is "
                            "computed from this"))
    doc.add(tomlkit.comment("file and each section's `requirements = [...]` in proposal.toml."))
    if origin:
        doc.add(tomlkit.comment(f"Imported from {_COMMENT_UNSAFE.sub(' ', origin)}"))
    if requirements:
        tables = tomlkit.aot()
        for r in requirements:
            table = tomlkit.table()
            for key, value in (("id", r.id), ("text", r.text), ("source", r.source),
                               ("mandatory", r.mandatory)):
                table.add(key, value)
            tables.append(table)
        doc.add(tomlkit.nl())
        doc.add("requirements", tables)
    return tomlkit.dumps(doc)


def index_entries(repo: ProposalRepo) -> dict[str, tuple[str, str]]:
    """The staged tree: path -> (mode, blob sha), stage 0 only (conflicts are left out)."""
    out = run_git_bytes(["ls-files", "-s", "-z"], repo.root).stdout
    entries: dict[str, tuple[str, str]] = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, sha, stage = meta.decode().split()
        if stage == "0":
            entries[name.decode("utf-8", "surrogateescape")] = (mode, sha)
    return entries


class View:
    """File bytes as one of the three views sees them; None when the view has no such file."""

    def __init__(self, repo: ProposalRepo, view: str = "worktree") -> None:
        if view not in VIEWS:
            raise ProposalError(f"unknown view '{view}' (use {', '.join(VIEWS)})")
        if repo.bare and view != "head":
            view = "head"  # a bare repository has neither work tree nor index
        self.repo = repo
        self.view = view
        self._entries = index_entries(repo) if view == "index" else repo.tree_entries()

    def read(self, paths: list[str]) -> dict[str, tuple[bytes | None, str | None]]:
        """path -> (bytes or None, problem or None), in two git processes at most."""
        if self.view == "worktree":
            files = self.repo.read_files(paths, self._entries)
            return {p: (None if f.problem else f.working, f.problem) for p, f in files.items()}
        wanted: dict[str, str] = {}
        result: dict[str, tuple[bytes | None, str | None]] = {}
        for path in paths:
            entry = self._entries.get(path)
            if entry is None:
                result[path] = (None, None)
            elif entry[0] in (SYMLINK_MODE, GITLINK_MODE):
                result[path] = (None, "is a symbolic link or submodule, not a regular file")
            else:
                wanted[path] = entry[1]
        blobs = self.repo.read_blobs(list(wanted.values()))
        for path, sha in wanted.items():
            result[path] = (blobs.get(sha), None)
        return result


def commit_requirements(repo: ProposalRepo, data: bytes, message: str,
                        author: Identity) -> str:
    """Commit ``requirements.toml`` alone on the current branch; refuse if it has local edits
    (they would be overwritten), and bring just that file up to date in a clone."""
    ref = repo.branch_to_commit_on()
    with writer_lock(repo):
        if not repo.bare:
            out = run_git(["status", "--porcelain", "-z", "--untracked-files=all", "--",
                           REQUIREMENTS_NAME], repo.root)
            if out.strip("\0"):
                raise ProposalError(f"{REQUIREMENTS_NAME} has uncommitted changes here; commit "
                                    "or remove them first (nothing was changed)")
        sha = cas_commit(repo.root, ref, lambda _tip: {REQUIREMENTS_NAME: data}, message, author,
                         signer=repo.signer)
        if not repo.bare:
            assert repo.work_tree is not None
            write_atomic(Path(repo.work_tree, REQUIREMENTS_NAME), data)
            run_git(["update-index", "--add", "--", REQUIREMENTS_NAME], repo.root)
    return sha
