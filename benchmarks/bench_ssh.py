"""`proposal serve` under a review day's load, measured with real SSH clients on 127.0.0.1.

A demo proposal gets one reviewer per client (handles b01, b02...), each with a key made by
ssh-keygen, committed to proposal.toml; a bare clone of it is served by `proposal serve`
started as a subprocess on a free port. Everything runs on this machine: the clients compete
with the server for the same cores, so the figures are an upper bound of what a remote
client would see. Four measurements (issue 17 targets):

1. Interactive: N dashboards at once (asyncssh client, a 120x40 pty, no command). First
   paint is the wait from opening the session to the header naming the key's person. Then
   every session moves the cursor down and up at a person's pace (one arrow key a second,
   the sessions' phases spread over the second): key -> first screen bytes, and key -> end
   of the update (the last bytes of the burst it caused), median and p95 (target p95 <= 150
   ms). Memory: VmRSS of the server and of each session's process (the server's children,
   read from /proc).
2. Commands: C clients x M `comment` commands at once, one asyncssh connection per client
   (its set-up timed apart), one exec channel per command: landed (must be all), per-command
   p95 (target <= 400 ms), `git fsck` clean afterwards.
3. Side by side, the same C x M comments each way, one `ssh` process per comment (a person
   typing `ssh host comment ...`: connection set-up included), run in turns (round r: a
   burst of C at once each way, the order rotating) so that the machine's drift cancels:
   the OpenSSH client against `proposal serve`; the OpenSSH client against a real sshd with
   one Unix account per person running `proposal --repo R comment` (tests/sshd.py; needs
   root, else skipped saying why); and, for scale, local `proposal comment` processes.

Usage: python benchmarks/bench_ssh.py [--small] [--sessions N] [--keys K] [--clients C]
       [--comments M] [--only interactive|commands|side]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from common import cpu_seconds, median, percentile, proc_kib, row

warnings.filterwarnings("ignore", module="asyncssh")  # cryptography's DSA deprecation notes
import asyncssh  # noqa: E402 - after the filter above
import tomlkit  # noqa: E402

ANSI = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*"
                  rb"\x1b\\|.)")
PROPOSAL = [sys.executable, "-m", "proposal_tui"]
SSH_OPTIONS = ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o",
               "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o",
               "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=30"]
SETTLE = 0.3  # a key's update has ended when no byte followed for this long
KEYS = [b"\x1b[B"] * 3 + [b"\x1b[A"] * 3  # down, down, down, up, up, up: the cursor moves
SETTLED_AFTER = 10.0  # seconds after the last first paint: the late sessions' start-up is done


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)
    if check and done.returncode:
        raise RuntimeError(f"{argv[:4]}: {done.stderr.strip()}")
    return done


def add_people(work: Path, people: list[tuple[str, str | None]], message: str) -> None:
    """Reviewers ``(handle, public key line or None)`` appended to proposal.toml, committed."""
    path = work / "proposal.toml"
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    for handle, key in people:
        person = tomlkit.table()
        person.update({"handle": handle, "name": f"Reviewer {handle}",
                       "email": f"{handle}@example.com", "role": "reviewer"})
        if key:
            person["keys"] = [key]
        doc["people"].append(person)
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    run(["git", "commit", "-qam", message], cwd=work)


@dataclass
class Site:
    base: Path
    work: Path
    handles: list[str]
    sections: list[str]
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    keys: dict[str, Path] = field(default_factory=dict)

    @property
    def log(self) -> Path:
        return self.base / "serve.log"

    def bare(self, name: str) -> Path:
        """A fresh bare clone of the demo, so each way of commenting has its own."""
        path = self.base / f"{name}.git"
        run(["git", "clone", "-q", "--bare", "--no-local", str(self.work), str(path)])
        return path


def build(base: Path, people: int) -> Site:
    work = base / "work"
    run([*PROPOSAL, "demo", str(work)])
    handles = [f"b{i:02d}" for i in range(1, people + 1)]
    keys = {}
    for handle in handles:
        keys[handle] = base / f"{handle}_key"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", handle, "-f",
             str(keys[handle])])
    add_people(work, [(h, (keys[h].with_suffix(".pub")).read_text().strip())
                      for h in handles], "Reviewers' keys for the benchmark")
    manifest = tomlkit.parse((work / "proposal.toml").read_text(encoding="utf-8"))
    sections = [str(s["id"]) for s in manifest["sections"]]
    site = Site(base, work, handles, sections, keys=keys)
    return site


def start_server(site: Site, repo: Path, max_sessions: int) -> None:
    site.port = free_port()
    with site.log.open("wb") as err:
        site.proc = subprocess.Popen(
            [*PROPOSAL, "serve", "--listen", f"127.0.0.1:{site.port}", "--host-key",
             str(site.base / "host_key"), "--max-sessions", str(max_sessions), str(repo)],
            stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 30
    while "listening on" not in site.log.read_text(errors="replace"):
        if site.proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the server did not start: " + site.log.read_text())
        time.sleep(0.05)


def stop_server(site: Site) -> int:
    assert site.proc is not None
    site.proc.send_signal(signal.SIGTERM)
    try:
        return site.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        site.proc.kill()
        site.proc.wait()
        return -9


def rss_kib(pid: int) -> int:
    return proc_kib(pid, "status", "VmRSS")


def leads_a_session(pid: int) -> bool:
    try:
        return os.getsid(pid) == pid
    except OSError:
        return False


def private_kib(pid: int) -> int:
    """Memory the process does not share (what a forked child has copied for itself)."""
    return proc_kib(pid, "smaps_rollup", "Private_Dirty")


def forked_cpu(zygote: int) -> float:
    """The CPU of the fork server, of what it has forked and reaped (the commands and their
    git), and of the lasting children it runs (the drainers, and the git they reaped)."""
    lasting = children(zygote)
    return (cpu_seconds(zygote) + cpu_seconds(zygote, reaped=True) +
            sum(cpu_seconds(p) + cpu_seconds(p, reaped=True) for p in lasting))


def fork_servers(site: Site, dashboards: bool | None = None) -> list[int]:
    """The server's fork servers: both, or (``dashboards`` True / False) the dashboards' or
    the commands' one."""
    assert site.proc is not None
    found = []
    for pid in children(site.proc.pid):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"proposal_tui.store.zygote" in cmdline and \
                dashboards in (None, b"--dashboards" in cmdline):
            found.append(pid)
    return found


def dashboards(site: Site) -> list[int]:
    """The dashboards' processes: forked by the dashboards' fork server, or (without one)
    started by the server itself."""
    assert site.proc is not None
    started = [pid for pid in children(site.proc.pid) if pid not in fork_servers(site)]
    forked = [pid for z in fork_servers(site, dashboards=True) for pid in children(z)]
    return started + forked


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry.name))
    return found


async def connect(site: Site, handle: str) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect("127.0.0.1", site.port, username="bench",
                                  client_keys=[str(site.keys[handle])], known_hosts=None)


@dataclass
class Screen:
    """One interactive session's output, as (arrival time, bytes) chunks."""

    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def read(self, stream: asyncssh.SSHReader[bytes]) -> None:
        while data := await stream.read(65536):
            self.chunks.append((time.perf_counter(), data))
            self.arrived.set()

    def text(self) -> bytes:
        return ANSI.sub(b"", b"".join(data for _t, data in self.chunks))

    async def wait(self, until: float) -> bool:
        self.arrived.clear()
        try:
            await asyncio.wait_for(self.arrived.wait(), max(0.0, until - time.perf_counter()))
            return True
        except TimeoutError:
            return False


@dataclass
class Interactive:
    paints: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    settled: list[float] = field(default_factory=list)
    missed: int = 0
    failures: list[str] = field(default_factory=list)
    server_kib: int = 0
    session_kib: list[int] = field(default_factory=list)
    session_private_kib: list[int] = field(default_factory=list)
    fork_servers_kib: int = 0
    later: list[float] = field(default_factory=list)  # the keys of SETTLED_AFTER on
    moving_cpu: float = 0.0  # the sessions' CPU, per session per second, while keys moved
    moving_server: float = 0.0  # the server's own CPU meanwhile, per second
    moving_clients: float = 0.0  # this process's (the fifty clients'), per second


async def interactive(site: Site, sessions: int, keys: int) -> Interactive:
    result = Interactive()
    painted = 0
    all_painted = asyncio.Event()
    measured = asyncio.Event()

    async def session(index: int) -> None:
        nonlocal painted
        handle = site.handles[index]
        screen = Screen()
        try:
            began = time.perf_counter()
            async with await connect(site, handle) as conn:
                process = await conn.create_process(term_type="xterm-256color",
                                                    term_size=(120, 40), encoding=None)
                reading = asyncio.ensure_future(screen.read(process.stdout))
                wanted = f"you: {handle}".encode()
                deadline = began + 120
                while wanted not in screen.text():
                    if not await screen.wait(deadline):
                        raise RuntimeError(f"{handle}: no first paint in 120 s")
                result.paints.append(time.perf_counter() - began)
                painted += 1
                if painted == sessions:
                    all_painted.set()
                    moving.append(now_cpu())
                await asyncio.wait_for(all_painted.wait(), 180)
                await asyncio.sleep(1.0 + index / sessions)  # phases spread over a second
                for number in range(keys):
                    start = time.perf_counter()
                    seen = len(screen.chunks)
                    process.stdin.write(KEYS[number % len(KEYS)])
                    if not await screen.wait(start + 5):
                        result.missed += 1
                        continue
                    result.first.append(screen.chunks[seen][0] - start)
                    if start - moving[0][0] >= SETTLED_AFTER:
                        result.later.append(result.first[-1])
                    while await screen.wait(screen.chunks[-1][0] + SETTLE):
                        pass
                    result.settled.append(screen.chunks[-1][0] - start)
                    if index == 0 and number == keys // 2:
                        measured.set()
                    await asyncio.sleep(max(0.0, start + 1.0 - time.perf_counter()))
                if len(moving) == 1:  # the first to finish: every session still runs
                    moving.append(now_cpu())
                process.close()
                reading.cancel()
        except (OSError, asyncssh.Error, RuntimeError, TimeoutError) as exc:
            result.failures.append(f"{handle}: {type(exc).__name__}: {exc}")
            if not all_painted.is_set():
                painted += 1
                if painted == sessions:
                    all_painted.set()

    moving: list[tuple[float, float, float, float]] = []

    def now_cpu() -> tuple[float, float, float, float]:
        return time.perf_counter(), sessions_cpu(), server_cpu(), time.process_time()

    def server_cpu() -> float:
        assert site.proc is not None
        return cpu_seconds(site.proc.pid)

    def sessions_cpu() -> float:
        return sum(cpu_seconds(p) + cpu_seconds(p, reaped=True) for p in dashboards(site))

    async def memory() -> None:
        await measured.wait()
        assert site.proc is not None
        result.server_kib = rss_kib(site.proc.pid)
        result.fork_servers_kib = sum(rss_kib(p) for p in fork_servers(site))
        result.session_kib = [k for k in map(rss_kib, dashboards(site)) if k]
        result.session_private_kib = [k for k in map(private_kib, dashboards(site)) if k]

    watcher = asyncio.ensure_future(memory())
    await asyncio.wait_for(asyncio.gather(*(session(i) for i in range(sessions))),
                           240 + 2 * keys)
    if len(moving) == 2:
        (began, cpu, served, ours), (ended, spent, serving, theirs) = moving
        result.moving_cpu = (spent - cpu) / (ended - began) / sessions
        result.moving_server = (serving - served) / (ended - began)
        result.moving_clients = (theirs - ours) / (ended - began)
    watcher.cancel()
    return result


@dataclass
class Commands:
    setups: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0


async def commands(site: Site, clients: int, count: int) -> Commands:
    result = Commands()

    async def client(index: int) -> None:
        handle = site.handles[index]
        began = time.perf_counter()
        try:
            async with await connect(site, handle) as conn:
                result.setups.append(time.perf_counter() - began)
                for number in range(count):
                    section = site.sections[(index + number) % len(site.sections)]
                    start = time.perf_counter()
                    done = await conn.run(f"comment {section} -m 'asyncssh {handle} {number}'")
                    if done.exit_status == 0:
                        result.latencies.append(time.perf_counter() - start)
                    else:
                        result.failures.append(f"{handle}: exit {done.exit_status}: "
                                               f"{str(done.stderr).strip()[:200]}")
        except (OSError, asyncssh.Error) as exc:
            result.failures.append(f"{handle}: {type(exc).__name__}: {exc}")

    began = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    result.wall = time.perf_counter() - began
    return result


def bodies(repo: Path, prefix: str) -> int:
    listed = run([*PROPOSAL, "--repo", str(repo), "comments", "--json"])
    return sum(1 for c in json.loads(listed.stdout) if c["body"].startswith(prefix))


def fsck(repo: Path) -> str:
    done = run(["git", "fsck", "--no-dangling"], cwd=repo, check=False)
    return "clean" if done.returncode == 0 and not done.stdout.strip() else \
        (done.stdout + done.stderr).strip()[:200] or f"exit {done.returncode}"


@dataclass
class Way:
    """One way of commenting in the side-by-side run: how to run client i's comment j."""

    name: str
    repo: Path
    argv: Callable[[int, int], tuple[list[str], dict[str, str] | None]]
    prefix: str
    found: int | None = None  # counted while the repository still exists
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def one(self, client: int, number: int) -> None:
        argv, env = self.argv(client, number)
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120,
                              stdin=subprocess.DEVNULL)
        if done.returncode == 0:
            self.latencies.append(time.perf_counter() - start)
        else:
            self.failures.append(f"exit {done.returncode}: {done.stderr.strip()[:200]}")


def side_by_side(site: Site, clients: int, count: int) -> tuple[list[Way], str | None]:
    """The OpenSSH client against the server, against sshd + Unix accounts, and local."""
    ways: list[Way] = []
    served = site.bare("served")  # its own server, so the earlier runs' comments don't count
    start_server(site, served, max_sessions=clients + 8)

    def via_serve(i: int, j: int) -> tuple[list[str], dict[str, str] | None]:
        handle = site.handles[i]
        section = site.sections[(i + j) % len(site.sections)]
        return (["ssh", *SSH_OPTIONS, "-p", str(site.port), "-i", str(site.keys[handle]),
                 "bench@127.0.0.1", "--", f"comment {section} -m 'openssh {handle} {j}'"],
                None)

    ways.append(Way("ssh -> proposal serve", served, via_serve, "openssh "))
    local = site.bare("local")

    def locally(i: int, j: int) -> tuple[list[str], dict[str, str] | None]:
        handle = site.handles[i]
        section = site.sections[(i + j) % len(site.sections)]
        return ([*PROPOSAL, "--repo", str(local), "comment", section, "-m",
                 f"local {handle} {j}"], {**os.environ, "PROPOSAL_USER": handle})

    ways.append(Way("local proposal comment", local, locally, "local "))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.sshd import ssh_server, why_no_sshd

    skipped = why_no_sshd()
    try:
        if skipped:
            run_in_turns(ways, clients, count)
            return ways, skipped
        with ssh_server([f"br{i:02d}" for i in range(clients)]) as sshd:
            work = site.base / "accounts-work"
            run(["git", "clone", "-q", str(site.work), str(work)])
            add_people(work, [(user, None) for user in sshd.users], "The Unix accounts")
            accounts = sshd.base / "srv" / "proposal.git"
            accounts.parent.mkdir()
            run(["git", "clone", "-q", "--bare", "--no-local", str(work), str(accounts)])
            run(["git", "config", "core.sharedRepository", "group"], cwd=accounts)
            sshd.share(accounts.parent)
            for user in sshd.users:
                sshd.trust_repository(user, accounts)

            def via_sshd(i: int, j: int) -> tuple[list[str], dict[str, str] | None]:
                user = sshd.users[i]
                section = site.sections[(i + j) % len(site.sections)]
                return ([*sshd.ssh_args(user), " ".join([
                    str(sshd.launcher), "--repo", str(accounts), "comment", section, "-m",
                    f"'sshd {user} {j}'"])], None)

            ways.insert(1, Way("ssh -> sshd + Unix accounts", accounts, via_sshd, "sshd "))
            run_in_turns(ways, clients, count)
            ways[1].found = bodies(accounts, "sshd ")
            return ways, None
    finally:
        stop_server(site)


def run_in_turns(ways: list[Way], clients: int, count: int) -> None:
    with ThreadPoolExecutor(clients) as pool:
        for number in range(count):
            turn = ways[number % len(ways):] + ways[:number % len(ways)]
            for way in turn:
                list(pool.map(lambda i, w=way, n=number: w.one(i, n), range(clients)))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def report_interactive(site: Site, sessions: int, keys: int) -> bool:
    shown = asyncio.run(interactive(site, sessions, keys))
    print(f"interactive: {sessions} dashboards at once (asyncssh, pty 120x40), "
          f"{keys} arrow keys each at one a second")
    row("sessions that failed (target 0)", f"{len(shown.failures):8d}")
    if shown.paints:
        row("first paint, median", ms(median(shown.paints)))
        row("first paint, max (all starting at once)", ms(max(shown.paints)))
    if shown.first:
        row("key -> first screen bytes, median", ms(median(shown.first)))
        row("key -> first screen bytes, p95 (target <= 150)",
            ms(percentile(shown.first, 0.95)))
        if shown.later:
            row(f"key -> first screen bytes, p95, {SETTLED_AFTER:g} s after the last paint on",
                ms(percentile(shown.later, 0.95)))
        row("key -> end of the update, median", ms(median(shown.settled)))
        row("key -> end of the update, p95", ms(percentile(shown.settled, 0.95)))
        row("keys measured / with no update in 5 s",
            f"{len(shown.first):8d} / {shown.missed}")
    row("sessions' CPU while moving, per session", f"{shown.moving_cpu * 1000:8.1f} ms/s")
    row("the server's CPU meanwhile (one process)", f"{shown.moving_server * 1000:8.1f} ms/s")
    row("the clients' CPU meanwhile (this process)", f"{shown.moving_clients * 1000:8.1f} ms/s")
    row("server RSS / its two fork servers' RSS",
        f"{shown.server_kib / 1024:8.1f} MB / {shown.fork_servers_kib / 1024:.1f} MB")
    if shown.session_kib:
        row(f"session process RSS, median ({len(shown.session_kib)} processes)",
            f"{median(shown.session_kib) / 1024:8.1f} MB")
        row("session process RSS, max", f"{max(shown.session_kib) / 1024:8.1f} MB")
        row("session process memory of its own (not shared with its fork server), median",
            f"{median(shown.session_private_kib or [0]) / 1024:8.1f} MB")
    for failure in shown.failures[:5]:
        print(f"  failure: {failure}")
    return not shown.failures and not shown.missed


def report_commands(site: Site, repo: Path, clients: int, count: int) -> bool:
    assert site.proc is not None
    forks = fork_servers(site, dashboards=False)
    before = [cpu_seconds(site.proc.pid), *(forked_cpu(p) for p in forks)]
    ours = time.process_time()
    done = asyncio.run(commands(site, clients, count))
    ours = time.process_time() - ours
    after = [cpu_seconds(site.proc.pid), *(forked_cpu(p) for p in forks)]
    landed = bodies(repo, "asyncssh ")
    print(f"commands: {clients} clients x {count} `comment` at once (asyncssh, one "
          "connection per client, one exec channel per command)")
    row("comments landed", f"{landed:8d} / {clients * count}")
    row("failures (target 0)", f"{len(done.failures):8d}")
    if done.latencies:
        row("per command, median", ms(median(done.latencies)))
        row("per command, p95 (target <= 400)", ms(percentile(done.latencies, 0.95)))
        row("per command, max", ms(max(done.latencies)))
    if done.setups:
        row("connection set-up, median (apart)", ms(median(done.setups)))
        row("connection set-up, max", ms(max(done.setups)))
    row("wall time, all comments", f"{done.wall:8.2f} s")
    n = clients * count
    row("CPU per comment, the server (asyncssh)", ms((after[0] - before[0]) / n))
    if forks:  # the machine's load stretches the latencies, much less these
        row("CPU per comment, fork server, command, drainer, git", ms((after[1] - before[1]) / n))
    row("CPU per comment, the clients (this process)", ms(ours / n))
    # The lanes' workers (store/zygote.py) lead a session each; the drainers do not.
    workers = [pid for z in forks for pid in children(z) if leads_a_session(pid)]
    if workers:
        row(f"workers waiting afterwards, private memory median ({len(workers)})",
            f"{median([private_kib(p) for p in workers]) / 1024:8.1f} MB")
    verdict = fsck(repo)
    row("git fsck afterwards", f"{verdict:>8}")
    for failure in done.failures[:5]:
        print(f"  failure: {failure}")
    return landed == clients * count and not done.failures and verdict == "clean"


def report_side(site: Site, clients: int, count: int) -> bool:
    ok = True
    ways, skipped = side_by_side(site, clients, count)
    print(f"side by side: {clients} x {count} comments each way, one `ssh` (or local "
          f"process) per comment, {clients} at once, the ways in turns")
    for way in ways:
        found = way.found if way.found is not None else bodies(way.repo, way.prefix)
        row(f"{way.name}: landed", f"{found:8d} / {clients * count}")
        if way.latencies:
            row(f"{way.name}: median", ms(median(way.latencies)))
            row(f"{way.name}: p95", ms(percentile(way.latencies, 0.95)))
        for failure in way.failures[:3]:
            print(f"  failure: {failure}")
        ok &= found == clients * count and not way.failures
    if skipped:
        print(f"  ssh -> sshd + Unix accounts: skipped ({skipped})")
    by = {way.name: way for way in ways}
    serve = by["ssh -> proposal serve"]
    for other in ("ssh -> sshd + Unix accounts", "local proposal comment"):
        theirs = by[other].latencies if other in by else []
        if serve.latencies and theirs:
            row(f"ratio serve / {other.split(' -> ')[-1]}, median, p95",
                f"{median(serve.latencies) / median(theirs):8.2f}  "
                f"{percentile(serve.latencies, 0.95) / percentile(theirs, 0.95):.2f}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true",
                        help="5 sessions x 6 keys, 4 x 3 commands, for the test suite")
    parser.add_argument("--sessions", type=int)
    parser.add_argument("--keys", type=int, help="arrow keys per session, one a second")
    parser.add_argument("--clients", type=int)
    parser.add_argument("--comments", type=int, help="comments per client")
    parser.add_argument("--only", choices=("interactive", "commands", "side"),
                        help="run only this part (the others are skipped)")
    args = parser.parse_args()
    sessions = args.sessions or (5 if args.small else 50)
    keys = args.keys or (6 if args.small else 20)
    clients = args.clients or (4 if args.small else 20)
    count = args.comments or (3 if args.small else 25)
    parts = {"interactive", "commands", "side"} if args.only is None else {args.only}
    for tool in ("ssh", "ssh-keygen", "git"):
        if shutil.which(tool) is None:
            print(f"bench_ssh: skipped, {tool} is not installed (0 figures)")
            return 0
    base = Path(tempfile.mkdtemp(prefix="proposal-bench-ssh-"))
    base.chmod(0o755)
    ok = True
    try:
        site = build(base, max(sessions if "interactive" in parts else 0, clients))
        print(f"proposal serve on 127.0.0.1, demo proposal, {os.cpu_count()} cores, "
              "clients on the same machine")
        if parts & {"interactive", "commands"}:
            repo = site.bare("bid")
            start_server(site, repo, max_sessions=sessions + clients + 8)
            try:
                if "interactive" in parts:
                    ok &= report_interactive(site, sessions, keys)
                if "commands" in parts:
                    ok &= report_commands(site, repo, clients, count)
            finally:
                code = stop_server(site)
            row("server exit status on SIGTERM", f"{code:8d}")
            leftover = children(site.proc.pid) if site.proc else []
            ok &= code == 0 and not leftover
        if "side" in parts:
            ok &= report_side(site, clients, count)
        return 0 if ok else 1
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
