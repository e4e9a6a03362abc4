"""5,000-deep nesting: in proposal.toml or requirements.toml a one-line error naming the
file, in a comment event (which is never deleted) a skipped event that is reported, never a
RecursionError traceback that breaks every reader for good."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.command import assert_clean_error, run
from tests.fixtures import make_proposal
from tests.gitutil import author_env, git

DEEP_ARRAY = "[" * 5000 + "]" * 5000
DEEP_TABLE = "{a = " * 5000 + "1" + "}" * 5000
DEEP_JSON = '{"v": 1, "x": ' + "[" * 5000 + "]" * 5000 + "}"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


@pytest.mark.parametrize("value", [DEEP_ARRAY, DEEP_TABLE], ids=["arrays", "inline-tables"])
def test_deep_manifest_is_one_line_naming_the_file(repo: Path, value: str) -> None:
    manifest = repo / "proposal.toml"
    manifest.write_text(manifest.read_text().replace(
        'solicitation = "RFQ 77"', f'solicitation = "RFQ 77"\ndeep = {value}'))
    git(repo, "commit", "-qam", "deep")
    for command in (["status"], ["validate"], ["comments"], ["timeline"]):
        result = run("--repo", str(repo), *command)
        assert_clean_error(result, 2, "proposal.toml", "nested too deeply")


def test_deep_requirements_is_one_line_naming_the_file(repo: Path) -> None:
    (repo / "requirements.toml").write_text(f"x = {DEEP_ARRAY}\n")
    git(repo, "add", "requirements.toml")
    git(repo, "commit", "-qm", "deep requirements")
    result = run("--repo", str(repo), "requirements", "list")
    assert_clean_error(result, 2, "requirements.toml", "nested too deeply")


def _push_event_file(repo: Path, path: str, data: str) -> None:
    """An outside contributor adds a file to the comments branch with plain git plumbing."""
    index = repo / ".git" / "deep-index"
    env = {**author_env("Eve", "eve@example.com"), "GIT_INDEX_FILE": str(index)}
    tip = git(repo, "rev-parse", "refs/heads/proposal-comments").strip()
    git(repo, "read-tree", tip, env=env)
    blob = git(repo, "hash-object", "-w", "--stdin", input=data).strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
    tree = git(repo, "write-tree", env=env).strip()
    commit = git(repo, "commit-tree", tree, "-p", tip, "-m", "deep", env=env).strip()
    git(repo, "update-ref", "refs/heads/proposal-comments", commit, tip)
    os.unlink(index)


def test_deep_comment_event_is_skipped_and_reported(repo: Path) -> None:
    done = run("--repo", str(repo), "--as", "rex", "comment", "summary", "-m", "kept")
    assert done.code == 0, done.err
    bad = "comments/summary/20261202T140000000000-deadbeef.json"
    _push_event_file(repo, bad, DEEP_JSON)
    for _ in range(2):  # the second run reads the cache the first one wrote
        listed = run("--repo", str(repo), "comments")
        assert listed.code == 0, listed.err
        assert "kept" in listed.out
        assert "Traceback" not in listed.err
        assert bad in listed.err and "nested too deeply" in listed.err
    as_json = run("--repo", str(repo), "comments", "--json")
    assert as_json.code == 0 and [t["body"] for t in as_json.json()] == ["kept"]
    status = run("--repo", str(repo), "status")
    assert status.code == 0 and "Traceback" not in status.err, status.err
    validate = run("--repo", str(repo), "validate")
    assert_clean_error(validate, 2, bad, "nested too deeply")
    again = run("--repo", str(repo), "--as", "rex", "comment", "summary", "-m", "still works")
    assert again.code == 0, again.err


def test_deep_cache_files_are_misses_not_crashes(repo: Path) -> None:
    """The caches under .git/proposal-tui/ are writable by a whole group on a shared server."""
    assert run("--repo", str(repo), "--as", "rex", "comment", "summary", "-m", "hi").code == 0
    assert run("--repo", str(repo), "status").code == 0
    caches = repo / ".git" / "proposal-tui"
    names = ["comments.json", "comment-counts.json", "words.json", "history.json",
             "manifest.json", "pending-sync.json"]
    for name in names:
        (caches / name).write_text(DEEP_JSON)
    for command in (["status"], ["comments"], ["validate"], ["--as", "mia", "set-due",
                                                            "summary", "2026-12-09"]):
        result = run("--repo", str(repo), *command)
        assert result.code == 0 and "Traceback" not in result.err, (command, result.err)
