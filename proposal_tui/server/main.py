"""The SSH server itself: who may log in (a key some served proposal.toml lists), what a
session may be (services/serving.py ``parse_request``), one log line per session, a clean
stop on SIGTERM or ctrl+c.

Refused by asyncssh's defaults and kept so: passwords and keyboard-interactive (not
offered), port forwarding both ways and ``-W`` (``connection_requested`` and
``server_requested`` say no), agent and X11 forwarding (disabled), sftp and scp (no
factory). A subsystem request or a shell without a pty reaches the session handler, which
refuses it with one line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import asyncssh

from proposal_tui.domain.model import Person
from proposal_tui.domain.text import one_line
from proposal_tui.server import hostkey
from proposal_tui.server.relay import PushChecks
from proposal_tui.server.session import run_on_pty, run_piped
from proposal_tui.services import serving
from proposal_tui.services.serving import Refused, ServedRepo

T = TypeVar("T")


@dataclass
class Options:
    repos: list[str]
    host: str = "127.0.0.1"
    port: int = 2222
    host_key: Path | None = None
    idle_timeout: float = 900.0
    max_sessions: int = 64


def log(message: str) -> None:
    stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    print(f"{stamp} {one_line(message, 400)}", file=sys.stderr, flush=True)


@dataclass
class State:
    options: Options
    repos: dict[str, ServedRepo]
    pushes: PushChecks
    host_key: Path  # the private key: the server's identity, and what signs every record
    zygote: serving.Zygote | None = None  # forks commands; None: each starts a process
    dashboards: serving.Zygote | None = None  # forks dashboards; None: each a process
    sessions: set[asyncio.Task[None]] = field(default_factory=set)


class Login(asyncssh.SSHServer):
    """One connection: public-key login only, and who the key belongs to."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.fingerprint = ""
        self.holders: dict[str, Person] = {}
        self.peer = "?"

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.peer = f"{peer[0]}:{peer[1]}"

    def begin_auth(self, username: str) -> bool:
        return True  # always authenticate; the user name itself means nothing here

    def public_key_auth_supported(self) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        fingerprint = key.get_fingerprint("sha256")
        holders = await asyncio.to_thread(serving.key_holders, self.state.repos, fingerprint)
        if not holders:
            log(f"refused login from {self.peer}: key {fingerprint} belongs to nobody")
            return False
        self.fingerprint, self.holders = fingerprint, holders
        return True


def _who(login: Login, person: Person | None = None) -> str:
    if person is not None:
        return person.handle
    return ",".join(sorted({p.handle for p in login.holders.values()})) or "?"


async def handle(state: State, process: asyncssh.SSHServerProcess[bytes]) -> None:
    """Run one session, whatever happens answer with an exit status, log one line."""
    task = asyncio.current_task()
    assert task is not None
    state.sessions.add(task)  # type: ignore[arg-type]
    conn = process.get_extra_info("connection")
    login = conn.get_owner()
    assert isinstance(login, Login)
    what, person, code = one_line(process.command or process.subsystem or "(shell)", 200), \
        None, 1
    try:
        if len(state.sessions) > state.options.max_sessions:
            raise Refused(f"the server is busy ({state.options.max_sessions} sessions); try "
                          "again in a moment", 1)
        if process.subsystem:
            raise Refused(f"no subsystems here (asked for '{one_line(process.subsystem, 40)}')")
        request = serving.parse_request(process.command, process.get_terminal_type() is not None,
                                        state.repos, login.holders)
        what, person = request.what, request.person
        code = await _run(state, process, request, login.fingerprint)
        code = 128 - code if code < 0 else code  # ended by a signal, as a shell says it
    except Refused as refused:
        message = f"proposal serve: {refused}\n"
        process.stderr.write(message.replace("\n", "\r\n").encode()
                             if process.get_terminal_type() else message.encode())
        what, code = f"{what} (refused: {refused})", refused.exit_code
    except (OSError, asyncssh.Error) as exc:
        what, code = f"{what} (failed: {exc})", 1
    finally:
        state.sessions.discard(task)  # type: ignore[arg-type]
        log(f"{_who(login, person)} {login.fingerprint} {login.peer} {what} exit {code}")
        try:
            process.exit(code)
        except (OSError, asyncssh.Error):
            pass


async def _run(state: State, process: asyncssh.SSHServerProcess[bytes],
               request: serving.Request, fingerprint: str) -> int:
    idle = state.options.idle_timeout
    cwd = request.repo.git_dir if request.kind == "pack" else request.repo.path
    if request.kind == "dashboard":
        env = serving.session_env(request, fingerprint, state.host_key,
                                  term=process.get_terminal_type())
        argv, args = serving.dashboard_argv(request), serving.dashboard_args(request)

        def dashboard(columns: int, rows: int) -> Awaitable[serving.PtyChild]:
            return _forked(state.dashboards, "dashboard",
                           lambda z: z.fork_on_pty(args, env, cwd, columns, rows),
                           lambda: serving.start_on_pty(argv, env, cwd, columns, rows))

        return await run_on_pty(process, argv, env, cwd, idle, start=dashboard)
    if request.kind == "command":
        argv, extra = serving.command_argv(request)
        term = process.get_terminal_type()
        env = {**serving.session_env(request, fingerprint, state.host_key, term=term),
               **extra}
        if term is not None:  # ssh -t: the client's terminal is raw, the command gets a pty
            return await run_on_pty(process, argv, env, cwd, idle)
        args = serving.command_args(request)[0]
        # One person's commands, by one key, on one repository: only these share a worker.
        lane = "\0".join((str(request.repo.path), request.person.handle, fingerprint))

        def command() -> Awaitable[asyncio.subprocess.Process | serving.ForkedChild]:
            return _forked(state.zygote, "command", lambda z: z.fork(args, env, cwd, lane=lane),
                           lambda: serving.start_piped(argv, env, cwd))

        return await run_piped(process, argv, env, cwd, idle, start=command)
    token = state.pushes.token(request.repo, request.person.handle)
    try:
        argv, extra = serving.pack_argv(request, state.pushes.hooks)
        env = serving.pack_env({**extra, **state.pushes.env(token)})
        return await run_piped(process, argv, env, cwd, idle)
    finally:
        state.pushes.forget(token)


async def _forked(zygote: serving.Zygote | None, what: str,
                  fork: Callable[[serving.Zygote], Awaitable[T]],
                  start: Callable[[], Awaitable[T]]) -> T:
    """Forked by ``zygote`` (the commands' or the dashboards' fork server); without one, or
    if it has gone, started as a process of its own (logged)."""
    if zygote is not None:
        try:
            return await fork(zygote)
        except serving.ZygoteGone as exc:
            log(f"proposal serve: {exc}; starting the {what} as a process")
    return await start()


async def serve(options: Options, ready: asyncio.Event | None = None) -> int:
    repos = serving.served_repos(options.repos)
    key_path = options.host_key or hostkey.default_path()
    key = hostkey.load_or_create(key_path)
    pushes = PushChecks()
    await pushes.start()
    state = State(options, repos, pushes, key_path.absolute())
    state.zygote = await _start_zygote(pushes.folder / "fork.sock",
                                       [r.path for r in repos.values()])
    state.dashboards = await _start_zygote(pushes.folder / "dashboards.sock",
                                           [r.path for r in repos.values()], dashboards=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        acceptor = await asyncssh.create_server(
            lambda: Login(state), options.host, options.port, server_host_keys=[key],
            process_factory=lambda p: handle(state, p), encoding=None, line_editor=False,
            agent_forwarding=False, x11_forwarding=False, allow_scp=False,
            login_timeout=30, keepalive_interval=60)
    except OSError as exc:
        await _stop_zygote(state)
        await pushes.stop()
        raise OSError(exc.errno, f"cannot listen on {options.host}:{options.port}: "
                      f"{exc.strerror}") from None
    log(f"proposal serve: listening on {options.host}:{options.port}, host key "
        f"{key.get_fingerprint('sha256')} ({key_path}); serving "
        + ", ".join(f"{name} ({r.path})" for name, r in sorted(repos.items())))
    if ready is not None:
        ready.set()
    await stop.wait()
    log("proposal serve: stopping")
    acceptor.close()
    for task in list(state.sessions):
        task.cancel()
    await asyncio.gather(*state.sessions, return_exceptions=True)
    await _stop_zygote(state)
    await pushes.stop()
    return 0


async def _start_zygote(socket_path: Path, repos: list[Path],
                        dashboards: bool = False) -> serving.Zygote | None:
    """A fork server (of commands, or of ``dashboards``), or None (logged): each then
    starts a process of its own."""
    zygote = serving.Zygote(socket_path)
    what = "dashboard" if dashboards else "command"
    try:
        await zygote.start(serving.zygote_env(), repos, dashboards=dashboards)
    except OSError as exc:
        log(f"proposal serve: no {what} fork server ({exc}); each {what} starts a process")
        return None
    return zygote


async def _stop_zygote(state: State) -> None:
    for zygote in (state.zygote, state.dashboards):
        if zygote is not None:
            await zygote.stop()


def run(options: Options) -> int:
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    return asyncio.run(serve(options))


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--listen: want HOST:PORT, got {text!r}")
    return host.strip("[]") or "127.0.0.1", int(port)
