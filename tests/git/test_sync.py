"""`proposal sync`: comments made in separate clones (offline, or at the same moment) all
arrive, with their authors, and the shared branch is never rewritten."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from proposal_tui.store.comments import COMMENTS_REF
from tests.command import Result, assert_clean_error, run
from tests.fixtures import make_proposal
from tests.gitutil import git


@pytest.fixture()
def server(tmp_path: Path) -> Path:
    bare = tmp_path / "server.git"
    git(tmp_path, "clone", "-q", "--bare", str(make_proposal(tmp_path)), str(bare))
    return bare


def clone(server: Path, name: str) -> Path:
    path = server.parent / name
    git(server.parent, "clone", "-q", str(server), str(path))
    return path


def comment(repo: Path, who: str, body: str, section: str = "summary") -> str:
    res = run("--repo", str(repo), "--as", who, "comment", section, "-m", body, now=None)
    assert res.code == 0, res.err
    return res.out.split()[1]


def sync(repo: Path) -> Result:
    return run("--repo", str(repo), "sync", now=None)


def bodies(repo: Path) -> list[str]:
    return sorted(t["body"] for t in run("--repo", str(repo), "comments", "--json").json())


def test_offline_comments_from_two_clones_merge(server: Path) -> None:
    a, b = clone(server, "a"), clone(server, "b")
    comment(a, "rex", "a1")
    comment(a, "rex", "a2")
    root_b = comment(b, "wes", "b1")  # b's branch starts from nothing: unrelated histories
    res = sync(a)
    assert res.code == 0 and "0 comment events received, 2 sent" in res.out, res.err
    res = sync(b)
    assert res.code == 0 and "2 comment events received, 1 sent" in res.out, res.err
    assert bodies(server) == bodies(b) == ["a1", "a2", "b1"]
    assert sync(a).out.startswith("sync with origin: 1 comment events received, 0 sent")
    assert bodies(a) == ["a1", "a2", "b1"]
    # b's event was rebuilt on the server's tip: linear history, each author kept.
    log = git(server, "log", "--format=%an|%P", COMMENTS_REF).splitlines()
    assert [line.split("|")[0] for line in log] == ["Wes Writer", "Rex Reviewer",
                                                    "Rex Reviewer"]
    assert all(len(line.split("|")[1].split()) <= 1 for line in log)
    # A reply to the rebuilt thread still finds it: event ids never change.
    assert run("--repo", str(a), "--as", "mia", "reply", root_b, "-m", "ok").code == 0
    assert sync(a).code == 0 and sync(b).code == 0
    (thread,) = [t for t in run("--repo", str(b), "comments", "--json").json()
                 if t["id"] == root_b]
    assert [r["body"] for r in thread["replies"]] == ["ok"]


def test_parallel_syncs_retry_and_lose_nothing(server: Path) -> None:
    clones = [clone(server, f"c{i}") for i in range(6)]
    for i, c in enumerate(clones):
        for j in range(3):
            comment(c, "rex", f"{i}-{j}")
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(sync, clones))
    assert [r.code for r in results] == [0] * 6, [r.err for r in results]
    assert bodies(server) == sorted(f"{i}-{j}" for i in range(6) for j in range(3))
    assert len(git(server, "rev-list", "--merges", COMMENTS_REF).split()) == 0


def test_nothing_to_do_and_bad_remote(server: Path) -> None:
    a = clone(server, "a")
    assert sync(a).out.strip() == "sync with origin: 0 comment events received, 0 sent"
    assert_clean_error(run("--repo", str(a), "sync", "--remote", "nowhere"), 2,
                       "no remote 'nowhere'")
    assert_clean_error(run("--repo", str(a), "sync", "--remote=-x"), 2, "invalid remote")
