"""Reviewers over SSH, for real: an OpenSSH server on 127.0.0.1, one Unix account per
person, a group-shared bare repository, and `proposal` typed as one SSH command line."""

from __future__ import annotations

import json
import os
import select
import shlex
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from proposal_tui.store.comments import COMMENTS_REF
from tests.command import run
from tests.fixtures import make_proposal
from tests.gitutil import git
from tests.sshd import SshServer, ssh_server


@dataclass
class Site:
    server: SshServer
    repo: Path  # the shared bare repository on the "server"
    reviewer: str  # Unix login == handle in proposal.toml
    writer: str


def _people(reviewer: str, writer: str) -> str:
    return "".join(f'\n[[people]]\nhandle = "{h}"\nname = "{n}"\nemail = "{h}@example.com"\n'
                   f'role = "{r}"\n' for h, n, r in ((reviewer, "Remote Reviewer", "reviewer"),
                                                     (writer, "Remote Writer", "writer")))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with ssh_server(["rev", "wri"]) as server:
        reviewer, writer = server.users
        work = make_proposal(tmp_path_factory.mktemp("ssh"))
        toml = work / "proposal.toml"
        text = toml.read_text().replace("[[milestones]]", _people(reviewer, writer).lstrip()
                                        + "\n[[milestones]]", 1)
        toml.write_text(text.replace('owner = "val"', f'owner = "{writer}"'))
        git(work, "commit", "-qam", "Remote people")
        repo = server.base / "srv" / "proposal.git"
        repo.parent.mkdir()
        git(repo.parent, "clone", "-q", "--bare", "--no-local", str(work), str(repo))
        git(repo, "config", "core.sharedRepository", "group")
        server.share(repo.parent)
        for user in server.users:
            server.trust_repository(user, repo)
        yield Site(server, repo, reviewer, writer)


def threads(site: Site) -> list[dict]:
    res = run("--repo", str(site.repo), "comments", "--json")
    assert res.code == 0, res.err
    return res.json()


def remote(site: Site, user: str, *args: str, input: str | None = None
           ) -> subprocess.CompletedProcess[str]:
    return site.server.ssh(user, str(site.server.launcher), "--repo", str(site.repo), *args,
                           input=input)


def test_reviewer_comments_with_one_ssh_command(site: Site) -> None:
    body = "Cite the SLA 'exactly'; $HOME and * stay literal"
    res = remote(site, site.reviewer, "comment", "approach", "-m", body, "--quote",
                 "Drones see cracks", "--kind", "must-fix")
    assert res.returncode == 0, res.stderr
    cid = res.stdout.split()[1]
    assert res.stdout.strip() == f"commented {cid} on approach as {site.reviewer}"
    (item,) = [t for t in threads(site) if t["id"] == cid]
    assert (item["author"], item["body"], item["kind"]) == (site.reviewer, body, "must-fix")
    assert item["anchor"]["quote"] == "Drones see cracks"
    author = git(site.repo, "log", "-1", "--format=%an <%ae>", COMMENTS_REF).strip()
    assert author == f"Remote Reviewer <{site.reviewer}@example.com>"
    # Text from stdin, and a listing, over the same kind of session.
    res = remote(site, site.reviewer, "reply", cid, "-m", "-", input="more\nlines\n")
    assert res.returncode == 0, res.stderr
    listing = remote(site, site.reviewer, "comments", "--mine", "--json")
    assert listing.returncode == 0, listing.stderr
    (mine,) = [t for t in json.loads(listing.stdout) if t["id"] == cid]
    assert mine["replies"][0]["body"] == "more\nlines\n"


def test_roles_hold_over_ssh(site: Site) -> None:
    res = remote(site, site.writer, "comment", "summary", "-m", "writer's note")
    assert res.returncode == 0, res.stderr
    cid = res.stdout.split()[1]
    res = remote(site, site.reviewer, "resolve", cid)
    assert res.returncode == 3 and res.stderr.startswith("proposal: permission denied: "), \
        res.stderr
    res = remote(site, site.reviewer, "set-status", "summary", "approved")
    assert res.returncode == 3, res.stderr
    res = site.server.ssh(site.reviewer, "env", "PROPOSAL_USER=nobody-here",
                          str(site.server.launcher), "--repo", str(site.repo), "comment",
                          "summary", "-m", "x")
    assert res.returncode == 2 and "unknown person 'nobody-here'" in res.stderr
    assert "Traceback" not in res.stderr


def test_many_sessions_at_once_lose_nothing(site: Site) -> None:
    before = len(threads(site))

    def one(i: int) -> subprocess.CompletedProcess[str]:
        user = site.reviewer if i % 2 else site.writer
        return remote(site, user, "comment", "staffing", "-m", f"burst {i}")

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(one, range(12)))
    assert [r.returncode for r in results] == [0] * 12, [r.stderr for r in results]
    assert not any("index.lock" in r.stderr for r in results)
    bodies = [t["body"] for t in threads(site)]
    assert len(bodies) == before + 12
    assert sorted(b for b in bodies if b.startswith("burst")) == \
        sorted(f"burst {i}" for i in range(12))
    # Everything the accounts wrote stays writable by the group (core.sharedRepository).
    ref = site.repo / "refs" / "heads" / "proposal-comments"
    assert ref.stat().st_mode & 0o060 == 0o060


def test_pushes_over_ssh_are_checked_by_the_hook(site: Site, tmp_path: Path) -> None:
    res = run("--repo", str(site.repo), "install-hook", "--force", "--python",
              str(site.server.python))
    assert res.code == 0, res.err
    env = {**os.environ, "GIT_SSH_COMMAND": site.server.git_ssh_command()}
    url = f"ssh://{site.reviewer}@127.0.0.1:{site.server.port}{site.repo}"
    clone = tmp_path / "clone"
    proc = subprocess.run(["git", "clone", "-q", url, str(clone)], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    res = run("--repo", str(clone), "--as", site.reviewer, "comment", "summary", "-m",
              "made offline", env={"GIT_SSH_COMMAND": env["GIT_SSH_COMMAND"]})
    assert res.code == 0, res.err
    res = run("--repo", str(clone), "sync", env={"GIT_SSH_COMMAND": env["GIT_SSH_COMMAND"]})
    assert res.code == 0 and "1 sent" in res.out, res.err
    assert "made offline" in [t["body"] for t in threads(site)]
    (clone / "sections" / "summary.md").write_text("rewritten by a reviewer\n")
    git(clone, "commit", "-qam", "not allowed")
    proc = subprocess.run(["git", "push", "origin", "main"], cwd=clone, env=env,
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert f"permission denied: {site.reviewer} (reviewer) may not push refs/heads/main" in \
        proc.stderr


def test_tui_over_ssh_comment_with_keystrokes(site: Site) -> None:
    """`ssh -t` into the dashboard, press c on the selected section, type, ctrl+s."""
    import pty

    before = {t["id"] for t in threads(site)}
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    command = " ".join(shlex.quote(a) for a in (
        "env", "TERM=xterm-256color", "COLUMNS=120", "LINES=40", "TEXTUAL_ANIMATIONS=none",
        str(site.server.launcher), "--repo", str(site.repo)))
    proc = subprocess.Popen([*site.server.ssh_args(site.reviewer, tty=True), command],
                            stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    seen = bytearray()

    def read_for(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    seen.extend(os.read(master, 65536))
                except OSError:
                    return

    def send(keys: bytes, settle: float = 0.6) -> None:
        os.write(master, keys)
        read_for(settle)

    def wait_for(text: bytes, seconds: float) -> None:
        start = len(seen)
        end = time.monotonic() + seconds
        while time.monotonic() < end and text not in seen[start:]:
            read_for(0.2)

    try:
        wait_for(b"Bridge Inspection", 30)  # the dashboard has painted its header
        read_for(1.0)
        send(b"c", 0.2)  # comment on the selected section
        wait_for(b"ctrl+s", 10)  # the dialog's hint line
        read_for(0.5)
        send("Typed over SSH — keys ok".encode(), 0.8)
        send(b"\x13", 1.0)  # ctrl+s posts
        deadline = time.monotonic() + 10
        new: list[dict] = []
        while time.monotonic() < deadline and not new:
            new = [t for t in threads(site) if t["id"] not in before]
            read_for(0.3)
        send(b"q", 1.0)
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(10)
        os.close(master)
    assert len(new) == 1, seen.decode("utf-8", "replace")[-2000:]
    assert new[0]["author"] == site.reviewer and new[0]["body"] == "Typed over SSH — keys ok"
    author = git(site.repo, "log", "-1", "--format=%ae", COMMENTS_REF).strip()
    assert author == f"{site.reviewer}@example.com"
