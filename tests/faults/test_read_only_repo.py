"""A repository this user cannot write (a read-only mount, an immutable tree, another user's
files): every write command says so on one line and exits 3, nothing is changed, and the
read commands still work and say "read-only"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.command import assert_clean_error, run
from tests.fixtures import make_proposal
from tests.gitutil import git
from tests.readonly import read_only

# one of each way a command writes: a plan commit, a comment event, a tag
WRITES = [
    ["--as", "mia", "set-status", "summary", "drafting"],
    ["--as", "wes", "comment", "summary", "-m", "Tighten the opening"],
    ["--as", "mia", "round", "start", "pink"],
    ["status", "--json"],
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def test_every_write_on_a_read_only_repository_exits_3_with_one_line(repo: Path) -> None:
    before = git(repo, "for-each-ref", "--format=%(refname) %(objectname)")
    with read_only(repo), ThreadPoolExecutor(len(WRITES)) as pool:
        *writes, status = pool.map(lambda args: run("--repo", str(repo), *args), WRITES)
        for result in writes:
            assert_clean_error(result, 3, "read-only", "nothing was changed")
        assert status.json()["proposal"]["read_only"] is True
    assert git(repo, "for-each-ref", "--format=%(refname) %(objectname)") == before
    assert git(repo, "status", "--porcelain") == ""
    assert run("--repo", str(repo), "status", "--json").json()["proposal"]["read_only"] is False


def test_a_plan_edit_on_a_detached_head_is_refused(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "--detach")
    status = run("--repo", str(repo), "status")
    assert f"detached at {head[:7]}" in status.out.splitlines()[1]
    result = run("--repo", str(repo), "--as", "mia", "set-status", "summary", "drafting")
    assert_clean_error(result, 2, f"detached at {head[:7]}", "nothing was changed")
    assert git(repo, "rev-parse", "HEAD").strip() == head
    # comments live on their own branch: writing one on a detached HEAD loses nothing
    assert run("--repo", str(repo), "--as", "wes", "comment", "summary", "-m", "Hi").code == 0
    status = run("--repo", str(repo), "status", "--json").json()["proposal"]
    assert (status["branch"], status["detached"]) == (None, True)
    git(repo, "checkout", "-q", "main")
    assert "on main" in run("--repo", str(repo), "status").out.splitlines()[1]
