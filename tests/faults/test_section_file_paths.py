"""`section add --file` through a symlinked folder: refused before anything is written or
committed, and an edit a crash or a failure left half done never blocks the next edit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.command import assert_clean_error, run
from tests.fixtures import make_proposal
from tests.gitutil import git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def _state(repo: Path) -> tuple[str, str]:
    return git(repo, "rev-parse", "HEAD").strip(), git(repo, "status", "--porcelain")


@pytest.mark.parametrize("committed", [True, False], ids=["committed-link", "local-link"])
def test_a_symlinked_folder_is_refused_before_any_write(repo: Path, tmp_path: Path,
                                                        committed: bool) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "docs").symlink_to(outside)
    if committed:
        git(repo, "add", "docs")
        git(repo, "commit", "-qm", "docs is a link")
    before = _state(repo)
    result = run("--repo", str(repo), "--as", "mia", "section", "add", "x", "X",
                 "--file", "docs/x.md")
    assert_clean_error(result, 2, "docs", "symbolic link")
    assert list(outside.iterdir()) == []
    assert _state(repo) == before
    assert not (repo / ".git" / "proposal-tui" / "pending-sync.json").exists()
    later = run("--repo", str(repo), "--as", "mia", "set-due", "summary", "2026-12-09")
    assert later.code == 0, later.err


def test_a_committed_file_in_the_way_is_refused(repo: Path) -> None:
    result = run("--repo", str(repo), "--as", "mia", "section", "add", "x", "X",
                 "--file", "sections/summary.md/x.md")
    assert_clean_error(result, 2, "sections/summary.md")


def test_a_half_done_edit_never_blocks_the_next(repo: Path, tmp_path: Path) -> None:
    """The state the old bug left: HEAD has docs/x.md where the work tree has a symlinked
    docs/, and a journal asking to bring docs/x.md up to date."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "docs").symlink_to(outside)
    git(repo, "add", "docs")
    git(repo, "commit", "-qm", "docs is a link")
    base = git(repo, "rev-parse", "HEAD").strip()
    blob = git(repo, "hash-object", "-w", "--stdin", input="# X\n").strip()
    git(repo, "rm", "-q", "--cached", "docs")
    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},docs/x.md")
    git(repo, "commit", "-qm", "Add section x (half done)")
    journal = repo / ".git" / "proposal-tui" / "pending-sync.json"
    journal.parent.mkdir(exist_ok=True)
    journal.write_text(json.dumps({"base": base, "files": {"docs/x.md": blob}}))
    git(repo, "reset", "-q", base, "--", "docs", "docs/x.md")  # the index as it was left
    result = run("--repo", str(repo), "--as", "mia", "set-due", "summary", "2026-12-09")
    assert result.code == 0, result.err
    assert list(outside.iterdir()) == []
    assert not journal.exists()
    again = run("--repo", str(repo), "--as", "mia", "set-due", "summary", "2026-12-10")
    assert again.code == 0, again.err
