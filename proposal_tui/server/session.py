"""One SSH session's life: start its child, pump bytes both ways, end its process group.

A child either exits (its status is the session's), or the client goes, or the session is
idle too long: in the last two cases the whole process group is ended. Nothing here knows
what the child is; services/serving.py decided that.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import asyncssh

from proposal_tui.services import serving

READ = 65536
Child = asyncio.subprocess.Process | serving.ForkedChild
EXIT_IDLE = 1


class Activity:
    """When bytes last moved, for the idle timeout."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def touch(self) -> None:
        self.last = time.monotonic()

    async def idle(self, timeout: float) -> None:
        """Returns once nothing has moved for ``timeout`` seconds."""
        while (left := self.last + timeout - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 1.0) + 0.01)


async def _first(*waits: Awaitable[object]) -> set[asyncio.Task[object]]:
    tasks = [asyncio.ensure_future(w) for w in waits]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    return done  # type: ignore[return-value]


async def run_piped(process: asyncssh.SSHServerProcess[bytes], argv: list[str],
                    env: Mapping[str, str], cwd: Path, idle_timeout: float,
                    start: Callable[[], Awaitable[Child]] | None = None) -> int:
    """A command or a git pack service: client stdin -> child, child stdout/stderr ->
    client, the child's exit status back. ``start`` (the fork server) replaces starting
    ``argv`` as a process of its own."""
    child = await (start() if start is not None else serving.start_piped(argv, env, cwd))
    activity = Activity()
    assert child.stdin and child.stdout and child.stderr

    async def feed() -> None:
        assert child.stdin
        while True:
            try:
                data = await process.stdin.read(READ)
            except (asyncssh.TerminalSizeChanged, asyncssh.BreakReceived,
                    asyncssh.SignalReceived):
                continue
            activity.touch()
            if not data:
                break
            child.stdin.write(data)
            with contextlib.suppress(ConnectionError):
                await child.stdin.drain()
        child.stdin.close()

    async def relay(source: asyncio.StreamReader, target: asyncssh.SSHWriter[bytes]) -> None:
        while data := await source.read(READ):
            activity.touch()
            target.write(data)
            await target.drain()

    feeding = asyncio.ensure_future(feed())

    async def finished() -> int:
        await asyncio.gather(relay(child.stdout, process.stdout),
                             relay(child.stderr, process.stderr))
        return await child.wait()

    try:
        ending = asyncio.ensure_future(finished())
        await _first(ending, process.wait_closed(), activity.idle(idle_timeout))
        if ending.done() and not ending.cancelled() and ending.exception() is None:
            return ending.result()
        if not process.is_closing():
            process.stderr.write(idle_message(idle_timeout).encode())
            await serving.end_group(child)
            return EXIT_IDLE
        return await serving.end_group(child)
    finally:
        feeding.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await feeding
        await serving.end_group(child)


def idle_message(timeout: float) -> str:
    return f"proposal serve: nothing happened for {timeout:g} s; closing this session\r\n"


async def run_on_pty(process: asyncssh.SSHServerProcess[bytes], argv: list[str],
                     env: Mapping[str, str], cwd: Path, idle_timeout: float,
                     start: Callable[[int, int], Awaitable[serving.PtyChild]] | None = None
                     ) -> int:
    """The dashboard: the child on a pseudo-terminal of the client's size; keystrokes in,
    screen out, window changes passed on as TIOCSWINSZ. ``start`` (the dashboards' fork
    server) replaces starting ``argv`` as a process of its own."""
    columns, rows, _w, _h = process.get_terminal_size()
    child = await (start or (lambda c, r: serving.start_on_pty(argv, env, cwd, c, r)))(
        columns or 80, rows or 24)
    loop = asyncio.get_running_loop()
    activity = Activity()
    output: asyncio.Queue[bytes] = asyncio.Queue()

    def readable() -> None:
        try:
            data = os.read(child.master, READ)
        except BlockingIOError:
            return
        except OSError:  # EIO: every holder of the terminal's other end is gone
            data = b""
        if not data:
            loop.remove_reader(child.master)
        output.put_nowait(data)

    loop.add_reader(child.master, readable)

    async def screen() -> int:
        while data := await output.get():
            activity.touch()
            process.stdout.write(data)
            await process.stdout.drain()
        return await child.process.wait()

    async def keys() -> None:
        while True:
            try:
                data = await process.stdin.read(READ)
            except asyncssh.TerminalSizeChanged as change:
                child.resize(change.width, change.height)
                continue
            except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue
            if not data:  # end of input is not the end of the session: a disconnect is
                await process.wait_closed()
                return
            activity.touch()
            await _write_all(child.master, data)

    try:
        showing = asyncio.ensure_future(screen())
        typing = asyncio.ensure_future(keys())
        await _first(showing, typing, activity.idle(idle_timeout))
        if showing.done() and not showing.cancelled() and showing.exception() is None:
            return showing.result()
        if not typing.done() and not process.is_closing():
            process.stdout.write(b"\r\n" + idle_message(idle_timeout).encode())
            await serving.end_group(child.process)
            return EXIT_IDLE
        return await serving.end_group(child.process)
    finally:
        loop.remove_reader(child.master)
        await serving.end_group(child.process)
        child.close()


async def _write_all(fd: int, data: bytes) -> None:
    while data:
        try:
            data = data[os.write(fd, data):]
        except BlockingIOError:
            await asyncio.sleep(0.01)
        except OSError:
            return
