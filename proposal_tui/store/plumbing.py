"""Commits that never touch anybody's index or work tree.

Porcelain (`git add` + `git commit`) loses files when several processes write at once (measured:
54-88 of 400 files kept with 20 writers) and fights over `.git/index`. Here every
commit is built from objects alone: blobs, a throw-away index inside the git dir, `write-tree`,
`commit-tree`, then a compare-and-swap `update-ref` that fails instead of overwriting another
writer's commit. Only use it on refs nobody has checked out (or in bare repositories).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the compare-and-swap alone stays correct
    fcntl = None  # type: ignore[assignment]

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.store.git import GitError, run_git, run_git_bytes
from proposal_tui.store.shared import adjust, state_dir, writable
from proposal_tui.store.signing import Signer

_HEX = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1 or SHA-256 object names
# Keep git from spilling split-index files or asking a monitor daemon about our private index.
_INDEX_CONFIG = ("-c", "core.splitIndex=false", "-c", "core.fsmonitor=false")
_REF_BAD = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|/\.|\.lock(/|$)|[/.]$")

ChangesFn = Callable[[str | None], Mapping[str, bytes | None]]
_held = threading.local()  # git dirs whose writer lock this thread holds (nested cas_commit)


def git_dir(cwd: Path | str) -> Path:
    """Absolute common git dir (shared by linked work trees, where refs live): our temp index
    and writer lock go there, which works in bare repositories too."""
    out = run_git(["rev-parse", "--path-format=absolute", "--git-common-dir"], cwd)
    return Path(out.strip())


def resolve_ref(cwd: Path | str, ref: str) -> str | None:
    """The commit a ref points to, or None when it does not exist (never an option injection)."""
    proc = run_git_bytes(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
        cwd, check=False,
    )
    sha = proc.stdout.decode("ascii", "replace").strip()
    if proc.returncode != 0 or not _HEX.fullmatch(sha):
        return None
    return sha


def check_ref_name(ref: str) -> None:
    """Refuse names `git check-ref-format` would refuse, without spawning a process.

    "HEAD" itself is allowed: on a detached HEAD that is the ref our commits move.
    """
    if ref == "HEAD":
        return
    if not ref.startswith("refs/") or _REF_BAD.search(ref) or ref.endswith(".lock"):
        raise ProposalError(f"invalid ref name {ref!r}")


def check_path(path: str) -> None:
    """Tree paths come from people and files: keep them relative, inside the tree, out of .git."""
    if not path or "\0" in path or "\\" in path or path.startswith("/") or path.endswith("/"):
        raise ProposalError(f"invalid path {path!r}: must be a relative POSIX file path")
    for part in path.split("/"):
        if part in ("", ".", ".."):
            raise ProposalError(f"invalid path {path!r}: empty, '.' or '..' component")
        if part.rstrip(". ").lower() == ".git":
            raise ProposalError(f"invalid path {path!r}: '.git' component")


def _check_sha(sha: str, what: str) -> None:
    if not _HEX.fullmatch(sha):
        raise ProposalError(f"invalid {what} object name {sha!r}")


def _git_date(when: dt.datetime) -> str:
    offset = when.utcoffset()
    if offset is None:
        raise ProposalError("commit date must be timezone-aware")
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"@{int(when.timestamp())} {sign}{minutes // 60:02d}{minutes % 60:02d}"


def _identity_env(author: Identity, when: dt.datetime | None) -> dict[str, str]:
    env = {"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email,
           "GIT_COMMITTER_NAME": author.name, "GIT_COMMITTER_EMAIL": author.email}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = _git_date(when)
    return env


def _write_blobs(cwd: Path | str, tmp: Path, contents: list[bytes]) -> list[str]:
    """One process for one blob (stdin); one process for many (temp files, --stdin-paths)."""
    if len(contents) == 1:
        return [run_git_bytes(["hash-object", "-w", "--stdin"], cwd, input=contents[0])
                .stdout.decode("ascii").strip()]
    files = []
    try:
        for data in contents:
            f = tmp.with_name(f"{tmp.name}-blob{len(files)}")
            files.append(f)
            f.write_bytes(data)
        listing = "".join(f"{f}\n" for f in files).encode()
        out = run_git_bytes(["hash-object", "-w", "--no-filters", "--stdin-paths"], cwd,
                            input=listing).stdout.decode("ascii").split()
    finally:
        for f in files:
            f.unlink(missing_ok=True)
    if len(out) != len(contents):
        raise GitError(f"git hash-object returned {len(out)} names for {len(contents)} blobs")
    return out


def _build(cwd: Path | str, gdir: Path, parent: str | None,
           changes: Mapping[str, bytes | None], message: str, author: Identity,
           when: dt.datetime | None, blobs: dict[bytes, str] | None = None,
           signer: Signer | None = None) -> str:
    for path in changes:
        check_path(path)
    if parent is not None:
        _check_sha(parent, "parent")
    folder = _state_dir(gdir)
    if not writable(folder):  # made by someone else, not for the group: a private folder
        folder = Path(tempfile.gettempdir())
    index = folder / f"tmp-index-{secrets.token_hex(8)}"
    env = {"GIT_INDEX_FILE": str(index)}
    try:
        added = {p: d for p, d in sorted(changes.items()) if d is not None}
        removed = sorted(p for p, d in changes.items() if d is None)
        blobs = {} if blobs is None else blobs  # a retry need not write the same blob again
        new = [d for d in dict.fromkeys(added.values()) if d not in blobs]
        if new:
            blobs.update(zip(new, _write_blobs(cwd, index, new)))
        shas = [blobs[d] for d in added.values()]
        if parent is not None:
            run_git([*_INDEX_CONFIG, "read-tree", parent], cwd, env=env)
        # Removals first so a file may become a folder in one change; a missing index = empty.
        zero = "0" * len(parent) if parent else ""
        lines = [f"0 {zero}\t{p}\0" for p in removed] if parent else []
        lines += [f"100644 blob {sha}\t{p}\0" for p, sha in zip(added, shas)]
        if lines:
            run_git_bytes([*_INDEX_CONFIG, "update-index", "-z", "--index-info"], cwd,
                          env=env, input="".join(lines).encode("utf-8"))
        tree = run_git([*_INDEX_CONFIG, "write-tree"], cwd, env=env).strip()
    finally:
        index.unlink(missing_ok=True)
        index.with_name(index.name + ".lock").unlink(missing_ok=True)
    _check_sha(tree, "tree")
    sign = ["--no-gpg-sign"] if signer is None else ["-S"]
    args = [*(signer.git_config() if signer else []), "commit-tree", *sign, tree] + \
        (["-p", parent] if parent else [])
    if signer is not None:  # signed by the server: the trailer names the user's key
        message = signer.message(message)
    text = message if message.endswith("\n") else message + "\n"
    sha = run_git(args, cwd, env=_identity_env(author, when), input=text).strip()
    _check_sha(sha, "commit")
    return sha


def build_commit(cwd: Path | str, parent: str | None, changes: Mapping[str, bytes | None],
                 message: str, author: Identity, when: dt.datetime | None = None) -> str:
    """Write a commit = parent's tree + changes (bytes adds/replaces, None removes a file).

    Nothing points at the result yet; publish it with :func:`update_ref_cas`.
    """
    return _build(cwd, git_dir(cwd), parent, changes, message, author, when)


def update_ref_cas(cwd: Path | str, ref: str, new: str, old: str | None,
                   message: str = "proposal-tui") -> bool:
    """Move ``ref`` to ``new`` only if it still points at ``old`` (None: must not exist).

    False means another writer got there first (or holds the lock right now): retry.
    """
    check_ref_name(ref)
    _check_sha(new, "new")
    expected = old if old is not None else "0" * len(new)
    _check_sha(expected, "old")
    msg = message.splitlines()[0] if message.strip() else "proposal-tui"
    proc = run_git_bytes(["update-ref", "-m", msg, ref, new, expected], cwd, check=False)
    if proc.returncode == 0:
        return True
    stderr = proc.stderr.decode("utf-8", "replace")
    if "File exists" in stderr:
        check_ref_lock(git_dir(cwd), ref)
        return False
    if resolve_ref(cwd, ref) != old:
        return False
    first = stderr.strip().splitlines()
    raise GitError(f"git update-ref failed: {first[0] if first else proc.returncode}")


# git holds a ref lock for milliseconds (it gives up on a busy one after 100 ms). One that has
# blocked us for seconds belongs to a git that was killed; past STALE_LOCK_SECONDS no live
# writer can still be behind it, so it is cleared.
BLOCKING_LOCK_SECONDS = 2.0
STALE_LOCK_SECONDS = 10.0


class RefLocked(GitError):
    """A ref lock too young to clear, yet older than a live git holds one."""


def ref_locks(gdir: Path, ref: str) -> list[Path]:
    """The lock files that block an update of ``ref`` when a killed git leaves them."""
    return [gdir / f"{ref}.lock", gdir / "packed-refs.lock"]


def check_ref_lock(gdir: Path, ref: str) -> None:
    """Clear a stale lock next to ``ref``; raise RefLocked naming one that blocks too long.

    Cleared safely: the lock is first renamed into our own folder and removed only if it is
    still the very file we judged (same inode), so a lock a new writer took meanwhile is put
    back, never removed.
    """
    for lock in ref_locks(gdir, ref):
        try:
            st = os.lstat(lock)
        except OSError:
            continue
        age = time.time() - st.st_mtime
        if age < BLOCKING_LOCK_SECONDS:
            continue  # a live writer, most likely: retry
        if age < STALE_LOCK_SECONDS:
            raise RefLocked(locked_message(ref, lock))
        aside = state_dir(gdir) / f"stale-{lock.name}-{secrets.token_hex(4)}"
        try:
            os.rename(lock, aside)
        except OSError:
            continue  # gone meanwhile, or not ours to move: retry, then name it
        if os.lstat(aside).st_ino == st.st_ino:
            os.unlink(aside)
        else:
            with contextlib.suppress(OSError):
                os.link(aside, lock)  # never over a lock taken since
            os.unlink(aside)


def locked_message(ref: str, lock: Path) -> str:
    return (f"could not update {ref}: {lock} exists (left by a git that was killed?); if no "
            f"git command is running on this repository, remove {lock}")


def blocked_message(gdir: Path, ref: str, what: str) -> str:
    """The error after too many lost attempts, naming a lock file if one is in the way."""
    for lock in ref_locks(gdir, ref):
        if lock.exists():
            return locked_message(ref, lock)
    return f"could not update {what}: too many attempts lost to other writers"


def _state_dir(gdir: Path) -> Path:
    """Our scratch folder, made as git makes its own folders (core.sharedRepository), so in a
    group-shared repository every member can still write there."""
    return state_dir(gdir)


def _open_lock(path: Path) -> IO[bytes] | None:
    """A lock file in ``.git/proposal-tui/``, created for the group when we create it."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        adjust(path, path.parent.parent)
        return os.fdopen(fd, "a+b")
    for mode in ("a+b", "rb"):  # flock needs no write access: a colleague's file will do
        with contextlib.suppress(OSError):
            return open(path, mode)
    return None


@contextlib.contextmanager
def _writer_lock(gdir: Path, timeout: float) -> Iterator[None]:
    """Queue our own processes instead of letting them race (20 racing writers on 2 cores
    starve each other). Best effort: on timeout or no flock we go on, since the
    compare-and-swap is what keeps every commit; the lock only avoids wasted attempts."""
    held: set[Path] = _held.__dict__.setdefault("dirs", set())
    handle = None
    if fcntl is not None and gdir not in held:  # re-entry would wait on itself until timeout
        handle = _open_lock(_state_dir(gdir) / "writer.lock")
    if handle is None:
        yield
        return
    with handle:
        locked = _acquire(handle, timeout)
        held.add(gdir)
        try:
            yield
        finally:
            held.discard(gdir)
            if locked:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(handle: IO[bytes], timeout: float, pause: float | None = None) -> bool:
    """flock ``handle``, polling every ``pause`` seconds (None: 1-5 ms, at random) for at
    most ``timeout``; False when it could not."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(random.uniform(0.001, 0.005) if pause is None else pause)
        except OSError:  # e.g. a file system without flock: the CAS still protects us
            return False


def cas_commit(cwd: Path | str, ref: str, changes_fn: ChangesFn, message: str,
               author: Identity, retries: int = 50, when: dt.datetime | None = None,
               lock_timeout: float = 30.0, signer: Signer | None = None) -> str:
    """Commit ``changes_fn(tip)`` on top of ``ref``'s tip; on a lost race, recompute and retry.

    ``changes_fn`` is called again with each new tip, so callers can merge with what won.
    With ``signer`` (a process the server started) the commit is signed for the user.
    """
    check_ref_name(ref)
    gdir = git_dir(cwd)
    blobs: dict[bytes, str] = {}
    with _writer_lock(gdir, lock_timeout):
        for attempt in range(retries + 1):
            started = time.monotonic()
            tip = resolve_ref(cwd, ref)
            sha = _build(cwd, gdir, tip, changes_fn(tip), message, author, when, blobs,
                         signer)
            if update_ref_cas(cwd, ref, sha, tip, message):
                return sha
            # Randomised backoff, growing and scaled to how long one attempt takes here,
            # spreads out writers we cannot queue (git, other tools, lock timeouts).
            spent = time.monotonic() - started
            time.sleep(random.uniform(0, spent * min(2 ** attempt, 16)))
    raise GitError(blocked_message(gdir, ref, ref))


__all__ = ["build_commit", "cas_commit", "check_path", "check_ref_name", "git_dir",
           "resolve_ref", "update_ref_cas", "ChangesFn", "Identity"]
