"""`proposal serve` runs one-line commands in children forked by its fork server
(store/zygote.py) instead of a Python start each: many at once land with distinct ids, exit
codes, stdin and stderr travel as before, and a client that goes ends the child's group.
A person's next command runs in the worker their last one left, and nobody else's does."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.ssh.test_serve_ssh import (  # noqa: F401 - base is a fixture
    Served,
    base,
    proposal,
    pytestmark,
    start_server,
    stop_server,
)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _leads_a_session(pid: int) -> bool:
    """The commands' children (lanes' workers) do; the drainers do not."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return int(fields[3]) == pid


def _drainers(zygote: int) -> list[int]:
    return [pid for pid in _children(zygote) if not _leads_a_session(pid)]


def _workers(zygote: int) -> list[int]:
    return [pid for pid in _children(zygote) if _leads_a_session(pid)]


def _running(zygote: int) -> list[int]:
    """The children running a command now: their stdin is the server's pipe (an idle
    worker's is /dev/null)."""
    running = []
    for pid in _workers(zygote):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{pid}/fd/0").startswith("pipe:"):
                running.append(pid)
    return running


def _zygote(served: Served) -> int:
    for pid in _children(served.proc.pid):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"proposal_tui.store.zygote" in cmdline and b"--dashboards" not in cmdline:
            return pid  # the commands' fork server
    raise AssertionError("the server runs no fork server")


@pytest.fixture(scope="module")
def server(base: Path):  # noqa: F811
    served = start_server(base, base / "bid.git")
    yield served
    stop_server(served)


def _comments(served: Served) -> list[dict[str, str]]:
    return json.loads(proposal("--repo", str(served.bare), "comments", "--json").stdout)


def test_ten_commands_at_once_land_with_distinct_ids(server: Served) -> None:
    _zygote(server)
    bodies = [f"forked comment {i}" for i in range(10)]
    with ThreadPoolExecutor(10) as pool:
        done = list(pool.map(lambda b: server.ssh("helen", f"comment exec-summary -m '{b}'"),
                             bodies))
    assert [d.returncode for d in done] == [0] * 10, [d.stderr for d in done]
    mine = [c for c in _comments(server) if c["body"] in bodies]
    assert sorted(c["body"] for c in mine) == sorted(bodies)
    assert len({c["id"] for c in mine}) == 10
    assert {c["author"] for c in mine} == {"helen"}
    assert "starting the command as a process" not in server.log_text()


def test_exit_code_stderr_and_stdin_are_relayed(server: Served) -> None:
    refused = server.ssh("helen", "assign exec-summary helen")  # the CLI refuses, not the server
    assert refused.returncode == 3, refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("proposal: ")
    bad = server.ssh("helen", "comment no-such-section -m x")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    typed = server.ssh("helen", "comment exec-summary -m -", stdin="from stdin, é\n")
    assert typed.returncode == 0, typed.stderr
    assert [c["author"] for c in _comments(server)
            if c["body"] == "from stdin, é\n"] == ["helen"]
    status = server.ssh("helen", "status")
    assert status.returncode == 0 and status.stdout.strip(), status.stderr


def test_a_client_gone_mid_command_ends_the_childs_group(server: Served) -> None:
    zygote = _zygote(server)
    assert not _running(zygote)

    def commands() -> list[int]:
        return _running(zygote)

    silent = subprocess.Popen(["sleep", "60"], stdout=subprocess.PIPE)
    try:
        client = subprocess.Popen(server.ssh_argv("helen") + ["comment exec-summary -m -"],
                                  stdin=silent.stdout, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not (children := commands()):
            assert client.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        client.kill()
        client.wait()
        deadline = time.monotonic() + 15
        while any(Path(f"/proc/{pid}").exists() for pid in children) or commands():
            assert time.monotonic() < deadline, "the forked command outlived its client"
            time.sleep(0.1)
    finally:
        silent.kill()
        silent.wait()
    assert not [c for c in _comments(server) if c["body"] == ""]


def test_a_killed_drainer_loses_no_comment(server: Served) -> None:
    """The drainer only saves processes: killed (its socket left behind), the commands
    drain the spool themselves and every comment lands."""
    drainers = _drainers(_zygote(server))
    assert len(drainers) == 1, drainers
    os.kill(drainers[0], signal.SIGKILL)
    bodies = [f"after the drainer {i}" for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(lambda b: server.ssh("helen", f"comment exec-summary -m '{b}'"),
                             bodies))
    assert [d.returncode for d in done] == [0] * 4, [d.stderr for d in done]
    assert sorted(c["body"] for c in _comments(server) if c["body"] in bodies) == bodies


def test_a_persons_next_command_runs_in_their_worker_and_nobody_elses_does(
        server: Served) -> None:
    """The second of helen's commands costs no fork: it runs in the worker her first one
    left (the same process, now between commands). ana's command never runs there: she gets
    a worker of her own, and each comment is its author's."""
    zygote = _zygote(server)
    first = server.ssh("helen", "comment exec-summary -m 'lane one'")
    assert first.returncode == 0, first.stderr
    helens = set(_workers(zygote))
    assert helens, "no worker waits after helen's command"
    again = server.ssh("helen", "comment exec-summary -m 'lane two'")
    assert again.returncode == 0, again.stderr
    assert set(_workers(zygote)) == helens
    theirs = server.ssh("ana", "comment exec-summary -m 'lane three'")
    assert theirs.returncode == 0, theirs.stderr
    anas = set(_workers(zygote)) - helens
    assert len(anas) == 1 and helens <= set(_workers(zygote))
    authors = {c["body"]: c["author"] for c in _comments(server)}
    assert [authors[f"lane {n}"] for n in ("one", "two", "three")] == ["helen", "helen", "ana"]
    refused = server.ssh("helen", "assign exec-summary helen")  # her worker, as before
    assert refused.returncode == 3 and "ana" not in refused.stderr, refused.stderr


def test_a_worker_that_died_between_commands_costs_nothing(server: Served) -> None:
    """Killed while it waited, its lane's next command is forked afresh and lands."""
    zygote = _zygote(server)
    warmed = server.ssh("helen", "comment exec-summary -m 'before the kill'")
    assert warmed.returncode == 0, warmed.stderr
    for pid in _workers(zygote):
        os.kill(pid, signal.SIGKILL)
    after = server.ssh("helen", "comment exec-summary -m 'after the kill'")
    assert after.returncode == 0, after.stderr
    assert "after the kill" in {c["body"] for c in _comments(server)}
    assert _workers(zygote), "the fresh child waits as the lane's worker"


def test_a_dashboard_is_forked_on_its_own_terminal_and_ends_with_its_session(
        server: Served) -> None:
    """`ssh -t` gets a dashboard forked by the dashboards' fork server (no Python start-up):
    a session leader whose controlling terminal is the session's pty (so resizes reach it,
    see test_serve_ssh's tmux test); the client gone, it is gone."""
    forker = next(pid for pid in _children(server.proc.pid)
                  if b"--dashboards" in Path(f"/proc/{pid}/cmdline").read_bytes())
    client = subprocess.Popen(server.ssh_argv("helen", "-tt"), stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (forked := _children(forker)):
            assert client.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        (dashboard,) = forked
        fields = Path(f"/proc/{dashboard}/stat").read_text().rsplit(")", 1)[1].split()
        assert int(fields[3]) == dashboard and int(fields[4]) != 0  # session, tty
        assert os.readlink(f"/proc/{dashboard}/fd/0").startswith("/dev/pts/")
    finally:
        client.kill()
        client.wait()
    deadline = time.monotonic() + 20
    while Path(f"/proc/{dashboard}").exists():
        assert time.monotonic() < deadline, "the dashboard outlived its client"
        time.sleep(0.1)
    assert "starting the dashboard as a process" not in server.log_text()


def test_a_comment_costs_few_processes(base: Path, tmp_path: Path,  # noqa: F811
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """What a forked comment starts (git and ssh-keygen logged by wrappers first on PATH):
    no process at all. No ssh-keygen (the host key signs in-process); none of the questions
    whose answers never change while the server runs (where the repository is, git's
    user.email that the server itself sets), nor of those the fork server answers before
    each fork (the manifest, the review rounds); and the commit itself is made by the
    repository's drainer (store/drainer.py): one ``update-ref`` per batch, and one
    ``cat-file`` for its whole life."""
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "started.log"
    for program in ("git", "ssh-keygen"):
        real = shutil.which(program)
        wrapper = folder / program
        wrapper.write_text(f'#!/bin/sh\necho "$PPID {program} $*" >> {log}\nexec {real} "$@"\n')
        wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    served = start_server(base, base / "bid.git")
    try:
        zygote = _zygote(served)
        drainers = {str(pid) for pid in _drainers(zygote)}
        assert len(drainers) == 1, drainers
        log.write_text("")
        for n in range(2):
            done = served.ssh("helen", f"comment exec-summary -m 'counted {n}'")
            assert done.returncode == 0, done.stderr
    finally:
        stop_server(served)
    started = [line.split(" ", 1) for line in log.read_text().splitlines()]
    by_command = [s for parent, s in started
                  if parent not in {str(served.proc.pid), str(zygote), *drainers}]
    assert by_command == [], by_command
    by_drainer = sorted(" ".join(s.split(" ", 2)[:2]) for parent, s in started
                        if parent in drainers)
    assert by_drainer == ["git cat-file", "git update-ref", "git update-ref"], started


def test_the_next_command_sees_a_new_plan_and_a_new_round(base: Path,  # noqa: F811
                                                          tmp_path: Path) -> None:
    """The fork server keeps the manifest and the review rounds by the refs they come from
    (store/ref_files.py): a plan pushed meanwhile, or a round started meanwhile, is what the
    very next command sees, never what an earlier one saw."""
    bare = base / "plan.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(base / "work"), str(bare)], check=True)
    served = start_server(base, bare)
    try:
        before = served.ssh("helen", "comment exec-summary -m 'before the change'")
        assert before.returncode == 0, before.stderr
        unknown = served.ssh("helen", "comment late-notes -m 'too early'")
        assert unknown.returncode == 2 and "unknown section" in unknown.stderr, unknown.stderr
        clone = tmp_path / "clone"
        subprocess.run(["git", "clone", "-q", str(bare), str(clone)], check=True)
        with (clone / "proposal.toml").open("a") as manifest:
            manifest.write('\n[[sections]]\nid = "late-notes"\ntitle = "Late notes"\n'
                           'file = "sections/99-late-notes.md"\nowner = "ana"\n')
        for args in (["commit", "-qam", "A late section"], ["push", "-q", "origin", "HEAD"]):
            subprocess.run(["git", *args], cwd=clone, check=True, capture_output=True)
        started = proposal("--repo", str(bare), "--as", "ana", "round", "start", "red")
        assert started.returncode == 0, started.stderr
        after = served.ssh("helen", "comment late-notes -m 'after the change'")
        assert after.returncode == 0, after.stderr
    finally:
        stop_server(served)
    listed = json.loads(proposal("--repo", str(bare), "comments", "--json").stdout)
    rounds = {c["body"]: (c["section"], c["round"]) for c in listed}
    assert rounds["before the change"] == ("exec-summary", None)
    assert rounds["after the change"] == ("late-notes", "red")
