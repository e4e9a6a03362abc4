"""Atomic file writes: readers see the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from pathlib import Path

from proposal_tui.domain.errors import ProposalError
from proposal_tui.store.shared import STATE_DIR, setting, shared_mode, state_dir


def write_atomic(path: Path, data: bytes, mode: int | None = None, *,
                 durable: bool = True, shared: Path | None = None) -> None:
    """Write via a temp file in the same folder, fsync it, rename over, fsync the folder.

    ``durable=False`` skips both fsyncs (tens of ms for a large file): for caches, which a
    crash may lose or truncate because a damaged one is simply rebuilt. ``shared``: the git
    dir whose core.sharedRepository a new file (and ``.git/proposal-tui/``) must honour.
    """
    if shared is not None and path.parent == shared / STATE_DIR:
        state_dir(shared)
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
            if shared is not None:
                mode = shared_mode(stat.S_IFREG | mode, setting(shared)) & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if not durable:
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


_NOT_REGULAR = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _refuse(path: Path, reason: str) -> ProposalError:
    return ProposalError(f"refusing to write: it is {reason}; give a regular file's path "
                         "(or '-' for standard output)", str(path))


def check_output_target(path: Path) -> os.stat_result | None:
    """The target's lstat if it is a regular file we may replace, None if it does not exist.

    Refused: anything but a regular file (a symlink, which would send the write to whatever
    it names; a device such as /dev/null, which a rename would replace for everybody; a
    FIFO; a socket; a folder), and someone else's file in a sticky folder such as /tmp (the
    kernel's own rule for everyone but the folder's owner, applied to root and owner too).
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    for test, reason in _NOT_REGULAR:
        if test(st.st_mode):
            raise _refuse(path, reason)
    if os.stat(path.parent).st_mode & stat.S_ISVTX and st.st_uid != os.geteuid():
        raise _refuse(path, f"owned by uid {st.st_uid} in a shared sticky folder")
    return st


def write_output(path: Path, data: bytes) -> None:
    """Write a file the user named (``export -o``, ``ics -o``): a regular file only, replaced
    atomically. The temp file is made with O_EXCL|O_NOFOLLOW in the target's folder, and the
    target is checked again just before the rename (a rename never follows a symlink, so a
    target swapped in between is replaced, never written through)."""
    path = Path(os.path.abspath(path))  # never resolve(): that would follow a symlink
    st = check_output_target(path)
    mode = st.st_mode & 0o7777 if st is not None else 0o666 & ~_umask()
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise ProposalError(f"cannot write: {exc.strerror}", str(path)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), mode)
        check_output_target(path)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ProposalError(f"cannot write: {exc.strerror}", str(path)) from None
        raise
