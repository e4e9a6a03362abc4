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
import os
import signal
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

    process: asyncio.subprocess.Process
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


async def end_group(process: asyncio.subprocess.Process, grace: float = GRACE) -> int:
    """End a session's whole process group: SIGTERM, then SIGKILL after ``grace`` seconds;
    returns the leader's exit status."""
    if process.returncode is None:
        signal_group(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), grace)
        except TimeoutError:
            signal_group(process.pid, signal.SIGKILL)
            await process.wait()
    signal_group(process.pid, signal.SIGKILL)  # whatever the leader left behind
    assert process.returncode is not None
    return process.returncode
