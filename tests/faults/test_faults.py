"""Crashes mid-write: kill -9 a writer at random moments, then prove nothing is corrupt,
nothing half-written is visible, every reported write is there, and the next write works."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from proposal_tui.domain.clock import SystemClock
from proposal_tui.services.edits import set_status
from proposal_tui.services.snapshot import load_manifest
from proposal_tui.services.workspace import Workspace
from proposal_tui.store.comments import CommentStore
from proposal_tui.store.repo import ProposalRepo
from tests.fixtures import make_proposal
from tests.gitutil import git

ROUNDS = 100
CTX = multiprocessing.get_context("fork")


def _comment_writer(repo: Path, fd: int) -> None:
    opened = ProposalRepo.open(repo)
    manifest = load_manifest(opened)[0]
    reviews = Workspace(opened).reviews
    rex = manifest.person("rex")
    assert rex is not None
    while True:
        event = reviews.comment(manifest, rex, "summary", "crash test " * 20)
        os.write(fd, (event.id + "\n").encode())


def _manifest_writer(repo: Path, fd: int) -> None:
    opened = ProposalRepo.open(repo)
    n = 0
    while True:
        manifest = load_manifest(opened)[0]
        mia = manifest.person("mia")
        assert mia is not None
        sha = set_status(opened, manifest, mia, "staffing", ("drafting", "revising")[n % 2])
        os.write(fd, (sha + "\n").encode())
        n += 1


def _kill_repeatedly(target, repo: Path, rounds: int) -> list[str]:
    rng = random.Random(1234)
    reported: list[str] = []
    for _ in range(rounds):
        read_fd, write_fd = os.pipe()
        proc = CTX.Process(target=target, args=(repo, write_fd), daemon=True)
        proc.start()
        os.close(write_fd)
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(5)
        data = b""
        while chunk := os.read(read_fd, 65536):
            data += chunk
        os.close(read_fd)
        reported += [line for line in data.decode().splitlines() if line]
    return reported


def _fsck_clean(repo: Path) -> None:
    proc = subprocess.run(["git", "fsck", "--strict", "--no-progress"], cwd=repo,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "error" not in proc.stderr.lower()


@pytest.mark.timeout(600)
def test_kill_9_while_commenting(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    git(repo, "clone", "-q", "--bare", str(repo), str(tmp_path / "shared.git"))
    shared = tmp_path / "shared.git"
    reported = _kill_repeatedly(_comment_writer, shared, ROUNDS)
    _fsck_clean(shared)
    store = CommentStore(shared)
    ids = {e.id for e in store.events()}
    assert store.errors == []  # no partial event file is visible
    assert set(reported) <= ids, "a write that reported success is missing"
    assert len(reported) > 0
    opened = ProposalRepo.open(shared)
    manifest = load_manifest(opened)[0]
    after = Workspace(opened).reviews.comment(manifest, manifest.person("rex"), "summary", "ok")
    assert after.id in {e.id for e in CommentStore(shared).events()}


@pytest.mark.timeout(600)
def test_kill_9_while_editing_the_manifest(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    (repo / "notes.txt").write_text("someone's unstaged work\n")
    reported = _kill_repeatedly(_manifest_writer, repo, ROUNDS)
    assert len(reported) > 0
    _fsck_clean(repo)
    history = set(git(repo, "rev-list", "HEAD").split())
    assert set(reported) <= history, "a commit that reported success is not on the branch"
    snap = Workspace(repo, SystemClock()).proposals.snapshot()  # recovers
    assert snap.state("staffing") is not None
    # The work tree matches HEAD again (an interrupted update was finished), no temp files.
    assert git(repo, "status", "--porcelain") == "?? notes.txt\n"
    leftovers = [p.name for p in repo.iterdir() if p.name.startswith(".proposal.toml.")]
    assert leftovers == []
    opened = ProposalRepo.open(repo)
    manifest = load_manifest(opened)[0]
    set_status(opened, manifest, manifest.person("mia"), "staffing", "approved")  # type: ignore
    assert 'status = "approved"' in (repo / "proposal.toml").read_text()
