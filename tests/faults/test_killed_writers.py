"""kill -9 of whole process groups: a ref lock a killed git left behind is cleared once it is
older than any live writer holds one (a young one is named in the error, exactly), and a
comment queued by a command that was killed is never published after its caller is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.command import NOW, run
from tests.fixtures import make_proposal
from tests.gitutil import git

try:
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

REF = "refs/heads/proposal-comments"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_proposal(tmp_path)
    done = run("--repo", str(repo), "--as", "rex", "comment", "summary", "-m", "first")
    assert done.code == 0, done.err
    return repo


def _kill_git_holding_the_ref_lock(repo: Path) -> Path:
    """A real git, in its own process group, killed with SIGKILL while it holds the lock."""
    tip = git(repo, "rev-parse", REF).strip()
    parent = git(repo, "rev-parse", f"{REF}~0^{{tree}}").strip()
    other = git(repo, "commit-tree", parent, "-p", tip, "-m", "never published").strip()
    proc = subprocess.Popen(["git", "update-ref", "--stdin"], cwd=repo, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    assert proc.stdin is not None
    proc.stdin.write(f"start\nupdate {REF} {other} {tip}\nprepare\n".encode())
    proc.stdin.flush()
    lock = repo / ".git" / f"{REF}.lock"
    deadline = time.monotonic() + 10
    while not lock.exists():
        assert time.monotonic() < deadline, "git never took the ref lock"
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert lock.exists()
    return lock


def _comment_bodies(repo: Path) -> list[str]:
    result = run("--repo", str(repo), "comments", "--json")
    assert result.code == 0, result.err
    return sorted(t["body"] for t in result.json())


def test_an_old_lock_left_by_a_killed_git_is_cleared(repo: Path) -> None:
    lock = _kill_git_holding_the_ref_lock(repo)
    old = time.time() - 300
    os.utime(lock, (old, old))
    done = run("--repo", str(repo), "--as", "rex", "comment", "summary", "-m", "after")
    assert done.code == 0, done.err
    assert not lock.exists()
    assert _comment_bodies(repo) == ["after", "first"]


def test_a_young_lock_is_named_exactly_in_the_error(repo: Path) -> None:
    lock = _kill_git_holding_the_ref_lock(repo)
    young = time.time() - 4  # blocking longer than a live git holds a lock, yet not stale
    os.utime(lock, (young, young))
    done = run("--repo", str(repo), "--as", "rex", "comment", "summary", "-m", "blocked")
    assert done.code != 0 and "Traceback" not in done.err
    lines = [line for line in done.err.splitlines() if line.strip()]
    assert len(lines) == 1 and str(lock) in lines[0] and "remove" in lines[0], done.err
    assert lock.exists()  # a lock that may be live is never removed
    assert _comment_bodies(repo) == ["first"]


@pytest.mark.skipif(fcntl is None, reason="needs flock")
def test_comments_queued_by_killed_commands_are_never_published(repo: Path) -> None:
    state = repo / ".git" / "proposal-tui"
    spool = state / "spool"
    env = {**os.environ, "PROPOSAL_NOW": NOW}
    env.pop("PROPOSAL_USER", None)
    with open(state / "writer.lock", "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a drainer busy elsewhere: requests wait queued
        procs = [subprocess.Popen([sys.executable, "-m", "proposal_tui", "--repo", str(repo),
                                   "--as", "rex", "comment", "summary", "-m", f"killed {i}"],
                                  env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
                 for i in range(4)]
        deadline = time.monotonic() + 60
        while len(list(spool.glob("*.req"))) < len(procs):
            assert time.monotonic() < deadline, "the commands never queued their comments"
            time.sleep(0.02)
        for proc in procs:
            os.killpg(proc.pid, signal.SIGKILL)
        for proc in procs:
            proc.wait()
        fcntl.flock(held, fcntl.LOCK_UN)
    done = run("--repo", str(repo), "--as", "rex", "comment", "summary", "-m", "alive")
    assert done.code == 0, done.err
    assert _comment_bodies(repo) == ["alive", "first"]
    assert list(spool.glob("*.req")) == []  # dropped, not left for a later drainer
