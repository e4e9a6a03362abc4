"""Repositories in unusual states: each gives a clear answer, never a traceback."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.command import assert_clean_error, run
from tests.fixtures import MANIFEST, commit_as, make_proposal
from tests.gitutil import git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def _json(repo: Path) -> dict:
    result = run("--repo", str(repo), "status", "--json")
    assert result.code in (0, 2), result.err
    return {s["id"]: s for s in result.json()["sections"]}


def test_empty_repository_without_commits(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "proposal.toml").write_text(MANIFEST)
    result = run("--repo", str(tmp_path), "status", "--json")
    assert result.code == 2 and "Traceback" not in result.err
    assert [s["commits"] for s in result.json()["sections"]] == [0, 0, 0]
    assert_clean_error(run("--repo", str(tmp_path), "--as", "mia", "assign", "summary", "val"),
                       2, "not committed yet")


def test_detached_head_edit_is_refused(repo: Path) -> None:
    """A commit on a detached HEAD is lost once a branch is checked out (issue 18)."""
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    main_before, head_before = git(repo, "rev-parse", "main"), git(repo, "rev-parse", "HEAD")
    assert_clean_error(run("--repo", str(repo), "--as", "mia", "assign", "summary", "val"), 2,
                       "HEAD is detached at", "git switch")
    assert git(repo, "rev-parse", "main") == main_before
    assert git(repo, "rev-parse", "HEAD") == head_before
    assert git(repo, "status", "--porcelain") == ""


def test_shallow_clone(repo: Path, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    sections = _json(shallow)
    # History before the cut is unknown: the boundary commit is where every declaration
    # starts, so the declared status stands and nothing is inferred from the cut itself.
    assert sections["approach"]["commits"] == 1  # only what the clone has
    assert sections["approach"]["status"] == "not-started"
    assert sections["staffing"]["status"] == "not-started"
    assert sections["approach"]["words"] == 122


def test_repository_owned_by_another_user(repo: Path, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give the repository to another user")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no 'nobody' user on this machine")
    subprocess.run(["chown", "-R", f"{nobody.pw_uid}", str(repo)], check=True)
    config = tmp_path / "strict-gitconfig"
    config.write_text("[user]\n\tname = T\n\temail = t@example.com\n")
    result = run("--repo", str(repo), "status", env={"GIT_CONFIG_GLOBAL": str(config)})
    assert_clean_error(result, 2, "another user owns it", "safe.directory")


def test_binary_file_and_huge_single_line_section(repo: Path) -> None:
    (repo / "sections/approach.md").write_bytes(bytes(range(256)) * 100)
    (repo / "sections/summary.md").write_text("word " * 1_000_000)  # 5 MB on one line
    git(repo, "commit", "-qam", "binary and huge")
    start = time.perf_counter()
    sections = _json(repo)
    assert time.perf_counter() - start < 30
    assert "binary" in sections["approach"]["error"] and sections["approach"]["words"] == 0
    assert sections["summary"]["words"] == 1_000_000 and sections["summary"]["over_limit"]


def test_section_file_deleted_in_the_work_tree(repo: Path) -> None:
    (repo / "sections/summary.md").unlink()
    sections = _json(repo)
    # Still committed: the committed text counts, but the file is missing here (issue 18).
    assert sections["summary"]["words"] == 9 and sections["summary"]["missing"]
    assert "deleted in the work tree" in sections["summary"]["error"]
    git(repo, "commit", "-qam", "remove summary")
    result = run("--repo", str(repo), "validate")
    assert result.code == 2 and "sections/summary.md" in result.err


def test_manifest_with_100000_sections(tmp_path: Path) -> None:
    repo = tmp_path / "big"
    repo.mkdir()
    git(repo, "init", "-q")
    head, _, _ = MANIFEST.partition("[[sections]]")
    parts = [head]
    for n in range(100_000):
        parts.append(f'[[sections]]\nid = "s{n}"\ntitle = "Section {n}"\n'
                     f'file = "s/{n}.md"\nowner = "wes"\n\n')
    (repo / "proposal.toml").write_text("".join(parts))
    start = time.perf_counter()
    result = run("--repo", str(repo), "validate")
    elapsed = time.perf_counter() - start
    assert result.code == 2 and "Traceback" not in result.err  # files are missing: reported
    assert "s/0.md" in result.err
    assert elapsed < 120


def test_ten_megabyte_comment_round_trips(repo: Path) -> None:
    from proposal_tui.services.workspace import Workspace

    workspace = Workspace(repo)
    manifest = workspace.proposals.manifest()
    body = "x" * 10_000_000
    workspace.reviews.comment(manifest, manifest.person("rex"), "summary", body)  # type: ignore[arg-type]
    assert Workspace(repo).reviews.threads()[0].root.body == body  # type: ignore[union-attr]
    assert _json(repo)["summary"]["open_comments"] == 1


def test_cached_index_survives_a_corrupt_cache_file(repo: Path) -> None:
    assert _json(repo)["summary"]["commits"] == 2
    cache = repo / ".git" / "proposal-tui" / "history.json"
    cache.write_text("{not json")
    assert _json(repo)["summary"]["commits"] == 2
    shutil.rmtree(cache.parent)
    commit_as(repo, "Wes Writer", "wes@example.com", "2026-12-01T10:00:00-05:00", "x",
              {"sections/summary.md": "# S\n\nmore\n"})
    assert _json(repo)["summary"]["commits"] == 3
