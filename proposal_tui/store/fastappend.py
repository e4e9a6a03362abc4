"""Comment events on a review-day burst: a group commit, one git commit per event.

Why: the general path (:func:`plumbing.cas_commit`) runs eight git processes per comment
(36 ms here). Writers queue on one lock, so twenty reviewers commenting back to back each
waited ~0.7 s (p95 3 s). Most of that is process start-up, and only three small trees change
when one event file is added.

How: a writer drops its request into ``.git/proposal-tui/spool/`` and whoever holds the
writer lock (the same ``writer.lock`` the general path uses) drains *every* waiting request:
one ``git cat-file --batch`` reads the trees, the blobs, trees and commits (one commit per
event, each with its own author and date, exactly the commit the general path would make) are
built in Python and written the way git writes them (a few as loose objects, a batch as one
pack with its index: creating a file costs ~1 ms on this machine), and one compare-and-swap
``git update-ref`` publishes the chain. Only then are the drained requests
deleted; a writer whose request file is gone knows its event is on the branch. So nothing is
lost if a drainer dies (its requests stay queued, and an event already on the branch is never
added twice), and a lost race with another kind of writer just rebuilds on the new tip.

Only SHA-1 repositories whose object folder we may write; :class:`Unsupported` tells the
caller to use the general path instead (before anything is queued).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import random
import secrets
import socket
import struct
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.store import ref_files
from proposal_tui.store.git import GitError, GitPipe, run_git
from proposal_tui.store.plumbing import (
    _git_date,
    _open_lock,
    _state_dir,
    blocked_message,
    check_path,
    check_ref_name,
    update_ref_cas,
)
from proposal_tui.store.shared import adjust
from proposal_tui.store.signing import Signer

_DIR = b"40000"
_FILE = b"100644"
_info: dict[str, tuple[Path, str]] = {}  # cwd -> (common git dir, object format)
# Common git dir -> the socket of its drainer (store/drainer.py), set by the fork server of
# `proposal serve` before it forks the commands that inherit it; never from the environment.
DRAINERS: dict[Path, Path] = {}


class Unsupported(Exception):
    """This repository needs the general path (SHA-256, unwritable objects, no flock)."""


@dataclass(frozen=True)
class Request:
    ref: str
    path: str
    data: bytes
    message: str
    author: Identity
    when: dt.datetime
    key: str | None = None  # the user's key fingerprint: the commit must be server-signed

    def dump(self) -> bytes:
        return json.dumps({"ref": self.ref, "path": self.path,
                           "data": base64.b64encode(self.data).decode("ascii"),
                           "message": self.message, "name": self.author.name,
                           "email": self.author.email, "when": self.when.isoformat(),
                           "key": self.key}).encode()

    @classmethod
    def load(cls, raw: bytes) -> Request:
        obj = json.loads(raw)
        key = obj.get("key")
        request = cls(ref=obj["ref"], path=obj["path"], data=base64.b64decode(obj["data"]),
                      message=obj["message"], author=Identity(obj["name"], obj["email"]),
                      when=dt.datetime.fromisoformat(obj["when"]),
                      key=key if isinstance(key, str) else None)
        check_ref_name(request.ref)
        check_path(request.path)
        if len(request.path.split("/")) != 3 or request.when.utcoffset() is None:
            raise ProposalError("not a comments/<section>/<file> request")
        return request


def repo_info(cwd: Path | str) -> tuple[Path, str]:
    """(common git dir, object format), asked once per process (the fork server of `proposal
    serve` asks before it forks, so its commands need not)."""
    key = str(cwd)
    if key not in _info:
        out = run_git(["rev-parse", "--path-format=absolute", "--git-common-dir",
                       "--show-object-format"], cwd).split()
        _info[key] = (Path(out[0]), out[1] if len(out) > 1 else "sha1")
    return _info[key]


class Reader:
    """One ``git cat-file --batch`` per drain attempt (fresh, so refs are read fresh)."""

    def __init__(self, cwd: Path | str) -> None:
        # Interactive: each reply must be flushed before we ask the next question.
        self.git = GitPipe(["cat-file", "--batch"], cwd, feed=True, interactive=True,
                           capture_stderr=False)

    def get(self, name: str) -> tuple[str, str, bytes] | None:
        self.git.stdin.write(name.encode("utf-8") + b"\n")
        self.git.stdin.flush()
        header = self.git.stdout.readline().decode("ascii", "replace").split()
        if len(header) != 3:
            return None  # "<name> missing"
        sha, kind, size = header
        return sha, kind, self.git.stdout.read(int(size) + 1)[:-1]

    def close(self) -> None:
        self.git.finish()


def _parse_tree(data: bytes) -> dict[bytes, tuple[bytes, bytes]]:
    """name -> (mode, raw 20-byte id)."""
    entries: dict[bytes, tuple[bytes, bytes]] = {}
    pos = 0
    while pos < len(data):
        space = data.index(b" ", pos)
        nul = data.index(b"\0", space)
        entries[data[space + 1:nul]] = (data[pos:space], data[nul + 1:nul + 21])
        pos = nul + 21
    return entries


def _tree_bytes(entries: dict[bytes, tuple[bytes, bytes]]) -> bytes:
    """Git's order: names compared bytewise, a directory as if it ended with '/'."""
    def key(name: bytes) -> bytes:
        return name + b"/" if entries[name][0] == _DIR else name
    return b"".join(entries[n][0] + b" " + n + b"\0" + entries[n][1]
                    for n in sorted(entries, key=key))


class _Objects:
    """Loose objects written the way git writes them: zlib, a temp file, then a hard link."""

    def __init__(self, objects: Path) -> None:
        self.objects = objects
        self.pending: dict[str, bytes] = {}

    def add(self, kind: str, body: bytes) -> bytes:
        data = f"{kind} {len(body)}\0".encode() + body
        sha = hashlib.sha1(data).hexdigest()
        self.pending[sha] = data
        return bytes.fromhex(sha)

    def write(self) -> None:
        """Few objects as loose files; a batch as one pack (file creation costs ~1 ms here,
        and a batch of 20 events is 100 objects)."""
        if len(self.pending) > 8:
            self._write_pack()
        else:
            self._write_loose()
        self.pending.clear()

    def _write_pack(self) -> None:
        """A version-2 pack of whole (undeltified) objects and its version-2 index, written
        to temporary names and renamed, the index last (git only sees a pack by its index)."""
        types = {b"commit": 1, b"tree": 2, b"blob": 3}
        body = bytearray(b"PACK" + struct.pack(">II", 2, len(self.pending)))
        index: list[tuple[bytes, int, int]] = []  # (sha, crc32, offset)
        for sha, data in self.pending.items():
            header, _, content = data.partition(b"\0")
            kind = types[header.split(b" ")[0]]
            size = len(content)
            head = bytearray([(kind << 4) | (size & 0x0F)])
            size >>= 4
            while size:
                head[-1] |= 0x80
                head.append(size & 0x7F)
                size >>= 7
            entry = bytes(head) + zlib.compress(content, 1)
            index.append((bytes.fromhex(sha), zlib.crc32(entry), len(body)))
            body += entry
        pack_sum = hashlib.sha1(body).digest()
        body += pack_sum
        index.sort()
        fanout = [0] * 256
        for sha, _crc, _off in index:
            fanout[sha[0]] += 1
        total, counts = 0, []
        for n in fanout:
            total += n
            counts.append(total)
        idx = bytearray(b"\377tOc" + struct.pack(">I", 2))
        idx += struct.pack(">256I", *counts)
        idx += b"".join(sha for sha, _c, _o in index)
        idx += b"".join(struct.pack(">I", crc) for _s, crc, _o in index)
        idx += b"".join(struct.pack(">I", off) for _s, _c, off in index)
        idx += pack_sum
        idx += hashlib.sha1(idx).digest()
        folder = self.objects / "pack"
        with contextlib.suppress(FileExistsError):
            folder.mkdir()
            adjust(folder, self.objects.parent)
        name = f"pack-{pack_sum.hex()}"
        for suffix, data in ((".pack", bytes(body)), (".idx", bytes(idx))):
            tmp = folder / f"tmp_{secrets.token_hex(6)}{suffix}"
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
                os.fchmod(fd, 0o444)  # readable by all whatever the umask, as git does
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, folder / f"{name}{suffix}")
            finally:
                with contextlib.suppress(OSError):
                    tmp.unlink()

    def _write_loose(self) -> None:
        for sha, data in self.pending.items():
            folder = self.objects / sha[:2]
            final = folder / sha[2:]
            if final.exists():
                continue
            if not folder.is_dir():
                with contextlib.suppress(FileExistsError):
                    folder.mkdir()
                    with contextlib.suppress(OSError):  # a group-shared repo stays shared
                        folder.chmod(self.objects.stat().st_mode & 0o7777)
            tmp = folder / f"tmp_obj_{secrets.token_hex(6)}"
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
                os.fchmod(fd, 0o444)  # readable by all whatever the umask, as git does
                with os.fdopen(fd, "wb") as f:
                    f.write(zlib.compress(data, 1))
                with contextlib.suppress(FileExistsError):
                    os.link(tmp, final)  # never replaces an object someone else wrote
            finally:
                with contextlib.suppress(OSError):
                    tmp.unlink()


class _Chain:
    """Commits built on ``tip`` one after another, with the changed trees kept in memory."""

    def __init__(self, reader: Reader, objects: _Objects, tip: str | None,
                 signing_key: Path | None = None) -> None:
        self.reader, self.objects, self.base, self.tip = reader, objects, tip, tip
        self.signing_key = signing_key
        self.trees: dict[tuple[bytes, ...], dict[bytes, tuple[bytes, bytes]]] = {}

    def _tree(self, parts: tuple[bytes, ...]) -> dict[bytes, tuple[bytes, bytes]]:
        if parts not in self.trees:
            entries: dict[bytes, tuple[bytes, bytes]] = {}
            if self.base is not None:
                name = f"{self.base}^{{tree}}" if not parts else \
                    f"{self.base}:{b'/'.join(parts).decode('utf-8')}"
                got = self.reader.get(name)
                if got is not None:
                    if got[1] != "tree":
                        raise ProposalError(f"{name} is not a folder on the comments branch")
                    entries = _parse_tree(got[2])
            self.trees[parts] = entries
        return self.trees[parts]

    def add(self, r: Request) -> bool:
        """One commit adding ``r.path``; False if the file is already there."""
        parts = tuple(p.encode("utf-8") for p in r.path.split("/"))
        if parts[2] in self._tree(parts[:2]):
            return False
        child, mode = self.objects.add("blob", r.data), _FILE
        for depth in (2, 1, 0):
            tree = self._tree(parts[:depth])
            tree[parts[depth]] = (mode, child)
            child, mode = self.objects.add("tree", _tree_bytes(tree)), _DIR
        ident = f"{r.author.name} <{r.author.email}> {_git_date(r.when)[1:]}"
        signer = None
        if r.key is not None:  # each commit of a batch signed on its own, as git would
            assert self.signing_key is not None
            signer = Signer(self.signing_key, r.key)
        message = r.message if signer is None else signer.message(r.message)
        text = message if message.endswith("\n") else message + "\n"
        body = (f"tree {child.hex()}\n" + (f"parent {self.tip}\n" if self.tip else "") +
                f"author {ident}\ncommitter {ident}\n\n{text}").encode("utf-8")
        if signer is not None:
            body = signer.sign_commit(body)
        self.tip = self.objects.add("commit", body).hex()
        return True


def _read_live_request(path: Path) -> bytes | None:
    """The request's bytes while the command that queued it still waits for it; None (and
    the request removed) once that command is gone.

    A writer holds an exclusive flock on its request file from before the file appears in the
    spool until it knows the outcome; the kernel drops the lock when the process dies,
    however it dies (kill -9 of the whole group included). So a request we can lock is one
    nobody waits for: publishing it later would add a comment its author was never told of.
    """
    with open(path, "rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return handle.read()  # its writer is alive and waiting
        except OSError:
            return handle.read()  # no flock here: as before, commit what is queued
        fcntl.flock(handle, fcntl.LOCK_UN)
    with contextlib.suppress(OSError):
        path.unlink()
    return None


def _may_sign(path: Path, signing_key: Path | None) -> bool:
    """A request for a signed commit is signed only by a server process (one holding the
    signing key), and only when the server's own user queued it: whoever else can write the
    spool must not get a record signed in somebody else's name. Otherwise it waits in the
    spool for its own writer, which holds the key and drains it."""
    if signing_key is None:
        return False
    try:
        return path.stat().st_uid == os.geteuid()
    except OSError:
        return False


def _queued(spool: Path) -> list[Path]:
    """The requests in the spool, oldest first (their names start with the time)."""
    with os.scandir(spool) as entries:
        return sorted(spool / e.name for e in entries if e.name.endswith(".req"))


def _drain(cwd: Path | str, gdir: Path, spool: Path, retries: int = 50,
           signing_key: Path | None = None, kept: Reader | None = None) -> None:
    """Commit every queued request, then delete the requests (only after the ref moved).

    ``kept``: a long-lived reader (store/drainer.py's), asked only for objects by id, which
    never change: the branch tip is read from the ref files themselves (a ``cat-file`` that
    has run a while may answer a ref name with what it read before). Where the files cannot
    tell (store/ref_files.py), a fresh reader is started as without one."""
    for attempt in range(retries + 1):
        started = time.monotonic()
        queued: dict[str, list[tuple[Path, Request]]] = {}
        for path in _queued(spool):
            try:
                raw = _read_live_request(path)
                if raw is None:
                    continue  # its command was killed: never published behind its back
                request = Request.load(raw)
            except FileNotFoundError:
                continue  # drained meanwhile by a drainer that ran without the lock
            except PermissionError:
                continue  # not readable for us: its writer drains it when it gets the lock
            except (ValueError, KeyError, TypeError, ProposalError, RecursionError):
                with contextlib.suppress(OSError):
                    path.rename(path.with_suffix(".bad"))  # its writer reports it
                continue
            if request.key is not None and not _may_sign(path, signing_key):
                continue
            queued.setdefault(request.ref, []).append((path, request))
        if not queued:
            return
        lost = False
        for ref, items in queued.items():
            tip = ref_files.resolve(gdir, ref) if kept is not None else None
            reader = kept if kept is not None and tip is not None else Reader(cwd)
            objects = _Objects(gdir / "objects")
            try:
                head = reader.get(tip or ref)
                if head is not None and head[1] != "commit":
                    raise ProposalError(f"{ref} does not point at a commit")
                chain = _Chain(reader, objects, head[0] if head else None, signing_key)
                for _path, request in items:
                    chain.add(request)
            finally:
                if reader is not kept:
                    reader.close()
            if chain.tip != chain.base:
                objects.write()
                assert chain.tip is not None
                if not update_ref_cas(cwd, ref, chain.tip, chain.base,
                                      items[-1][1].message):
                    lost = True
                    continue
            for path, _request in items:
                with contextlib.suppress(OSError):
                    path.unlink()
        if not lost:
            return
        spent = time.monotonic() - started
        time.sleep(random.uniform(0, spent * min(2 ** attempt, 16)))
    raise GitError(blocked_message(gdir, next(iter(queued), "refs/heads/proposal-comments"),
                                   "the comments branch"))


def checked_out_branches(cwd: Path | str, bare: bool = False) -> set[str]:
    """Branches a work tree of this repository has checked out, read from the HEAD files
    (no process: this runs before every comment). Compare-and-swap writes must never move
    one of those: its index would go stale and the next commit there would undo ours."""
    gdir, _fmt = repo_info(cwd)
    heads = [] if bare else [gdir / "HEAD"]
    with contextlib.suppress(OSError):
        heads += [d / "HEAD" for d in (gdir / "worktrees").iterdir()]
    branches = set()
    for head in heads:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            text = head.read_text(encoding="utf-8").strip()
            if text.startswith("ref: "):
                branches.add(text[5:].strip())
    return branches


def _spool(gdir: Path) -> Path:
    path = _state_dir(gdir) / "spool"
    with contextlib.suppress(FileExistsError):
        path.mkdir()
        adjust(path, gdir)  # every member of a shared repository may drain
    return path


def append_file(cwd: Path | str, ref: str, path: str, data: bytes, message: str,
                author: Identity, when: dt.datetime, timeout: float = 30.0,
                signer: Signer | None = None) -> None:
    """Commit one new file ``comments/<section>/<name>`` on ``ref``; returns once it is on
    the branch (committed by us or by whoever held the lock). With ``signer`` the commit is
    signed for the user (by us, or by another server process draining the queue)."""
    request = Request(ref, path, data, message, author, when,
                      None if signer is None else signer.fingerprint)
    Request.load(request.dump())  # the same checks a drainer makes
    gdir, fmt = repo_info(cwd)
    objects = gdir / "objects"
    if fmt != "sha1" or fcntl is None or os.environ.get("GIT_OBJECT_DIRECTORY") or \
            not os.access(objects, os.W_OK):
        raise Unsupported(f"object format {fmt}")
    try:
        spool = _spool(gdir)
        handle = _open_lock(spool.parent / "writer.lock")
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}"
        mine = spool / f"{name}.req"
        tmp = spool / f"{name}.tmp"
        claim = _claim(tmp, request.dump(), gdir)
    except OSError as exc:  # e.g. disk full: the general path reports it in git's words
        raise Unsupported(f"cannot queue: {exc}") from None
    if handle is None:
        claim.close()
        tmp.unlink()
        raise Unsupported("cannot open the writer lock")
    with handle, claim:
        tmp.replace(mine)
        try:
            key = None if signer is None else signer.key
            asked = time.monotonic()
            _ask_drainer(gdir, key, timeout / 3)
            _wait(cwd, gdir, spool, mine, handle, timeout - (time.monotonic() - asked), key)
        except BaseException:
            try:
                mine.unlink()  # withdrawn: it will not appear later behind the user's back
            except FileNotFoundError:
                return  # it landed before the failure (or the interrupt)
            raise


def drain_waiting(cwd: Path | str, gdir: Path, keys: list[Path | None], kept: Reader) -> None:
    """What a drainer (store/drainer.py) does for the commands waiting on it: take the writer
    lock, waiting in the kernel, and drain the spool once per signing key they drain with
    (in practice one: the server's host key)."""
    spool = _spool(gdir)
    handle = _open_lock(spool.parent / "writer.lock")
    if handle is None:
        raise GitError(f"cannot open the writer lock in {spool.parent}")
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        for key in dict.fromkeys(keys):
            _drain(cwd, gdir, spool, retries=3, signing_key=key, kept=kept)


def _ask_drainer(gdir: Path, signing_key: Path | None, timeout: float) -> None:
    """Ask this repository's drainer, if the fork server started one, to drain the spool
    (with ``signing_key``, the caller's own), and wait in the kernel until it has. Any
    failure (no drainer, a dead or stuck one) leaves the caller to drain for itself."""
    path = DRAINERS.get(gdir)
    if path is None:
        return
    with contextlib.suppress(OSError), \
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(str(path))
        conn.sendall(b"" if signing_key is None else os.fsencode(signing_key))
        conn.shutdown(socket.SHUT_WR)
        conn.recv(64)


def _claim(tmp: Path, data: bytes, gdir: Path) -> IO[bytes]:
    """Write the request to ``tmp`` and keep it flocked while we wait (see
    :func:`_read_live_request`): the lock is taken before the file is renamed into view."""
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o664)
    claim = os.fdopen(fd, "r+b")
    try:
        fcntl.flock(claim, fcntl.LOCK_EX)
        claim.write(data)
        claim.flush()
        os.fchmod(fd, 0o664)  # any member of a shared repository may drain and delete it
        adjust(tmp, gdir)
    except OSError:
        claim.close()
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return claim


def _wait(cwd: Path | str, gdir: Path, spool: Path, mine: Path, handle: IO[bytes],
          timeout: float, signing_key: Path | None = None) -> None:
    """Until our request is committed: drain whenever we get the lock, else poll."""
    deadline = time.monotonic() + timeout
    while True:
        if not mine.exists():
            if mine.with_suffix(".bad").exists():
                mine.with_suffix(".bad").unlink()
                raise ProposalError(f"the queued comment {mine.name} was unreadable")
            return
        locked = False
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            locked = True
        except BlockingIOError:
            if time.monotonic() < deadline:
                time.sleep(random.uniform(0.002, 0.004))  # 20 pollers must leave CPU
                continue
        except OSError:
            pass  # no flock here: the compare-and-swap alone keeps us correct
        try:
            _drain(cwd, gdir, spool, signing_key=signing_key)  # unlocked only after timeout
        except OSError as exc:
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
            raise GitError(("disk full: " if full else "") + f"cannot write in {gdir} "
                           f"({exc.strerror or exc}); nothing was committed") from None
        finally:
            if locked:
                fcntl.flock(handle, fcntl.LOCK_UN)
