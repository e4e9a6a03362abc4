"""`proposal serve` against the real OpenSSH client on 127.0.0.1: people known by their keys.

A demo proposal gets keys for ana (manager) and helen (reviewer), made by ssh-keygen, and is
served bare. Every test talks to the server the way a person would (ssh, git over ssh://,
ssh -t in tmux) and checks what landed in the repository, not what the server says.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from proposal_tui.domain.comments import event_path, make_event, to_json
from tests.sshkeys import fingerprint, keygen
from tests.tmux import wait_for_screen

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.skipif(not (shutil.which("ssh") and shutil.which("ssh-keygen")),
                       reason="the OpenSSH client (ssh, ssh-keygen) is not installed"),
]

SSH_OPTIONS = ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o",
               "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o",
               "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=20"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    base: Path
    bare: Path
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def key(self, who: str) -> Path:
        return self.base / f"{who}_key"

    def ssh_argv(self, who: str, *extra: str) -> list[str]:
        return ["ssh", *SSH_OPTIONS, "-p", str(self.port), "-i", str(self.key(who)),
                *extra, "anyname@127.0.0.1"]

    def ssh(self, who: str, command: str | None, *extra: str, timeout: float = 60,
            stdin: str = "") -> subprocess.CompletedProcess[str]:
        argv = self.ssh_argv(who, *extra) + (["--", command] if command is not None else [])
        return subprocess.run(argv, capture_output=True, text=True, input=stdin,
                              timeout=timeout)

    def git_ssh(self, who: str) -> dict[str, str]:
        command = " ".join(["ssh", *SSH_OPTIONS, "-i", str(self.key(who))])
        return {**os.environ, "GIT_SSH_COMMAND": command}

    @property
    def url(self) -> str:
        return f"ssh://anyname@127.0.0.1:{self.port}/{self.bare.name.removesuffix('.git')}"

    def refs(self) -> str:
        return git(self.bare, "for-each-ref")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def git(cwd: Path, *args: str, env: dict[str, str] | None = None,
        check: bool = True) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)
    if check and proc.returncode:
        raise AssertionError(f"git {args}: {proc.stderr}")
    return proc.stdout + proc.stderr


def proposal(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "proposal_tui", *args], capture_output=True,
                          text=True, cwd=cwd)


def key_line(folder: Path, name: str) -> str:
    return keygen(folder, name).with_suffix(".pub").read_text().strip()


def start_server(base: Path, bare: Path, *options: str) -> Served:
    port = free_port()
    log = base / f"serve-{port}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "proposal_tui", "serve", "--listen", f"127.0.0.1:{port}",
             "--host-key", str(base / "host_key"), *options, str(bare)],
            stdout=subprocess.DEVNULL, stderr=err)
    served = Served(base, bare, port, proc, log)
    deadline = time.monotonic() + 30
    while "listening on" not in served.log_text():
        assert proc.poll() is None, served.log_text()
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    return served


def stop_server(served: Served) -> None:
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=30) == 0, served.log_text()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo proposal whose ana and helen hold keys, cloned bare as bid.git."""
    base = tmp_path_factory.mktemp("serve")
    work = base / "work"
    assert proposal("demo", str(work)).returncode == 0
    manifest = (work / "proposal.toml").read_text()
    for who in ("ana", "helen"):
        line = key_line(base, f"{who}_key")
        manifest = manifest.replace(f'handle = "{who}"\n',
                                    f'handle = "{who}"\nkeys = ["{line}"]\n', 1)
    keygen(base, "stranger_key")
    (work / "proposal.toml").write_text(manifest)
    git(work, "commit", "-qam", "People's keys")
    git(base, "clone", "-q", "--bare", str(work), "bid.git")
    return base


@pytest.fixture(scope="module")
def server(base: Path) -> Iterator[Served]:
    served = start_server(base, base / "bid.git")
    yield served
    stop_server(served)


def test_the_host_key_is_made_private_and_its_fingerprint_printed(server: Served) -> None:
    key = server.base / "host_key"
    assert key.stat().st_mode & 0o777 == 0o600
    printed = fingerprint(key)
    assert f"host key {printed}" in server.log_text()


def test_a_reviewer_comments_and_the_comment_is_theirs(server: Served) -> None:
    done = server.ssh("helen", "comment exec-summary -m 'Tighten the opening, said helen'")
    assert done.returncode == 0, done.stderr
    listed = proposal("--repo", str(server.bare), "comments", "--json")
    mine = [c for c in json.loads(listed.stdout) if c["body"] == "Tighten the opening, said helen"]
    assert [c["author"] for c in mine] == ["helen"]
    assert f"helen {fingerprint(server.key('helen'))}" in server.log_text()
    assert "comment exec-summary" in server.log_text()


@pytest.mark.parametrize("command, code", [
    ("--as ana assign exec-summary helen", 3),
    ("proposal --as=ana assign exec-summary helen", 3),
    ("--a ana assign exec-summary helen", 3),          # argparse would take the abbreviation
    ("assign exec-summary helen", 3),                   # a reviewer may not assign
    ("--repo /tmp status", 2),
    ("comment exec-summary -m x --as ana", 2),          # argparse: not an option here
])
def test_a_reviewer_cannot_act_as_someone_else_nor_assign(server: Served, command: str,
                                                           code: int) -> None:
    before = server.refs()
    done = server.ssh("helen", command)
    assert done.returncode == code, (done.stdout, done.stderr)
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert server.refs() == before


def test_client_environment_and_user_name_change_nothing(server: Served) -> None:
    env = {**os.environ, "PROPOSAL_USER": "ana", "PROPOSAL_PUSHER": "ana"}
    done = subprocess.run(
        server.ssh_argv("helen", "-o", "SendEnv=PROPOSAL_USER PROPOSAL_PUSHER")[:-1]
        + ["ana@127.0.0.1", "comment exec-summary -m 'who am I'"],
        capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    listed = json.loads(proposal("--repo", str(server.bare), "comments", "--json").stdout)
    assert [c["author"] for c in listed if c["body"] == "who am I"] == ["helen"]


def test_an_unknown_key_is_refused_at_login(server: Served) -> None:
    done = server.ssh("stranger", "status")
    assert done.returncode == 255
    assert "Permission denied (publickey)" in done.stderr
    assert "belongs to nobody" in server.log_text()


def test_passwords_are_not_offered(server: Served) -> None:
    done = subprocess.run(["ssh", *SSH_OPTIONS, "-p", str(server.port), "-o",
                           "PreferredAuthentications=password,keyboard-interactive",
                           "-o", "PubkeyAuthentication=no", "helen@127.0.0.1", "status"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 255 and "Permission denied (publickey)" in done.stderr


@pytest.mark.parametrize("command", ["sh -c id", "id", "/bin/sh", "bash -i",
                                     "git-upload-pack '/etc'", "proposal demo {out}/demo",
                                     "export -o {out}/owned.md", "bid init {out}/new"])
def test_no_shell_and_no_other_program(server: Served, command: str, tmp_path: Path) -> None:
    done = server.ssh("helen", command.format(out=tmp_path))
    assert done.returncode != 0
    assert "uid=" not in done.stdout
    assert done.stderr.strip() and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_command_with_ssh_t_runs_on_a_terminal(server: Served) -> None:
    done = subprocess.run(server.ssh_argv("helen", "-tt") + ["--", "status"],
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    assert done.returncode == 0, done.stderr
    assert b"Price/Cost Narrative" in done.stdout and b"\r\n" in done.stdout  # a terminal's


def test_a_shell_without_a_pty_is_refused(server: Served) -> None:
    done = server.ssh("helen", None, "-T")
    assert done.returncode != 0 and "no shell here" in done.stderr


def test_port_forwarding_and_subsystems_are_refused(server: Served) -> None:
    stdio = server.ssh("helen", None, "-W", "127.0.0.1:22", timeout=30)
    assert stdio.returncode != 0
    assert "forwarding failed" in stdio.stderr or "prohibited" in stdio.stderr
    remote = server.ssh("helen", None, "-N", "-o", "ExitOnForwardFailure=yes", "-R",
                        f"127.0.0.1:{free_port()}:127.0.0.1:22", timeout=30)
    assert remote.returncode != 0 and "forwarding failed" in remote.stderr
    sftp = server.ssh("helen", "sftp", "-s", timeout=30)
    assert sftp.returncode != 0 and "subsystem request failed" in sftp.stderr


def test_a_manager_clones_and_pushes_a_reviewer_may_not_change_the_plan(
        server: Served, tmp_path: Path) -> None:
    mine = tmp_path / "ana"
    git(tmp_path, "clone", "-q", server.url, str(mine), env=server.git_ssh("ana"))
    with (mine / "proposal.toml").open("a") as out:
        out.write("\n# ana was here\n")
    git(mine, "-c", "user.email=ana@x", "-c", "user.name=Ana", "commit", "-qam", "note")
    git(mine, "push", "-q", "origin", "HEAD", env=server.git_ssh("ana"))
    assert git(server.bare, "log", "-1", "--format=%s", "main").strip() == "note"
    assert "ana " in server.log_text() and "git receive-pack bid exit 0" in server.log_text()

    theirs = tmp_path / "helen"
    git(tmp_path, "clone", "-q", server.url, str(theirs), env=server.git_ssh("helen"))
    with (theirs / "proposal.toml").open("a") as out:
        out.write('\n[[people]]\nhandle = "eve"\nrole = "manager"\n')
    git(theirs, "-c", "user.email=ana@x", "-c", "user.name=Ana", "commit", "-qam", "promote")
    before = server.refs()
    pushed = subprocess.run(["git", "push", "origin", "HEAD"], cwd=theirs,
                            capture_output=True, text=True, env=server.git_ssh("helen"))
    assert pushed.returncode != 0
    assert "helen (reviewer) may not push refs/heads/main" in pushed.stderr
    assert server.refs() == before


def test_a_forged_relay_token_is_refused(server: Served, tmp_path: Path) -> None:
    """The hook folder and socket are the server's alone; even a process that reaches the
    socket gets nothing without a live token."""
    folders = [p for p in Path(os.environ.get("TMPDIR", "/tmp")).glob("proposal-serve-*")
               if (p / "push.sock").exists()]
    assert folders and all(p.stat().st_mode & 0o077 == 0 for p in folders)
    from proposal_tui.store.hook_relay import ask

    answer = ask({"token": "guess", "updates": "", "cwd": str(server.bare), "objects": {}},
                 str(folders[0] / "push.sock"), timeout=10)
    assert answer["ok"] is False


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_dashboard_over_ssh_t_shows_the_keys_person(server: Served) -> None:
    name = f"serve{server.port}"
    command = " ".join(server.ssh_argv("helen", "-t"))
    subprocess.run(["tmux", "-L", name, "new-session", "-d", "-x", "120", "-y", "40",
                    command], check=True)
    try:
        screen = wait_for_screen(name, lambda shown: "you: helen (reviewer)" in shown)
        assert "exec-summary" in screen
        subprocess.run(["tmux", "-L", name, "resize-window", "-x", "90", "-y", "30"])

        def narrowed(shown: str) -> bool:
            lines = shown.splitlines()
            return bool(lines) and max(len(line.rstrip()) for line in lines) <= 90 and \
                "you: helen (reviewer)" in lines[0]

        wait_for_screen(name, narrowed, 30)
    finally:
        subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True)
    deadline = time.monotonic() + 20
    while "dashboard bid exit" not in server.log_text():
        assert time.monotonic() < deadline, "the dashboard was not ended on disconnect"
        time.sleep(0.2)


def test_idle_sessions_end_and_too_many_are_refused(base: Path) -> None:
    served = start_server(base, base / "bid.git", "--idle-timeout", "2", "--max-sessions", "1")
    try:
        # upload-pack says its refs, then waits for the client, which says nothing
        silent = subprocess.Popen(["sleep", "60"], stdout=subprocess.PIPE)
        err = base / "idle.err"
        with err.open("wb") as into:
            waiting = subprocess.Popen(served.ssh_argv("helen") + ["git-upload-pack '/bid'"],
                                       stdin=silent.stdout, stdout=subprocess.DEVNULL,
                                       stderr=into)
        try:
            time.sleep(1.0)
            busy = served.ssh("helen", "status")
            assert busy.returncode == 1 and "busy" in busy.stderr
            assert waiting.wait(timeout=30) == 1
            assert "nothing happened for 2 s" in err.read_text()
        finally:
            silent.kill()
            silent.wait()
        assert served.ssh("helen", "status").returncode == 0
    finally:
        stop_server(served)


def test_what_the_server_writes_is_signed_and_a_hand_made_event_is_flagged(
        base: Path, tmp_path: Path) -> None:
    bare = base / "verify.git"
    git(base, "clone", "-q", "--bare", str(base / "work"), str(bare))
    served = start_server(base, bare)
    try:
        host_pub = base / "host_key.pub"
        added = proposal("--repo", str(bare), "--as", "ana", "server", "key", "add",
                         str(host_pub))
        assert added.returncode == 0, added.stderr
        said = served.ssh("helen", "comment exec-summary -m 'Signed by the server'")
        assert said.returncode == 0, said.stderr
        planned = served.ssh("ana", "set-due exec-summary 2026-12-14")
        assert planned.returncode == 0, planned.stderr
    finally:
        stop_server(served)
    checked = proposal("--repo", str(bare), "verify", "--json")
    assert checked.returncode == 0, checked.stdout
    records = json.loads(checked.stdout)["records"]
    signed = [r for r in records if r["signed"]]
    assert len(signed) == 2 and all(r["status"] == "ok" for r in signed)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"server {host_pub.read_text()}")
    for record in signed:
        assert subprocess.run(["git", "-c", f"gpg.ssh.allowedSignersFile={allowed}",
                               "verify-commit", record["commit"]], cwd=bare,
                              capture_output=True).returncode == 0

    work = tmp_path / "hand"
    git(tmp_path, "clone", "-q", "-b", "proposal-comments", str(bare), str(work))
    event = make_event("comment", "exec-summary", "helen", dt.datetime.now(dt.UTC),
                       random.Random(3), body="Approve everything, said nobody")
    path = work / event_path(event)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_json(event))
    git(work, "add", "--", event_path(event))
    git(work, "-c", "user.email=helen@example.com", "-c", "user.name=Helen", "commit", "-qm",
        "comment by helen")
    git(work, "push", "-q", "origin", "proposal-comments")
    flagged = proposal("--repo", str(bare), "verify")
    assert flagged.returncode == 1, flagged.stdout
    assert any(line.startswith("failed") and "helen" in line
               for line in flagged.stdout.splitlines())
