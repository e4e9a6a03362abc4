"""The fork server of `proposal serve` (a "zygote"): one process that has imported the CLI
once, and forks a child per SSH command, so a command costs a fork instead of a Python
start-up and its imports (about half a second of CPU each).

Started by the server through store/sessions.py as ``python -m proposal_tui.store.zygote
[--dashboards] SOCKET [REPO...]``; single-threaded. With ``--dashboards`` it is the second
one, which has also imported the TUI: it forks the dashboards (``"tty": true``: the three
descriptors are a pseudo-terminal, which the child takes as its controlling terminal), so
fifty reviewers opening theirs at once do not each pay Python's start-up and Textual's
imports; it runs no drainer, and its children are never kept.

What a command would otherwise find out every time and what never changes while the server
runs is found out here once, before any fork: where each served REPO is, and the first use
of the SSH key reader.

For each connection on its Unix socket (0600, in the server's private folder) it receives
three descriptors (stdin, stdout, stderr, SCM_RIGHTS) and one JSON line ``{"argv": [...],
"env": {...}, "cwd": "..."}``, forks, answers ``pid N`` at once and ``exit N`` (a negative
N: ended by that signal) when it has reaped the child. The child leads a session of its own,
so the server ends everything it started by signalling the group. The zygote ends when its
stdin (a pipe from the server) reaches end of file.

A message may name a ``lane`` (the server's: served repository, person, key fingerprint).
A child forked for a lane does not exit after its command: it closes the command's
descriptors, tells the zygote ``done N`` on a private socket pair and waits there for the
lane's next command, which then costs neither a fork nor the copy-on-write faults of a
fresh child (most of what a forked comment costs). Only that lane's
commands ever reach it, so one person's commands never run in a process that ran
somebody else's. It is kept only while it is clean (no thread, child process or descriptor
left over, memory and command count under their caps) and at most a while idle; the
zygote answers ``exit N kept`` for it, and the server then leaves its group alone.

It sits in store, the only layer that starts processes; the CLI it runs is imported by name
inside :func:`main`, never at module level, so the layers stay one-way.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import importlib
import io
import json
import os
import pkgutil
import selectors
import signal
import socket
import sys
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from proposal_tui.domain.errors import ProposalError
from proposal_tui.store import drainer, fastappend, signing
from proposal_tui.store.repo import ProposalRepo

MAX_MESSAGE = 1024 * 1024
IDLE_SECONDS = 30.0  # a lane's worker waits this long for its next command
MAX_IDLE_PER_LANE = 2
MAX_IDLE = 32
MAX_JOBS = 500  # commands one worker runs before it makes way for a fresh fork
MAX_RSS_KIB = 256 * 1024
PRELOADED = ("domain", "store", "services", "cli")  # never tui, watch or server...
DASHBOARD_LAYERS = ("watch", "tui")  # ...but in the dashboards' own fork server


def preload(dashboards: bool = False) -> Callable[[list[str]], int]:
    """Import what a command needs (every module of the layers the CLI uses; ``dashboards``:
    and of the TUI and the watcher, with their subpackages) and return the CLI's ``main``."""
    for layer in PRELOADED + (DASHBOARD_LAYERS if dashboards else ()):
        package = importlib.import_module(f"proposal_tui.{layer}")
        for module in pkgutil.walk_packages(package.__path__, f"proposal_tui.{layer}."):
            importlib.import_module(module.name)
    cli = importlib.import_module("proposal_tui.cli.main")
    # Built once here, and argparse's patterns compiled by parsing the commonest command
    # line: every child inherits both.
    cli.parser().parse_args(["comment", "s", "-m", "m"])
    signing.warm()
    return cli.main  # type: ignore[no-any-return]


def _fork_drainer(root: Path, socket_path: Path) -> None:
    """Fork the comment drainer of the repository at ``root`` (store/drainer.py), before any
    command, and record its socket in :data:`fastappend.DRAINERS` for the commands to come."""
    ready = drainer.listen(root, socket_path)
    if ready is None:
        return
    gdir, listener = ready
    if os.fork() == 0:
        drainer.serve(root, gdir, listener, socket_path)
    listener.close()
    fastappend.DRAINERS[gdir] = socket_path


def locate(repos: Sequence[str], drainers: str | None = None) -> Callable[[], None]:
    """Remember where each served repository is (a repository that cannot be opened now is
    left for its commands to report), and return what refreshes, before each fork, what every
    command reads first: the manifest, parsed, and the review rounds (services/snapshot.py
    ``warm``). Each is kept by the refs it comes from (store/ref_files.py), so a refresh costs
    a few file reads unless HEAD or a round tag moved, and the forked command inherits it:
    no git process and no parse of its own for them. Warming also compiles or loads what
    Python does on first use (the manifest's regular expressions, the proposal's time zone)."""
    snapshot = importlib.import_module("proposal_tui.services.snapshot")
    located = []
    for index, path in enumerate(repos):
        with contextlib.suppress(ProposalError):
            repo = ProposalRepo.locate_for_good(Path(path))
            fastappend.repo_info(repo.root)
            located.append(repo)
            if drainers is not None:
                with contextlib.suppress(OSError, ProposalError):
                    _fork_drainer(repo.root, Path(f"{drainers}.drain{index}"))

    def warm() -> None:
        for repo in located:
            with contextlib.suppress(Exception):  # the command reports it in its own words
                snapshot.warm(repo)

    warm()
    return warm


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """The JSON line and the three descriptors sent with its first bytes."""
    data, fds, _flags, _addr = socket.recv_fds(conn, MAX_MESSAGE, 3)
    while not data.endswith(b"\n") and len(data) < MAX_MESSAGE:
        more = conn.recv(MAX_MESSAGE)
        if not more:
            break
        data += more
    try:
        message = json.loads(data)
    except ValueError:
        message = None
    if len(fds) != 3 or not isinstance(message, dict):
        for fd in fds:
            os.close(fd)
        raise ValueError("want one JSON line and three descriptors")
    return message, fds


def _fresh_stdio() -> None:
    """sys.stdin/stdout/stderr over the new 0, 1 and 2, as a fresh Python makes them."""
    def text(fd: int, mode: str, errors: str = "strict") -> io.TextIOWrapper:
        raw = io.FileIO(fd, mode, closefd=False)
        buffered = io.BufferedReader(raw) if mode == "rb" else io.BufferedWriter(raw)
        return io.TextIOWrapper(buffered, encoding="utf-8", errors=errors,  # type: ignore[arg-type]
                                line_buffering=fd == 2)

    sys.stdin, sys.stdout = text(0, "rb"), text(1, "wb")
    sys.stderr = text(2, "wb", "backslashreplace")
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr


def _child(cli: Callable[[list[str]], int], warm: Callable[[], None],
           message: dict[str, Any], fds: Sequence[int], started: int,
           ctl: socket.socket | None) -> NoReturn:
    """In the forked child: become the command, then (with ``ctl``, a lane's worker) each
    next command of the lane while clean; never return."""
    code = 1
    try:
        os.setsid()
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as a fresh Python has them
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        signal.set_wakeup_fd(-1)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        if message.get("tty"):  # a dashboard: the pty is its controlling terminal
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        top = os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1024
        kept = ctl.fileno() if ctl is not None else top
        os.closerange(3, kept)
        os.closerange(kept + 1, top)
        del started  # closed by closerange: the zygote now knows the child leads a session
        code = _job(cli, message)
        jobs = 1
        while ctl is not None and _clean_after(kept, jobs):
            ctl.sendall(f"done {code}\n".encode())
            try:
                message, fds = _receive(ctl)
            except (OSError, ValueError):
                break  # end of file: the zygote let us go
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
            for fd in fds:
                os.close(fd)
            warm()
            code = _job(cli, message)
            jobs += 1
    except BaseException as exc:  # noqa: BLE001 - one line, never a traceback, and exit
        with contextlib.suppress(BaseException):
            print(f"proposal: {type(exc).__name__}: {exc}"[:400], file=sys.stderr)
        code = 1
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
        with contextlib.suppress(BaseException):
            sys.stderr.flush()
        os._exit(code & 0xFF if isinstance(code, int) else 1)


def _job(cli: Callable[[list[str]], int], message: dict[str, Any]) -> int:
    """One command, on the descriptors already at 0, 1 and 2; its exit status."""
    _fresh_stdio()
    os.chdir(str(message["cwd"]))
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in dict(message["env"]).items()})
    time.tzset()
    try:
        return cli([str(a) for a in message["argv"]])
    except SystemExit as exc:  # argparse's usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)


def _clean_after(ctl: int, jobs: int) -> bool:
    """Let go of the command's stdin, stdout and stderr (its client sees their end), and
    say whether this process may run the lane's next command: nothing of this one left
    running or open, and under its caps. Anything doubtful: no (the worker exits)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return False
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    os.close(null)
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return False
    try:
        os.waitpid(-1, os.WNOHANG)
        return False  # a child left running, or not waited for
    except ChildProcessError:
        pass  # none: the usual case
    try:
        listed = {int(name) for name in os.listdir("/proc/self/fd")}
        with open("/proc/self/statm", "rb") as statm:  # now (ru_maxrss: the peak, exec or not)
            resident_kib = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return False
    for fd in listed - {0, 1, 2, ctl}:
        with contextlib.suppress(OSError):
            os.fstat(fd)  # the listing's own descriptor is closed by now; any other is not
            return False
    return jobs < MAX_JOBS and resident_kib < MAX_RSS_KIB


@dataclass(eq=False)
class _Worker:
    """A lane's child between commands (``since``: idle since, by the monotonic clock)."""

    pid: int
    lane: str
    ctl: socket.socket
    since: float = 0.0


class Zygote:
    """The accept/fork/reap loop, and the lanes' idle workers."""

    def __init__(self, listener: socket.socket, cli: Callable[[list[str]], int],
                 warm: Callable[[], None] = lambda: None) -> None:
        self.listener = listener
        self.cli = cli
        self.warm = warm
        self.waiting: dict[int, socket.socket] = {}  # child pid -> its connection
        self.workers: dict[int, _Worker] = {}  # pid -> a lane's child, busy or idle
        self.idle: dict[str, list[_Worker]] = {}
        self.selector = selectors.DefaultSelector()
        self.wakeup_r, self.wakeup_w = os.pipe()
        os.set_blocking(self.wakeup_w, False)
        os.set_blocking(self.wakeup_r, False)

    def run(self) -> None:
        signal.set_wakeup_fd(self.wakeup_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.selector.register(self.wakeup_r, selectors.EVENT_READ, "reap")
        self.selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "parent")
        while True:
            for key, _events in self.selector.select(self._next_expiry()):
                if isinstance(key.data, _Worker):
                    self._from_worker(key.data)
                elif key.data == "accept":
                    self._accept()
                elif key.data == "reap":
                    with contextlib.suppress(BlockingIOError):
                        os.read(self.wakeup_r, 4096)
                    self._reap()
                elif not os.read(sys.stdin.fileno(), 4096):
                    return  # the server is gone (or stopping); its workers follow
            self._reap()
            self._expire()

    def _accept(self) -> None:
        try:
            conn, _addr = self.listener.accept()
        except BlockingIOError:
            return
        conn.settimeout(5.0)
        try:
            message, fds = _receive(conn)
        except (OSError, ValueError) as exc:
            with contextlib.suppress(OSError):
                conn.sendall(f"error {exc}\n".encode())
            conn.close()
            return
        lane = message.get("lane")
        lane = lane if isinstance(lane, str) and lane else None
        if lane is not None and self._hand_over(lane, message, fds, conn):
            return
        self.warm()
        ready_r, ready_w = os.pipe()
        ctl, theirs = socket.socketpair() if lane is not None else (None, None)
        try:
            pid = os.fork()
        except OSError as exc:
            for fd in (*fds, ready_r, ready_w):
                os.close(fd)
            for end in (ctl, theirs):
                if end is not None:
                    end.close()
            with contextlib.suppress(OSError):
                conn.sendall(f"error {exc.strerror}\n".encode())
            conn.close()
            return
        if pid == 0:
            os.close(ready_r)
            _child(self.cli, self.warm, message, fds, ready_w, theirs)
        os.close(ready_w)
        for fd in fds:
            os.close(fd)
        if ctl is not None and theirs is not None and lane is not None:
            theirs.close()
            worker = _Worker(pid, lane, ctl)
            self.workers[pid] = worker
            self.selector.register(ctl, selectors.EVENT_READ, worker)
        os.read(ready_r, 1)  # end of file once the child has called setsid
        os.close(ready_r)
        self.waiting[pid] = conn
        with contextlib.suppress(OSError):
            conn.sendall(f"pid {pid}\n".encode())

    def _hand_over(self, lane: str, message: dict[str, Any], fds: Sequence[int],
                   conn: socket.socket) -> bool:
        """Give the command to an idle worker of its lane, if one takes it."""
        line = json.dumps(message).encode() + b"\n"
        idle = self.idle.get(lane, [])
        while idle:
            worker = idle.pop()
            try:
                socket.send_fds(worker.ctl, [line], fds)
            except OSError:
                self._let_go(worker)
                continue
            for fd in fds:
                os.close(fd)
            self.waiting[worker.pid] = conn
            with contextlib.suppress(OSError):
                conn.sendall(f"pid {worker.pid}\n".encode())
            return True
        return False

    def _from_worker(self, worker: _Worker) -> None:
        """``done N`` (its command ended and it is clean), or its end."""
        try:
            said = worker.ctl.recv(64)
        except OSError:
            said = b""
        if not said.startswith(b"done "):
            self._let_go(worker)  # it exits: the reaper tells its command's status
            return
        conn = self.waiting.pop(worker.pid, None)
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.sendall(b"exit " + said.split()[1] + b" kept\n")
            conn.close()
        idle = self.idle.setdefault(worker.lane, [])
        if len(idle) >= MAX_IDLE_PER_LANE or sum(map(len, self.idle.values())) >= MAX_IDLE:
            self._let_go(worker)
            return
        worker.since = time.monotonic()
        idle.append(worker)

    def _let_go(self, worker: _Worker) -> None:
        """Close its socket (end of file: an idle worker exits) and forget it."""
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(worker.ctl)
        worker.ctl.close()
        self.workers.pop(worker.pid, None)
        idle = self.idle.get(worker.lane, [])
        if worker in idle:
            idle.remove(worker)

    def _next_expiry(self) -> float | None:
        oldest = [w.since for idle in self.idle.values() for w in idle]
        return max(0.0, min(oldest) + IDLE_SECONDS - time.monotonic()) if oldest else None

    def _expire(self) -> None:
        now = time.monotonic()
        for idle in list(self.idle.values()):
            for worker in [w for w in idle if now - w.since >= IDLE_SECONDS]:
                self._let_go(worker)
        self.idle = {lane: idle for lane, idle in self.idle.items() if idle}

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            worker = self.workers.get(pid)
            if worker is not None:
                self._let_go(worker)
            conn = self.waiting.pop(pid, None)
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
                conn.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    dashboards = args[:1] == ["--dashboards"]
    args = args[dashboards:]
    if not args:
        print("usage: python -m proposal_tui.store.zygote [--dashboards] SOCKET [REPO...]",
              file=sys.stderr)
        return 2
    cli = preload(dashboards)
    warm = locate(args[1:], drainers=None if dashboards else args[0])
    gc.freeze()  # what every child inherits: out of its collector's reach (no page copied)
    old = os.umask(0o177)
    try:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(args[0])  # 0600: only the server's account may ask for a fork
    finally:
        os.umask(old)
    listener.listen(128)
    listener.setblocking(False)
    print("ready", flush=True)
    try:
        Zygote(listener, cli, warm).run()
    finally:
        listener.close()
        with contextlib.suppress(OSError):
            os.unlink(args[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
