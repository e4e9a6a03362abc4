"""The processes `proposal serve` starts for its SSH sessions: one per session, each in a
process group of its own so that a disconnect, an idle timeout or the server's stop ends
everything it started (a command, a dashboard on a pseudo-terminal, a git pack service).

Argument lists only, never a shell; the environment is the one the caller built (nothing the
SSH client sent). It sits in store beside git.py and programs.py because starting processes
is the outside world, which services reach only through store.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import signal
import socket
import struct
import sys
import termios
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from proposal_tui.store.git import git_env

GRACE = 2.0  # seconds between SIGTERM and SIGKILL for a session's process group


def proposal_argv(repo: Path, args: Sequence[str]) -> list[str]:
    """``python -m proposal_tui --repo REPO ARGS``: this very installation, no PATH lookup."""
    return [sys.executable, "-m", "proposal_tui", "--repo", str(repo), *args]


def pack_argv(service: str, git_dir: Path, hooks_dir: Path | None = None) -> list[str]:
    """``git upload-pack|receive-pack GIT_DIR``; receive-pack runs the server's own hooks
    folder (``core.hooksPath``) instead of whatever the repository holds."""
    assert service in ("upload-pack", "receive-pack")
    config = ["-c", f"core.hooksPath={hooks_dir}"] if hooks_dir is not None else []
    return ["git", *config, service, str(git_dir)]


def pack_env(extra: Mapping[str, str]) -> dict[str, str]:
    """git's environment rule (store/git.py) plus the session's own variables."""
    env = git_env()
    env.pop("GIT_OPTIONAL_LOCKS", None)  # receive-pack must take its locks
    env.update(extra)
    return env


async def start_piped(argv: Sequence[str], env: Mapping[str, str],
                      cwd: Path) -> asyncio.subprocess.Process:
    """A child with stdin, stdout and stderr as pipes, leading a new session."""
    return await asyncio.create_subprocess_exec(
        *argv, cwd=str(cwd), env=dict(env), stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        start_new_session=True)


def _take_terminal() -> None:  # runs in the child, after setsid: stdin is the pty's slave
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@dataclass
class PtyChild:
    """A child whose controlling terminal is a fresh pseudo-terminal; we hold the master."""

    process: asyncio.subprocess.Process | ForkedChild
    master: int

    @property
    def pid(self) -> int:
        return self.process.pid

    def resize(self, columns: int, rows: int) -> None:
        """TIOCSWINSZ on the master: the kernel sends the child SIGWINCH."""
        set_window_size(self.master, columns, rows)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.master)


def set_window_size(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", max(rows, 1), max(columns, 1),
                                                     0, 0))


async def start_on_pty(argv: Sequence[str], env: Mapping[str, str], cwd: Path,
                       columns: int, rows: int) -> PtyChild:
    """A child on a new pseudo-terminal of ``columns`` x ``rows``, leading its own session
    with that terminal as its controlling one (so resizes reach it as SIGWINCH)."""
    master, slave = os.openpty()
    try:
        set_window_size(slave, columns, rows)
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=str(cwd), env=dict(env), stdin=slave, stdout=slave, stderr=slave,
            start_new_session=True, preexec_fn=_take_terminal)
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    os.set_blocking(master, False)
    return PtyChild(process, master)


def signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


async def end_group(process: asyncio.subprocess.Process | ForkedChild, grace: float = GRACE) -> int:
    """End a session's whole process group: SIGTERM, then SIGKILL after ``grace`` seconds;
    returns the leader's exit status."""
    if process.returncode is None:
        signal_group(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), grace)
        except TimeoutError:
            signal_group(process.pid, signal.SIGKILL)
            await process.wait()
    if not (isinstance(process, ForkedChild) and process.kept):
        signal_group(process.pid, signal.SIGKILL)  # whatever the leader left behind
    assert process.returncode is not None
    return process.returncode


class ForkedChild:
    """A command forked by the zygote (store/zygote.py): pipes to its stdin, stdout and
    stderr, and its exit status read from the zygote's connection. Quacks like the
    :class:`asyncio.subprocess.Process` that :func:`start_piped` returns (``pid``,
    ``returncode``, ``stdin``, ``stdout``, ``stderr``, ``wait()``), so :func:`end_group`
    and the session's relay treat both alike. ``kept``: the command ran in its lane's
    worker, which lives on, clean, for the lane's next command: its group is not ended."""

    def __init__(self, pid: int, answers: asyncio.StreamReader,
                 connection: asyncio.StreamWriter, stdin: asyncio.StreamWriter | None = None,
                 stdout: asyncio.StreamReader | None = None,
                 stderr: asyncio.StreamReader | None = None) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.kept = False
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self._answers, self._connection = answers, connection

    async def wait(self) -> int:
        if self.returncode is None:
            line = await self._answers.readline()
            if line.startswith(b"exit "):
                said = line.split()
                self.returncode, self.kept = int(said[1]), said[2:] == [b"kept"]
            else:  # the zygote is gone: nobody will tell its status, so end the group
                signal_group(self.pid, signal.SIGKILL)
                self.returncode = -signal.SIGKILL
            self._connection.close()
        return self.returncode


async def _pipe_reader(fd: int) -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2 ** 16, loop=loop)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader, loop=loop),
                                 open(fd, "rb", 0))  # noqa: SIM115 - the transport closes it
    return reader


async def _pipe_writer(fd: int) -> asyncio.StreamWriter:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.connect_write_pipe(
        lambda: asyncio.StreamReaderProtocol(asyncio.StreamReader(loop=loop), loop=loop),
        open(fd, "wb", 0))  # noqa: SIM115 - the transport closes it
    return asyncio.StreamWriter(transport, protocol, None, loop)


class ZygoteGone(OSError):
    """The fork server is not there (or refused): start a whole process instead."""


class Zygote:
    """The server's handle on its fork server: ``await start()``, ``await fork(...)`` per
    command, ``await stop()``."""

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, env: Mapping[str, str] | None = None,
                    repos: Sequence[Path] = (), dashboards: bool = False) -> None:
        """Start it and wait until it has imported the CLI (``dashboards``: and the TUI),
        located the served ``repos`` and listens."""
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "proposal_tui.store.zygote",
            *(["--dashboards"] if dashboards else []), str(self.socket_path),
            *map(str, repos),
            env=dict(os.environ if env is None else env), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, start_new_session=True)
        assert self.process.stdout is not None
        if await self.process.stdout.readline() != b"ready\n":
            await self.stop()
            raise ZygoteGone("the fork server did not start")

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def fork(self, argv: Sequence[str], env: Mapping[str, str],
                   cwd: Path, lane: str | None = None) -> ForkedChild:
        """A child running ``proposal ARGV`` (the CLI's own arguments, no interpreter) in
        ``cwd`` with exactly ``env``, leading a new session; with ``lane``, possibly the
        worker that ran the lane's previous command (store/zygote.py)."""
        pipes = [os.pipe() for _ in range(3)]
        theirs = [pipes[0][0], pipes[1][1], pipes[2][1]]
        ours = [pipes[0][1], pipes[1][0], pipes[2][0]]
        try:
            pid, answers, connection = await self._ask(
                {"argv": list(argv), "env": dict(env), "cwd": str(cwd), "lane": lane}, theirs)
        except BaseException:
            for fd in ours:
                os.close(fd)
            raise
        return ForkedChild(pid, answers, connection, await _pipe_writer(ours[0]),
                           await _pipe_reader(ours[1]), await _pipe_reader(ours[2]))

    async def fork_on_pty(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path,
                          columns: int, rows: int) -> PtyChild:
        """:func:`start_on_pty`, forked: the child takes the new terminal as its controlling
        one, so resizes reach it as SIGWINCH."""
        master, slave = os.openpty()
        try:
            set_window_size(slave, columns, rows)
        except OSError:
            os.close(slave)
            os.close(master)
            raise
        try:
            pid, answers, connection = await self._ask(
                {"argv": list(argv), "env": dict(env), "cwd": str(cwd), "tty": True},
                [slave, slave, slave])
        except BaseException:
            os.close(master)
            raise
        os.set_blocking(master, False)
        return PtyChild(ForkedChild(pid, answers, connection), master)

    async def _ask(self, message: dict[str, object], fds: list[int]
                   ) -> tuple[int, asyncio.StreamReader, asyncio.StreamWriter]:
        """Send the request with ``fds`` (closed here either way); the child's pid, and the
        connection on which its exit status will come."""
        if not self.alive:
            for fd in dict.fromkeys(fds):
                os.close(fd)
            raise ZygoteGone("the fork server is not running")
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, str(self.socket_path))
            sock.setblocking(True)  # one small message to a local socket: no wait
            socket.send_fds(sock, [json.dumps(message).encode() + b"\n"], fds)
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            raise ZygoteGone(f"cannot reach the fork server: {exc}") from exc
        finally:
            for fd in dict.fromkeys(fds):
                os.close(fd)
        answers, connection = await asyncio.open_unix_connection(sock=sock)
        line = await answers.readline()
        if not line.startswith(b"pid "):
            connection.close()
            raise ZygoteGone(f"the fork server said {line[:200]!r}")
        return int(line.split()[1]), answers, connection

    async def stop(self) -> None:
        """End the fork server (its children are ended by their sessions)."""
        if self.process is None:
            return
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), GRACE)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
