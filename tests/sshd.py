"""A real OpenSSH server on 127.0.0.1 for the tests, set up like the shared review server.

What it builds (all removed afterwards): a Unix group and one Unix account per person (made by
`useradd`, unlocked with `usermod -p '*'` because sshd with UsePAM=no refuses locked accounts
even with a valid key), a host key and a user key made for the test, an sshd on a free port
with public-key login only, and a `proposal` launcher every account can run. It needs root
(accounts, privilege separation); without root or sshd the SSH tests skip, saying why.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def why_no_sshd() -> str | None:
    """The reason the SSH tests cannot run here, or None when they can."""
    if not Path(SSHD).exists():
        return "sshd is not installed (tests/setup_machine.sh installs it when run as root)"
    if shutil.which("ssh") is None:
        return "the ssh client is not installed"
    if os.geteuid() != 0:
        return "the SSH tests create Unix accounts and start sshd: they need root"
    for tool in ("useradd", "usermod", "userdel", "groupadd", "groupdel", "runuser"):
        if shutil.which(tool) is None:
            return f"{tool} is missing"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), check=True, capture_output=True, text=True)


@dataclass
class SshServer:
    """sshd plus the accounts; ``ssh(user, command)`` runs one command as that person."""

    base: Path
    port: int
    group: str
    users: list[str] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def key(self) -> Path:
        return self.base / "user_key"

    @property
    def launcher(self) -> Path:
        return self.base / "bin" / "proposal"

    @property
    def python(self) -> Path:
        return self.base / "bin" / "python"

    def ssh_args(self, user: str, tty: bool = False) -> list[str]:
        return ["ssh", "-F", "/dev/null", "-p", str(self.port), "-i", str(self.key),
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes",
                "-o", f"UserKnownHostsFile={self.base / 'known_hosts'}",
                "-o", "LogLevel=ERROR", *(["-tt"] if tty else ["-T"]), f"{user}@127.0.0.1"]

    def git_ssh_command(self) -> str:
        return " ".join(shlex.quote(a) for a in self.ssh_args("x")[:-2] if a != "-T")

    def ssh(self, user: str, *command: str, input: str | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run ``command`` (an argument list, quoted for the remote shell) as ``user``."""
        remote = " ".join(shlex.quote(c) for c in command)
        return subprocess.run([*self.ssh_args(user), remote], input=input, text=True,
                              capture_output=True, timeout=timeout)

    def add_user(self, name: str) -> str:
        """A real account in the review group, allowed in with the test key only."""
        _run("useradd", "--create-home", "--shell", "/bin/sh", "--gid", self.group, name)
        self.users.append(name)
        _run("usermod", "-p", "*", name)  # no password, but no longer "locked" for sshd
        keys = self.base / "authorized_keys"
        (keys / name).write_text((self.base / "user_key.pub").read_text(), encoding="utf-8")
        (keys / name).chmod(0o644)
        return name

    def trust_repository(self, user: str, repo: Path) -> None:
        """safe.directory for this account (a server sets it once in the system config)."""
        home = Path(os.path.expanduser(f"~{user}"))
        config = home / ".gitconfig"
        config.write_text(f"[safe]\n\tdirectory = {repo}\n", encoding="utf-8")
        shutil.chown(config, user, self.group)

    def share(self, path: Path) -> None:
        """Group-own a folder tree, as `git init --shared=group` plus chgrp would."""
        _run("chgrp", "-R", self.group, str(path))
        _run("chmod", "-R", "g+rwX", str(path))
        _run("find", str(path), "-type", "d", "-exec", "chmod", "g+s", "{}", "+")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
            if self.proc.poll() is None:
                self.proc.kill()
        for user in self.users:  # --force: even if a session of it is still closing
            subprocess.run(["userdel", "--force", "--remove", user], capture_output=True)
        subprocess.run(["groupdel", self.group], capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)


def _python_for(user: str, base: Path) -> Path | None:
    """A Python the account can run that imports proposal_tui and its dependencies. The venv's
    own interpreter may sit under root's private home (pyenv), so fall back to the system
    python of the same version with the venv's site-packages on the path."""
    site = next((Path(p) for p in sys.path if p.endswith("site-packages")
                 and Path(p).is_dir()), None)
    candidates = [Path(sys.executable), Path(f"/usr/bin/python{sys.version_info[0]}."
                                              f"{sys.version_info[1]}"), Path("/usr/bin/python3")]
    for exe in candidates:
        wrapper = base / "bin" / "python"
        paths = ":".join(str(p) for p in (ROOT, site) if p)
        wrapper.write_text(f"#!/bin/sh\nPYTHONPATH={shlex.quote(paths)} exec "
                           f"{shlex.quote(str(exe))} \"$@\"\n", encoding="utf-8")
        wrapper.chmod(0o755)
        probe = subprocess.run(["runuser", "-u", user, "--", str(wrapper), "-c",
                                "import proposal_tui.cli.main, textual, tomlkit"],
                               capture_output=True, text=True, cwd="/")
        if probe.returncode == 0:
            return wrapper
    return None


@contextlib.contextmanager
def ssh_server(people: list[str]) -> Iterator[SshServer]:
    """Accounts named after ``people`` (plus a random suffix, returned in ``users``)."""
    reason = why_no_sshd()
    if reason:
        pytest.skip(reason)
    tag = secrets.token_hex(3)
    base = Path(tempfile.mkdtemp(prefix="proposal-sshd-"))
    base.chmod(0o755)
    server = SshServer(base=base, port=free_port(), group=f"ptrev{tag}")
    try:
        _run("groupadd", server.group)
        (base / "bin").mkdir(mode=0o755)
        (base / "authorized_keys").mkdir(mode=0o755)
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(base / "host_key"))
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(server.key))
        for person in people:
            server.add_user(f"{person}-{tag}")
        python = _python_for(server.users[0], base)
        if python is None:
            pytest.skip("no Python interpreter the test accounts may run can import "
                        "proposal_tui (the venv's interpreter is private to root)")
        server.launcher.write_text(
            f"#!/bin/sh\nexec {shlex.quote(str(python))} -m proposal_tui \"$@\"\n",
            encoding="utf-8")
        server.launcher.chmod(0o755)
        host_pub = (base / "host_key.pub").read_text().split()
        (base / "known_hosts").write_text(f"[127.0.0.1]:{server.port} {host_pub[0]} "
                                          f"{host_pub[1]}\n", encoding="utf-8")
        config = base / "sshd_config"
        config.write_text("\n".join([
            f"Port {server.port}", "ListenAddress 127.0.0.1", f"HostKey {base / 'host_key'}",
            f"PidFile {base / 'sshd.pid'}", "UsePAM no", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "PubkeyAuthentication yes",
            "PermitRootLogin no", f"AllowGroups {server.group}",
            f"AuthorizedKeysFile {base / 'authorized_keys'}/%u",
            "StrictModes no",  # the test folders live under /tmp (world-writable, sticky)
            "AcceptEnv LANG LC_* COLORTERM TEXTUAL_*", "PermitUserEnvironment no",
            "MaxStartups 100:30:200",  # the default 10:30:100 drops a review-day burst
            "PrintMotd no", "LogLevel VERBOSE", ""]), encoding="utf-8")
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation folder
        _run(SSHD, "-t", "-f", str(config))
        log = open(base / "sshd.log", "wb")  # noqa: SIM115 - kept open for sshd's lifetime
        server.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log,
                                       stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            probe = server.ssh(server.users[0], "true", timeout=15)
            if probe.returncode == 0:
                break
            if time.monotonic() > deadline or server.proc.poll() is not None:
                raise RuntimeError(f"sshd did not accept the test key: {probe.stderr}\n"
                                   + (base / "sshd.log").read_text("utf-8", "replace"))
            time.sleep(0.2)
        yield server
    finally:
        server.stop()
