"""Reading committed section text without git where the work tree already holds it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from proposal_tui.domain.errors import ProposalError
from proposal_tui.store import repo as repo_module
from proposal_tui.store.repo import ProposalRepo
from tests.fixtures import make_proposal
from tests.gitutil import git

SECTIONS = ("sections/summary.md", "sections/approach.md", "sections/staffing.md")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def _ids(root: Path) -> dict[str, str]:
    return {path: git(root, "rev-parse", f"HEAD:{path}").strip() for path in SECTIONS}


def _git_reads(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The ids each ``git cat-file`` of the store was asked for (it still runs)."""
    asked: list[list[str]] = []
    original = repo_module.read_objects

    def counted(cwd: Path | str, names: list[str]) -> dict[str, bytes]:
        asked.append(list(names))
        return original(cwd, names)

    monkeypatch.setattr(repo_module, "read_objects", counted)
    return asked


def _committed(root: Path, sha: str) -> bytes:
    return subprocess.run(["git", "cat-file", "blob", sha], cwd=root, capture_output=True,
                          check=True).stdout


def test_unchanged_files_come_from_the_work_tree(repo: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _ids(repo)
    asked = _git_reads(monkeypatch)
    found = ProposalRepo.open(repo).read_committed(ids)
    assert found == {sha: _committed(repo, sha) for sha in ids.values()}
    assert all(names == [] for names in asked)


def test_an_edited_file_is_read_as_committed_from_git(repo: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _ids(repo)
    (repo / "sections/approach.md").write_text("# Rewritten, not committed\n")
    (repo / "sections/staffing.md").unlink()
    asked = _git_reads(monkeypatch)
    found = ProposalRepo.open(repo).read_committed(ids)
    assert found == {sha: _committed(repo, sha) for sha in ids.values()}
    assert b"Rewritten" not in found[ids["sections/approach.md"]]
    assert sorted(sum(asked, [])) == sorted([ids["sections/approach.md"],
                                             ids["sections/staffing.md"]])


def test_a_bare_repository_reads_everything_from_git(repo: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    ids = _ids(bare)
    asked = _git_reads(monkeypatch)
    found = ProposalRepo.open(bare).read_committed(ids)
    assert found == {sha: _committed(bare, sha) for sha in ids.values()}
    assert sorted(sum(asked, [])) == sorted(ids.values())


def test_a_folder_linked_out_of_the_repository_is_not_read(repo: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Every file of a batch shares the answer for its folder; a folder that resolves
    outside the work tree is refused for each of them, and git supplies the text."""
    ids = _ids(repo)
    outside = tmp_path / "elsewhere"
    shutil.copytree(repo / "sections", outside)
    shutil.rmtree(repo / "sections")
    (repo / "sections").symlink_to(outside, target_is_directory=True)
    store = ProposalRepo.open(repo)
    files = store.read_files(list(SECTIONS))
    assert all(files[path].problem == "resolves outside the repository" for path in SECTIONS)
    asked = _git_reads(monkeypatch)
    assert store.read_committed(ids) == {sha: _committed(repo, sha) for sha in ids.values()}
    assert sorted(sum(asked, [])) == sorted(ids.values())


def _bare(repo: Path, tmp_path: Path) -> Path:
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    return bare


def test_a_bare_repositorys_manifest_is_read_by_one_git(repo: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """`proposal serve` reads it for every command: one git process, not a tree listing
    and then a blob read."""
    bare = _bare(repo, tmp_path)
    opened = ProposalRepo.open(bare)
    started: list[list[str]] = []
    run = subprocess.run

    def counted(argv: list[str], *args: object, **kwargs: object) -> object:
        started.append(list(argv))
        return run(argv, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(subprocess, "run", counted)
    current, committed = opened.manifest_bytes()
    assert current == committed == (repo / "proposal.toml").read_bytes()
    assert len(started) == 1, started


def test_a_bare_repositorys_manifest_must_be_a_committed_file(repo: Path,
                                                              tmp_path: Path) -> None:
    (repo / "real.toml").write_bytes((repo / "proposal.toml").read_bytes())
    (repo / "proposal.toml").unlink()
    (repo / "proposal.toml").symlink_to("real.toml")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "manifest as a link")
    with pytest.raises(ProposalError, match="symbolic link"):
        ProposalRepo.open(_bare(repo, tmp_path)).manifest_bytes()
    empty = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", str(empty))
    with pytest.raises(ProposalError, match="no proposal.toml"):
        ProposalRepo.open(empty).manifest_bytes()
