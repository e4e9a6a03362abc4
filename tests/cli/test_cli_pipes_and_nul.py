"""A reader that stops early (`| head -1`) ends the command quietly, and a NUL byte in
proposal.toml is reported as what it is, with its line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.command import NOW, assert_clean_error, run
from tests.fixtures import make_proposal
from tests.gitutil import git


def _head_one(repo: Path, *args: str) -> tuple[int, str, str]:
    """Run `proposal ARGS | head -1` with a real pipe: read one line, close our end."""
    env = {**os.environ, "PROPOSAL_NOW": NOW}
    env.pop("PROPOSAL_USER", None)
    proc = subprocess.Popen([sys.executable, "-m", "proposal_tui", "--repo", str(repo), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline().decode()
    proc.stdout.close()  # what `head -1` does after its line
    err = proc.stderr.read().decode()
    return proc.wait(timeout=120), first, err


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def test_comments_into_a_closed_pipe_exits_quietly(repo: Path) -> None:
    big = "\n".join(f"line {i} of a long review note" for i in range(4000))  # > a pipe buffer
    for _ in range(3):
        done = run("--repo", str(repo), "--as", "rex", "comment", "summary", "-m", "-",
                   input=big)
        assert done.code == 0, done.err
    code, first, err = _head_one(repo, "comments")
    assert first.strip()
    assert err == "", err
    assert code in (0, 141), code


def test_status_into_a_closed_pipe_exits_quietly(repo: Path) -> None:
    manifest = repo / "proposal.toml"
    extra = "".join(f'\n[[sections]]\nid = "s{i}"\ntitle = "Section number {i} ' + "x" * 40
                    + f'"\nfile = "sections/s{i}.md"\n' for i in range(1500))
    manifest.write_text(manifest.read_text() + extra)
    git(repo, "commit", "-qam", "many sections")
    code, first, err = _head_one(repo, "status")
    assert first.strip()
    assert err == "", err
    assert code in (0, 141), code


def test_nul_in_the_manifest_names_the_byte_and_its_line(repo: Path) -> None:
    manifest = repo / "proposal.toml"
    data = manifest.read_bytes().replace(b'client = "County', b'client = "Cou\0nty', 1)
    manifest.write_bytes(data)
    line = data[:data.index(b"\0")].count(b"\n") + 1
    for command in (["status"], ["validate"]):
        result = run("--repo", str(repo), *command)
        assert_clean_error(result, 2, "proposal.toml", f":{line}", "NUL byte")
        assert "section" not in result.err
