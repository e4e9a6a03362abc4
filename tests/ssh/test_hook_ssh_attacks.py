"""Attacks on the server side, tried over a real OpenSSH server with real Unix accounts.

The set-up follows the README's server steps: a group-shared bare repository (hooks/ and
config kept writable by the owner only), the pre-receive hook, one shell account per person,
and one shared account locked down with the shipped gate (`proposal gate` as the forced
command of its key, `PROPOSAL_PUSHER` naming the person behind that key).
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.command import run
from tests.fixtures import make_proposal
from tests.gitutil import author_env, git
from tests.sshd import SshServer, ssh_server


@dataclass
class Site:
    server: SshServer
    repo: Path
    manager: str
    writer: str  # has a shell, like "helen" in the report
    reviewer: str
    gated: str  # the shared account whose key is forced through `proposal gate`
    tom: str = "tom"  # the writer behind the gated key (no account of his own)

    def env(self) -> dict[str, str]:
        return {**os.environ, "GIT_SSH_COMMAND": self.server.git_ssh_command()}

    def url(self, user: str) -> str:
        return f"ssh://{user}@127.0.0.1:{self.server.port}{self.repo}"


def _people(entries: list[tuple[str, str]]) -> str:
    return "".join(f'[[people]]\nhandle = "{h}"\nname = "{h.title()}"\nemail = '
                   f'"{h}@example.com"\nrole = "{r}"\n\n' for h, r in entries)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with ssh_server(["man", "wri", "rev", "gat"]) as server:
        manager, writer, reviewer, gated = server.users
        work = make_proposal(tmp_path_factory.mktemp("attack"))
        toml = work / "proposal.toml"
        people = _people([(manager, "manager"), (writer, "writer"), (reviewer, "reviewer"),
                          ("tom", "writer")])
        text = toml.read_text().replace("[[milestones]]", people + "[[milestones]]", 1)
        text = text.replace('owner = "wes"', f'owner = "{writer}"')
        toml.write_text(text.replace('owner = "val"', 'owner = "tom"'))
        git(work, "commit", "-qam", "Remote people")
        repo = server.base / "srv" / "proposal.git"
        repo.parent.mkdir()
        git(repo.parent, "clone", "-q", "--bare", "--no-local", str(work), str(repo))
        git(repo, "config", "core.sharedRepository", "group")
        git(repo, "config", "proposal.gateAccounts", gated)
        server.share(repo.parent)
        (repo / "config").chmod(0o644)  # README step 3: config and hooks/ stay the owner's
        res = run("--repo", str(repo), "install-hook", "--python", str(server.python))
        assert res.code == 0, res.err
        if (repo / "proposal-tui").exists():  # caches made by root here (item 6 is apart)
            server.share(repo / "proposal-tui")
        for user in server.users:
            server.trust_repository(user, repo)
        forced = (f"env PROPOSAL_PUSHER=tom {shlex.quote(str(server.launcher))} --repo "
                  f"{shlex.quote(str(repo))} gate")
        keys = server.base / "authorized_keys" / gated
        keys.write_text(f'command="{forced}",no-port-forwarding,no-agent-forwarding,'
                        f'no-X11-forwarding {keys.read_text()}', encoding="utf-8")
        yield Site(server, repo, manager, writer, reviewer, gated)


def ssh_clone(site: Site, user: str, dest: Path) -> Path:
    proc = subprocess.run(["git", "clone", "-q", site.url(user), str(dest)], env=site.env(),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    git(dest, "config", "user.email", f"{user}@example.com")
    git(dest, "config", "user.name", user)
    return dest


def ssh_push(site: Site, clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "push", *args], cwd=clone, env=site.env(),
                          capture_output=True, text=True)


def main_tip(site: Site) -> str:
    return git(site.repo, "rev-parse", "main").strip()


def test_pusher_cannot_name_themselves_through_receive_pack(site: Site, tmp_path: Path) -> None:
    """Item 4: `--receive-pack='env PROPOSAL_PUSHER=<manager> git-receive-pack'` made a
    writer with a shell the manager. The pusher is the authenticated account."""
    clone = ssh_clone(site, site.writer, tmp_path / "w")
    toml = clone / "proposal.toml"
    toml.write_text(toml.read_text().replace('owner = "tom"', f'owner = "{site.writer}"'))
    git(clone, "commit", "-qam", "grab the approach",
        env=author_env(site.writer, f"{site.writer}@example.com"))
    before = main_tip(site)
    proc = ssh_push(site, clone, f"--receive-pack=env PROPOSAL_PUSHER={site.manager} "
                    "git-receive-pack", "origin", "main")
    assert proc.returncode != 0, proc.stderr
    assert f"permission denied: {site.writer} (writer) may only change the status" in \
        proc.stderr
    assert main_tip(site) == before


def gated(site: Site, *command: str) -> subprocess.CompletedProcess[str]:
    """`ssh gated-account -- COMMAND`: sshd puts COMMAND in SSH_ORIGINAL_COMMAND."""
    return subprocess.run([*site.server.ssh_args(site.gated), "--",
                           " ".join(shlex.quote(c) for c in command)], text=True,
                          capture_output=True, timeout=60)


def test_the_gate_fixes_who_acts(site: Site) -> None:
    """Item 1: through the gated key, `--as` made tom anybody, and install-hook replaced the
    hook. Now tom is tom: other names are refused, and the hook is the owner's."""
    hook = site.repo / "hooks" / "pre-receive"
    ours = hook.read_text()
    before = main_tip(site)
    for command in (["--as", site.manager, "assign", "approach", "tom"],
                    ["--as", site.manager, "round", "start", "Pink Team"],
                    ["install-hook", "--force", "--python", "/bin/true"],
                    ["env", f"PROPOSAL_PUSHER={site.manager}", "proposal", "status"]):
        res = gated(site, *command)
        assert res.returncode == 3, (command, res.stderr)
        assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert hook.read_text() == ours and main_tip(site) == before
    assert git(site.repo, "tag", "--list").strip() == ""
    res = gated(site, "comment", "summary", "-m", "tom's note; $HOME stays")
    assert res.returncode == 0 and res.stdout.rstrip().endswith("as tom"), res.stderr


def test_pushes_through_the_gate_are_toms(site: Site, tmp_path: Path) -> None:
    clone = ssh_clone(site, site.gated, tmp_path / "t")  # upload-pack through the gate
    toml = clone / "proposal.toml"
    toml.write_text(toml.read_text().replace(f'owner = "{site.writer}"', 'owner = "tom"'))
    git(clone, "commit", "-qam", "grab the summary", env=author_env("Tom", "tom@example.com"))
    proc = ssh_push(site, clone, "origin", "main")
    assert proc.returncode != 0 and "permission denied: tom (writer) may only change" in \
        proc.stderr
    proc = ssh_push(site, clone, f"--receive-pack=env PROPOSAL_PUSHER={site.manager} "
                    "git-receive-pack", "origin", "main")
    assert proc.returncode != 0 and "'env' is not a proposal command" in proc.stderr
    git(clone, "reset", "-q", "--hard", "HEAD~1")
    (clone / "sections" / "approach.md").write_text("# Approach\n\nby tom\n")
    git(clone, "commit", "-qam", "approach", env=author_env("Tom", "tom@example.com"))
    proc = ssh_push(site, clone, "origin", "main")
    assert proc.returncode == 0, proc.stderr  # the approach is tom's
