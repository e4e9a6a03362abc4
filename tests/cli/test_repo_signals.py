"""What the repository itself says and the dashboard used to hide: a section file deleted in
the work tree, a Proposal-Status trailer with a typo. The real ``proposal`` process on real
repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.command import run
from tests.fixtures import commit_as, make_proposal


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def _sections(repo: Path) -> dict[str, dict]:
    return {s["id"]: s for s in run("--repo", str(repo), "status", "--json").json()["sections"]}


def test_a_section_file_deleted_in_the_work_tree_is_missing(repo: Path) -> None:
    (repo / "sections/summary.md").unlink()
    summary = _sections(repo)["summary"]
    assert summary["missing"] is True
    assert "deleted in the work tree" in summary["error"]
    human = run("--repo", str(repo), "status")
    row = next(line for line in human.out.splitlines() if line.startswith("summary"))
    assert "! deleted in the work tree" in row
    validate = run("--repo", str(repo), "validate")
    assert validate.code == 2
    assert "sections/summary.md: section 'summary': deleted in the work tree" in validate.err


def test_a_mistyped_status_trailer_is_reported_with_its_commit(repo: Path) -> None:
    sha = commit_as(repo, "Val Writer", "val@example.com", "2026-11-30T09:00:00-05:00",
                    "Approach ready\n\nProposal-Status: in reveiw",
                    {"sections/approach.md": "# Approach\n\nMore words.\n"})
    validate = run("--repo", str(repo), "validate")
    assert validate.code == 0, validate.err
    assert f"commit {sha[:7]} (\"Approach ready\"): Proposal-Status 'in reveiw'" in validate.err
    assert "did you mean 'in-review'?" in validate.err
    check = run("--repo", str(repo), "check")
    assert "warn sections/approach.md: section 'approach': commit " + sha[:7] in check.out
    assert "did you mean 'in-review'?" in check.out
    # a valid trailer afterwards puts it right: nothing to report any more
    commit_as(repo, "Val Writer", "val@example.com", "2026-11-30T10:00:00-05:00",
              "Fix the status\n\nProposal-Status: in-review",
              {"sections/approach.md": "# Approach\n\nMore words, again.\n"})
    assert "Proposal-Status" not in run("--repo", str(repo), "validate").err
