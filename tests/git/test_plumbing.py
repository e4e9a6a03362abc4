"""Plumbing commits: right trees, right identities, no index or work tree touched, CAS holds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.store.git import GitError
from proposal_tui.store.plumbing import (
    build_commit,
    cas_commit,
    git_dir,
    resolve_ref,
    update_ref_cas,
)
from tests.gitutil import author_env, git

ANN = Identity("Ann Writer", "ann@example.com")
REF = "refs/heads/side"


@pytest.fixture(params=["bare", "work"])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    git(tmp_path, "init", "-q", *(["--bare"] if request.param == "bare" else []), str(path))
    return path


def tree(repo: Path, rev: str) -> dict[str, bytes]:
    names = git(repo, "ls-tree", "-r", "-z", "--name-only", rev).split("\0")
    return {n: git_blob(repo, f"{rev}:{n}") for n in names if n}


def git_blob(repo: Path, spec: str) -> bytes:
    import subprocess
    return subprocess.run(["git", "cat-file", "blob", spec], cwd=repo, capture_output=True,
                          check=True).stdout


def test_resolve_ref_missing_and_hostile(repo: Path, tmp_path: Path) -> None:
    assert resolve_ref(repo, REF) is None
    assert resolve_ref(repo, "--help") is None
    assert resolve_ref(repo, f"--output={tmp_path / 'out'}") is None
    assert not (tmp_path / "out").exists()
    sha = build_commit(repo, None, {"a": b"x"}, "m", ANN)
    assert update_ref_cas(repo, REF, sha, None)
    assert resolve_ref(repo, REF) == resolve_ref(repo, "side") == sha


def test_root_commit_then_child(repo: Path) -> None:
    when = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    first = build_commit(repo, None, {"a.txt": b"one\n", "d/e/f.md": b"\xff\x00bin"},
                         "--first line\n\nbody", ANN, when)
    assert update_ref_cas(repo, REF, first, None)
    assert resolve_ref(repo, REF) == first
    assert tree(repo, first) == {"a.txt": b"one\n", "d/e/f.md": b"\xff\x00bin"}
    info = git(repo, "log", "-1", "--format=%an|%ae|%cn|%ce|%at|%ai|%P", first).strip()
    assert info == (f"Ann Writer|ann@example.com|Ann Writer|ann@example.com|"
                    f"{int(when.timestamp())}|2024-05-06 07:08:09 -0500|")
    assert git(repo, "log", "-1", "--format=%B", first) == "--first line\n\nbody\n\n"

    second = build_commit(repo, first, {"a.txt": None, "-rf": b"x", "é ü/new\nline": b"y"},
                          "second", ANN)
    assert git(repo, "log", "-1", "--format=%P", second).strip() == first
    assert tree(repo, second) == {"d/e/f.md": b"\xff\x00bin", "-rf": b"x", "é ü/new\nline": b"y"}
    assert not list((git_dir(repo) / "proposal-tui").iterdir())  # temp index cleaned up


def test_file_becomes_folder(repo: Path) -> None:
    first = build_commit(repo, None, {"a": b"file"}, "m", ANN)
    second = build_commit(repo, first, {"a": None, "a/b": b"nested"}, "m", ANN)
    assert tree(repo, second) == {"a/b": b"nested"}


@pytest.mark.parametrize("bad", ["", "/abs", "../up", "a/../b", "./a", "a//b", "a/", ".git/config",
                                 "x/.GIT/hooks", "a\\b", "a\0b", ".git", "x/.git./y"])
def test_bad_paths_refused(repo: Path, bad: str) -> None:
    with pytest.raises(ProposalError):
        build_commit(repo, None, {bad: b"x"}, "m", ANN)


def test_bad_ref_names_refused(repo: Path) -> None:
    sha = build_commit(repo, None, {"a": b"x"}, "m", ANN)
    for bad in ["main", "-x", "refs/heads/a..b", "refs/heads/x.lock", "refs/heads/a b",
                "refs/heads/.hidden", "refs/heads/x/"]:
        with pytest.raises(ProposalError):
            update_ref_cas(repo, bad, sha, None)


def test_naive_date_refused(repo: Path) -> None:
    with pytest.raises(ProposalError):
        build_commit(repo, None, {"a": b"x"}, "m", ANN, dt.datetime(2024, 1, 1))


def test_cas_refuses_stale_old(repo: Path) -> None:
    a = build_commit(repo, None, {"a": b"1"}, "a", ANN)
    b = build_commit(repo, a, {"b": b"2"}, "b", ANN)
    c = build_commit(repo, a, {"c": b"3"}, "c", ANN)
    assert update_ref_cas(repo, REF, a, None)
    assert not update_ref_cas(repo, REF, b, None)  # must not exist yet: it does
    assert update_ref_cas(repo, REF, b, a)
    assert not update_ref_cas(repo, REF, c, a)  # another writer moved it to b
    assert resolve_ref(repo, REF) == b


def test_cas_commit_recomputes_on_lost_race(repo: Path) -> None:
    calls: list[str | None] = []

    def changes(tip: str | None) -> dict[str, bytes | None]:
        calls.append(tip)
        if len(calls) == 1:  # an outside writer sneaks in between our read and our update
            other = build_commit(repo, None, {"theirs": b"t"}, "theirs", ANN)
            assert update_ref_cas(repo, REF, other, None)
        return {"ours": f"seen {len(calls)}".encode()}

    sha = cas_commit(repo, REF, changes, "ours", ANN)
    assert len(calls) == 2 and calls[0] is None and calls[1] is not None
    assert tree(repo, sha) == {"theirs": b"t", "ours": b"seen 2"}
    assert resolve_ref(repo, REF) == sha


def test_cas_commit_gives_up(repo: Path) -> None:
    def changes(tip: str | None) -> dict[str, bytes | None]:
        other = build_commit(repo, tip, {"noise": repr(tip).encode()}, "noise", ANN)
        assert update_ref_cas(repo, REF, other, tip)
        return {"ours": b"x"}

    with pytest.raises(GitError, match="attempts lost"):
        cas_commit(repo, REF, changes, "ours", ANN, retries=3)


def test_work_tree_and_index_untouched(tmp_path: Path) -> None:
    repo = tmp_path / "w"
    git(tmp_path, "init", "-q", str(repo))
    (repo / "tracked.md").write_text("v1\n")
    git(repo, "add", "tracked.md")
    git(repo, "commit", "-q", "-m", "init", env=author_env("Bob", "bob@example.com"))
    (repo / "staged.md").write_text("new\n")
    git(repo, "add", "staged.md")
    (repo / "tracked.md").write_text("v2\n")
    def snapshot() -> tuple[str, bytes, str, str]:
        return (git(repo, "status", "--porcelain"), (repo / ".git" / "index").read_bytes(),
                git(repo, "rev-parse", "HEAD"), git(repo, "diff", "--cached", "--name-only"))

    before = snapshot()
    for i in range(3):
        sha = cas_commit(repo, REF, lambda tip, i=i: {f"f{i}": b"x", "tracked.md": b"p"},
                         "m", ANN)
    assert snapshot() == before
    assert before[3] == "staged.md\n"
    assert (repo / "tracked.md").read_text() == "v2\n"
    # Built from the side branch alone: nothing staged or edited in the work tree leaks in.
    assert tree(repo, sha) == {"f0": b"x", "f1": b"x", "f2": b"x", "tracked.md": b"p"}


def test_sha256_repository(tmp_path: Path) -> None:
    repo = tmp_path / "s"
    git(tmp_path, "init", "-q", "--bare", "--object-format=sha256", str(repo))
    a = build_commit(repo, None, {"a": b"1"}, "a", ANN)
    assert len(a) == 64 and update_ref_cas(repo, REF, a, None)
    b = build_commit(repo, a, {"a": None, "b": b"2"}, "b", ANN)
    assert update_ref_cas(repo, REF, b, a) and not update_ref_cas(repo, REF, a, a)
    assert tree(repo, REF) == {"b": b"2"}


def test_group_shared_repository_keeps_scratch_dir_group_writable(tmp_path: Path) -> None:
    repo = tmp_path / "shared.git"
    git(tmp_path, "init", "-q", "--bare", "--shared=group", str(repo))
    cas_commit(repo, REF, lambda tip: {"a": b"1"}, "m", ANN)
    mode = (repo / "proposal-tui").stat().st_mode
    assert mode & 0o070 == 0o070 and mode & 0o2000  # g+rwx and setgid, like git's own dirs
    assert [p.name for p in (repo / "proposal-tui").iterdir()] == ["writer.lock"]


def test_linked_worktree_shares_scratch_dir(tmp_path: Path) -> None:
    repo = tmp_path / "main"
    git(tmp_path, "init", "-q", str(repo))
    git(repo, "commit", "-q", "--allow-empty", "-m", "init")
    git(repo, "worktree", "add", "-q", str(tmp_path / "linked"))
    assert git_dir(tmp_path / "linked") == git_dir(repo) == (repo / ".git").resolve()
    sha = cas_commit(tmp_path / "linked", REF, lambda tip: {"a": b"1"}, "m", ANN)
    assert resolve_ref(repo, REF) == sha


def test_nested_cas_commit_does_not_wait_on_itself(repo: Path) -> None:
    import time

    def outer(tip: str | None) -> dict[str, bytes | None]:
        cas_commit(repo, "refs/heads/other", lambda t: {"inner": b"i"}, "inner", ANN,
                   lock_timeout=5)
        return {"outer": b"o"}

    started = time.monotonic()
    cas_commit(repo, REF, outer, "outer", ANN, lock_timeout=5)
    assert time.monotonic() - started < 2
    assert resolve_ref(repo, "refs/heads/other") is not None
