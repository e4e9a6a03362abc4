"""Disk full while writing: a clear error, nothing corrupted, the previous state intact."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.command import run
from tests.fixtures import make_proposal
from tests.gitutil import git


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave: int) -> Path:
    filler = disk / "filler"
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    with open(filler, "wb") as handle:
        handle.write(b"\0" * max(0, free - leave))
    return filler


def test_comment_on_a_full_disk(tmp_path: Path, small_disk: Path) -> None:
    source = make_proposal(tmp_path)
    shared = small_disk / "shared.git"
    git(tmp_path, "clone", "-q", "--bare", str(source), str(shared))
    assert run("--repo", str(shared), "--as", "rex", "comment", "summary", "-m",
               "before").code == 0
    tip = git(shared, "rev-parse", "proposal-comments")
    filler = _fill(small_disk, 16 * 1024)
    result = run("--repo", str(shared), "--as", "rex", "comment", "summary", "-m", "-",
                 input="x" * 400_000)
    assert result.code != 0 and "Traceback" not in result.err
    assert "disk full" in result.err or "No space left" in result.err, result.err
    assert git(shared, "rev-parse", "proposal-comments") == tip
    filler.unlink()
    assert subprocess.run(["git", "fsck", "--no-progress"], cwd=shared).returncode == 0
    listing = run("--repo", str(shared), "comments", "--json")
    assert [c["body"] for c in listing.json()] == ["before"]
    assert run("--repo", str(shared), "--as", "rex", "comment", "summary", "-m",
               "after").code == 0


def test_manifest_edit_on_a_full_disk(tmp_path: Path, small_disk: Path) -> None:
    clone = small_disk / "clone"
    git(tmp_path, "clone", "-q", str(make_proposal(tmp_path)), str(clone))
    git(clone, "config", "user.email", "mia@example.com")
    head = git(clone, "rev-parse", "HEAD")
    manifest_before = (clone / "proposal.toml").read_text()
    filler = _fill(small_disk, 0)
    result = run("--repo", str(clone), "--as", "mia", "assign", "summary", "val")
    assert result.code != 0 and "Traceback" not in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1
    filler.unlink()
    # Either nothing happened, or the commit landed and the next run finishes the work tree.
    status = run("--repo", str(clone), "status", "--json")
    assert status.code == 0, status.err
    owner = {s["id"]: s for s in status.json()["sections"]}["summary"]["owner"]
    if git(clone, "rev-parse", "HEAD") == head:
        assert owner == "wes" and (clone / "proposal.toml").read_text() == manifest_before
    else:
        assert owner == "val"
    assert git(clone, "status", "--porcelain") == ""
    assert subprocess.run(["git", "fsck", "--no-progress"], cwd=clone).returncode == 0
    assert run("--repo", str(clone), "--as", "mia", "assign", "summary", "val").code == 0
