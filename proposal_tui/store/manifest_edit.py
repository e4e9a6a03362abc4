"""Edit proposal.toml the way a careful person would: keep comments and layout, change one
value, commit it as the acting person, and leave everybody else's work alone.

tomlkit is used (not tomllib + tomli-w) because the manifest is hand-written: a rewrite that
dropped the manager's comments or reordered keys would make every edit a noisy diff.

The commit is built with plumbing (temporary index, commit-tree, compare-and-swap on the
branch), so other people's staged or unstaged changes are never swept up. In a clone, only
the index entry and work-tree copy of the files we changed are then brought up to date.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import stat
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Comment, Table, Whitespace

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.domain.manifest import MANIFEST_NAME, parse_manifest
from proposal_tui.store.atomic import write_atomic
from proposal_tui.store.git import run_git, run_git_bytes
from proposal_tui.store.plumbing import _open_lock, cas_commit, check_path
from proposal_tui.store.repo import GITLINK_MODE, SYMLINK_MODE, ProposalRepo, blob_sha
from proposal_tui.store.shared import state_dir

Document = tomlkit.TOMLDocument
# Mutates the document; returns extra files to write (None: to delete).
Edit = Callable[[Document], dict[str, bytes | None]]


def table_where(doc: Document, array: str, key: str, value: str) -> Table | None:
    """The table of ``[[array]]`` whose ``key`` is ``value`` (``[[people]]`` by handle...)."""
    tables = doc.get(array)
    if isinstance(tables, (AoT, list)):
        for table in tables:
            if table.get(key) == value:
                return table
    return None


def _ends_blank(table: Table) -> bool:
    body = table.value.body
    return bool(body) and isinstance(body[-1][1], Whitespace)


def insert_table(doc: Document, array: str, table: Table, index: int | None = None) -> None:
    """Put ``table`` into ``[[array]]`` (at the end, or before ``index``) with one blank line
    between it and its neighbours, as a person would write it (tomlkit alone glues a table
    to a hand-written one)."""
    tables = doc.get(array)
    if tables is None:
        last = doc.body[-1][1] if doc.body else None
        if isinstance(last, AoT):
            last = last[-1] if len(last) else None
        if isinstance(last, Table) and not _ends_blank(last):
            table.trivia.indent = "\n"
        doc.append(array, tomlkit.aot())
        doc[array].append(table)  # type: ignore[union-attr]
        return
    count = len(tables)
    index = count if index is None else max(0, min(index, count))
    if index > 0 and not _ends_blank(tables[index - 1]):
        table.trivia.indent = "\n"
    keys = [key.key for key, _ in doc.body if key is not None]
    if index < count or keys[-1:] != [array]:
        table.add(tomlkit.nl())
    tables.insert(index, table)


def section_table(doc: Document, section_id: str) -> Table:
    table = table_where(doc, "sections", "id", section_id)
    if table is None:
        raise ProposalError(f"no section '{section_id}' in {MANIFEST_NAME}")
    return table


def _trailing_trivia(table: Table) -> list[tuple[Any, Any]]:
    """The blank lines and comments a table's body ends with: in hand-written TOML they
    separate it from, or describe, the next table."""
    body = table.value.body
    count = 0
    while count < len(body) and body[len(body) - 1 - count][0] is None and \
            isinstance(body[len(body) - 1 - count][1], Whitespace | Comment):
        count += 1
    return body[len(body) - count:]


def set_key(table: Table, key: str, value: object) -> None:
    """Set, or with None remove, ``key``; a new key goes after the table's last key, above
    the blank line and any comment about the next table."""
    if value is None:
        if key in table:
            del table[key]
    elif key in table:
        table[key] = value
    else:
        trailing = _trailing_trivia(table)
        del table.value.body[len(table.value.body) - len(trailing):]  # trivia: not indexed
        table[key] = value
        table.value.body.extend(trailing)


def remove_table(doc: Document, array: str, table: Table) -> None:
    """Take ``table`` out of ``[[array]]``, with the comment lines right above it (which
    tomlkit keeps at the end of the table before)."""
    tables = doc[array]
    index = next(i for i, t in enumerate(tables) if t is table)  # type: ignore[arg-type]
    if index > 0:
        body = tables[index - 1].value.body  # type: ignore[index]
        while body and body[-1][0] is None and isinstance(body[-1][1], Comment):
            body.pop()
    del tables[index]  # type: ignore[union-attr]


def toml_date(value: dt.date | dt.datetime) -> object:
    return tomlkit.date(value.isoformat()) if not isinstance(value, dt.datetime) else \
        tomlkit.datetime(value.isoformat())


@contextmanager
def writer_lock(repo: ProposalRepo, blocking: bool = True) -> Iterator[bool]:
    """Serialise our own writers on this machine; CAS still guards against everyone else.

    Yields whether the lock is held (always True when blocking).
    """
    handle = _open_lock(state_dir(repo.git_dir) / "manifest.lock")
    if handle is None:  # not even readable: the compare-and-swap alone keeps edits correct
        yield True
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_new_file_path(repo: ProposalRepo, path: str,
                        entries: dict[str, tuple[str, str]] | None = None) -> None:
    """Refuse, before anything is written, a file path an edit would commit and write.

    Every folder on the way must be a real folder, in the committed tree (``entries``, HEAD's
    by default) and in the work tree: a symbolic link there would send the write outside the
    repository, and committing through it would turn the committed link into a folder.
    """
    check_path(path)
    entries = repo.tree_entries() if entries is None else entries
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        last = depth == len(parts)
        entry = entries.get(prefix)
        if entry is not None and (not last or entry[0] in (SYMLINK_MODE, GITLINK_MODE)):
            kind = {SYMLINK_MODE: "a symbolic link", GITLINK_MODE: "a submodule"}.get(
                entry[0], "a file")
            raise ProposalError(f"'{prefix}' is committed as {kind}, not a folder we may "
                                "write in (nothing was changed)", path)
        _check_work_tree_component(repo, prefix, last, path)


def _check_work_tree_component(repo: ProposalRepo, prefix: str, last: bool,
                               path: str) -> None:
    if repo.work_tree is None:
        return
    try:
        st = os.lstat(Path(repo.work_tree, prefix))
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise ProposalError(f"'{prefix}' is a symbolic link in the work tree; writing through "
                            "it could leave the repository (nothing was changed)", path)
    if not last and not stat.S_ISDIR(st.st_mode):
        raise ProposalError(f"'{prefix}' is not a folder (nothing was changed)", path)
    if last and not stat.S_ISREG(st.st_mode):
        raise ProposalError("is not a regular file (nothing was changed)", path)


def _check_work_tree_path(repo: ProposalRepo, path: str) -> None:
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        _check_work_tree_component(repo, "/".join(parts[:depth]), depth == len(parts), path)


def recover_interrupted_edit(repo: ProposalRepo) -> None:
    """Finish a crashed edit's work-tree update, unless an edit is running right now."""
    if repo.bare or not _journal(repo).exists():
        return
    with writer_lock(repo, blocking=False) as held:
        if held:
            finish_pending_sync(repo)


def _committed_manifest(repo: ProposalRepo, tip: str | None) -> bytes:
    if tip is None:
        raise ProposalError(f"{MANIFEST_NAME} is not committed yet; commit it first")
    proc = run_git_bytes(["cat-file", "blob", f"{tip}:{MANIFEST_NAME}"], repo.root, check=False)
    if proc.returncode != 0:
        raise ProposalError(f"no {MANIFEST_NAME} in the committed tree; commit it first")
    return proc.stdout


def _parse_committed(data: bytes) -> Document:
    """tomlkit's document of the committed manifest; bad bytes or nesting as one line."""
    try:
        return tomlkit.parse(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ProposalError(f"not valid UTF-8 (byte {exc.start})", MANIFEST_NAME) from None
    except RecursionError:
        raise ProposalError("nested too deeply", MANIFEST_NAME) from None


def _refuse_local_changes(repo: ProposalRepo, paths: list[str]) -> None:
    out = run_git(["status", "--porcelain", "-z", "--untracked-files=no", "--", *paths],
                  repo.root)
    if out.strip("\0"):
        changed = ", ".join(sorted({e[3:] for e in out.split("\0") if len(e) > 3}))
        raise ProposalError(f"{changed} has uncommitted changes here; commit or stash them "
                            "first (nothing was changed)")


def apply_edit(repo: ProposalRepo, edit: Edit, message: str, author: Identity) -> str:
    """Apply ``edit`` to the committed manifest, validate, commit, and return the new sha.

    In a clone, a journal names the files to bring up to date before the branch moves, so a
    crash between the commit and the work-tree update is finished by the next run instead of
    leaving a work tree that seems to undo the edit.
    """
    head_ref = repo.branch_to_commit_on()
    written: dict[str, bytes | None] = {}

    def changes(tip: str | None) -> dict[str, bytes | None]:
        doc = _parse_committed(_committed_manifest(repo, tip))
        extra = edit(doc)
        if extra:
            entries = repo.tree_entries(tip) if tip else {}
            for path, data in extra.items():
                if data is not None:
                    check_new_file_path(repo, path, entries)
        text = tomlkit.dumps(doc)
        parse_manifest(text, MANIFEST_NAME)  # never commit a manifest we would refuse to read
        written.clear()
        written[MANIFEST_NAME] = text.encode("utf-8")
        written.update(extra)
        if not repo.bare:
            _write_journal(repo, tip, written)
        return dict(written)

    with writer_lock(repo):
        if not repo.bare:
            finish_pending_sync(repo)
            _refuse_local_changes(repo, [MANIFEST_NAME])
        sha = cas_commit(repo.root, head_ref, changes, message, author, signer=repo.signer)
        if not repo.bare:
            _sync_work_tree(repo, written)
            _journal(repo).unlink(missing_ok=True)
    return sha


def _journal(repo: ProposalRepo) -> Path:
    return repo.git_dir / "proposal-tui" / "pending-sync.json"


def _write_journal(repo: ProposalRepo, base: str | None,
                   files: dict[str, bytes | None]) -> None:
    data = {"base": base, "files": {path: blob_sha(content) for path, content in files.items()
                                    if content is not None}}
    try:
        write_atomic(_journal(repo), json.dumps(data).encode(), shared=repo.git_dir)
    except PermissionError:
        pass  # a folder someone else made, not for the group: edit without crash recovery


def finish_pending_sync(repo: ProposalRepo) -> None:
    """Complete a work-tree update that a crash interrupted; touch nothing a person changed.

    Best effort: what cannot be finished (a file behind a symbolic link, a journal naming
    what is not there) is left as it is and the journal dropped, so a half-done edit never
    blocks the next one; `git status` shows what was left.
    """
    journal = _journal(repo)
    try:
        data = json.loads(journal.read_bytes())
    except FileNotFoundError:
        return
    except (OSError, ValueError, RecursionError):
        journal.unlink(missing_ok=True)
        return
    with suppress(ProposalError, OSError, ValueError, KeyError, TypeError, AttributeError):
        _finish(repo, data)
    journal.unlink(missing_ok=True)


def _finish(repo: ProposalRepo, data: dict) -> None:
    head = repo.tree_entries()
    base = repo.tree_entries(data["base"]) if data.get("base") else {}
    landed = {path: sha for path, sha in data.get("files", {}).items()
              if head.get(path, ("", ""))[1] == sha}
    todo: dict[str, bytes] = {}
    if landed:
        blobs = repo.read_blobs(list(landed.values()))
        current = repo.read_files(list(landed))
        for path, sha in landed.items():
            working = current[path].working
            now = blob_sha(working) if working is not None else None
            # Only the pre-edit text (or our own half-finished update) may be replaced.
            if now in (base.get(path, ("", None))[1], sha) and sha in blobs:
                todo[path] = blobs[sha]
    todo = {path: blob for path, blob in todo.items() if _writable(repo, path)}
    if todo:
        _sync_work_tree(repo, todo)
    if repo.work_tree is not None:
        for path in data.get("files", {}):
            if not _writable(repo, path):
                continue
            target = Path(repo.work_tree, path)
            for stale in target.parent.glob(f".{target.name}.*.tmp"):
                stale.unlink(missing_ok=True)  # a temp file of a write that was killed


def _writable(repo: ProposalRepo, path: str) -> bool:
    try:
        check_path(path)
        _check_work_tree_path(repo, path)
    except ProposalError:
        return False
    return True


def _sync_work_tree(repo: ProposalRepo, files: Mapping[str, bytes | None]) -> None:
    """Bring just the files we committed (or deleted) up to date in the work tree and the
    index."""
    assert repo.work_tree is not None
    for path in files:
        _check_work_tree_path(repo, path)  # never write through a symbolic link
    for path, data in files.items():
        if data is None:
            Path(repo.work_tree, path).unlink(missing_ok=True)
        else:
            write_atomic(Path(repo.work_tree, path), data)
    run_git(["update-index", "--add", "--remove", "--", *files], repo.root)
