"""The comment drainer of `proposal serve`: one long-lived process per served repository that
commits what its commands queue (store/fastappend.py), so a served comment starts no git
process of its own and waits in the kernel instead of polling the writer lock.

Why: with the spool alone, every comment's command drains (one ``git cat-file --batch``,
its objects written, one ``git update-ref``), and twenty waiting commands poll the lock:
about half of a comment's CPU. The drainer keeps one ``cat-file`` for its whole life (asked
only for objects by id; the branch tip comes from the ref files), commits everything queued
in one batch, and starts one ``update-ref`` per batch.

How: the fork server (store/zygote.py) forks it before any command and records its socket
(0600, in the server's private folder) in :data:`fastappend.DRAINERS`, which the commands
it forks inherit. A command queues its request exactly as before, then sends the request's
name here and waits for the answer; whatever happens (no drainer, a drainer that died or
is stuck, a request it did not commit), the command goes on as without one: its request
is still in the spool, and it drains it itself. So the drainer only speeds things up; what
lands, who signs it, and what a killed writer leaves are those of the spool.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import sys
from pathlib import Path
from typing import NoReturn

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

from proposal_tui.store import fastappend

MAX_LINE = 4096


def listen(cwd: Path, socket_path: Path) -> tuple[Path, socket.socket] | None:
    """The git folder of the repository at ``cwd`` and the drainer's listening socket, or
    None when this repository needs the general path. The fork server (store/zygote.py)
    then forks the drainer, which runs :func:`serve`."""
    gdir, fmt = fastappend.repo_info(cwd)
    if fmt != "sha1" or fcntl is None or not os.access(gdir / "objects", os.W_OK):
        return None
    old = os.umask(0o177)
    try:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with contextlib.suppress(FileNotFoundError):
            socket_path.unlink()
        listener.bind(str(socket_path))  # 0600: only the server's own processes ask
    finally:
        os.umask(old)
    listener.listen(128)
    return gdir, listener


def serve(cwd: Path, gdir: Path, listener: socket.socket, socket_path: Path) -> NoReturn:
    """The forked drainer's life: answer the commands until the server ends, then exit."""
    code = 0
    try:
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        Drainer(cwd, gdir, listener).run()
    except BaseException:  # noqa: BLE001 - the commands drain for themselves meanwhile
        code = 1
    finally:
        with contextlib.suppress(OSError):
            socket_path.unlink()
        os._exit(code)


class Drainer:
    """Accept the commands' names, drain the spool once for all of them, answer each."""

    def __init__(self, cwd: Path, gdir: Path, listener: socket.socket) -> None:
        self.cwd, self.gdir, self.listener = cwd, gdir, listener
        self.reader: fastappend._Reader | None = None

    def run(self) -> None:
        self.listener.setblocking(False)
        selector = selectors.DefaultSelector()
        selector.register(self.listener, selectors.EVENT_READ, "accept")
        selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "parent")
        waiting: list[tuple[socket.socket, Path | None]] = []
        try:
            while True:
                for key, _events in selector.select():
                    if key.data == "parent":
                        if not os.read(sys.stdin.fileno(), 4096):
                            return  # the server is gone (or stopping)
                        continue
                    waiting += self._accept_all()
                if waiting:
                    self._drain(waiting)
                    waiting = []
        finally:
            if self.reader is not None:
                self.reader.close()

    def _accept_all(self) -> list[tuple[socket.socket, Path | None]]:
        """Every command waiting to connect now (those that asked while the last batch was
        drained): one batch for all of them."""
        accepted = []
        while True:
            try:
                accepted.append(self._accept())
            except OSError:  # BlockingIOError: nobody else waits
                return accepted

    def _accept(self) -> tuple[socket.socket, Path | None]:
        """One command's connection and the signing key it drains with (None: unsigned)."""
        conn, _addr = self.listener.accept()
        conn.settimeout(2.0)
        try:
            data = conn.recv(MAX_LINE)
        except OSError:
            data = b""
        return conn, Path(os.fsdecode(data)) if data else None

    def _drain(self, waiting: list[tuple[socket.socket, Path | None]]) -> None:
        """Drain for all of them at once, then tell each."""
        answer = b"done\n"
        try:
            if self.reader is None:
                self.reader = fastappend.Reader(self.cwd)
            fastappend.drain_waiting(self.cwd, self.gdir, [k for _c, k in waiting],
                                     self.reader)
        except Exception:  # noqa: BLE001 - each command then drains for itself
            answer = b"failed\n"
            if self.reader is not None:
                with contextlib.suppress(Exception):
                    self.reader.close()
                self.reader = None
        for conn, _key in waiting:
            with contextlib.suppress(OSError):
                conn.sendall(answer)
            conn.close()

