"""store/ref_files.py reads ref values with no git process; the fork server of `proposal
serve` trusts them to tell whether a remembered manifest or round list is still current, so
each answer must be git's own, or None (ask git) where it cannot be sure."""

from __future__ import annotations

from pathlib import Path

import pytest

from proposal_tui.store import ref_files
from tests.gitutil import author_env, git

PREFIXES = ("refs/tags/round/", "refs/tags/round-closed/")


def _bare(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    env = author_env("Ana", "ana@example.org")
    for n in range(2):
        (work / "f.txt").write_text(f"{n}\n")
        git(work, "add", "f.txt")
        git(work, "commit", "-qm", f"c{n}", env=env)
    git(work, "tag", "-a", "-m", "start", "round/pink", "HEAD~1", env=env)
    git(tmp_path, "clone", "-q", "--bare", "work", "bid.git")
    return tmp_path / "bid.git"


def _git_values(bare: Path) -> tuple[tuple[str, str], ...]:
    out = git(bare, "for-each-ref", "--format=%(refname) %(objectname)", *PREFIXES)
    return tuple(tuple(line.split(" ")) for line in out.splitlines())  # type: ignore[misc]


def test_loose_packed_symbolic_and_deleted_refs_read_as_git_reads_them(tmp_path: Path) -> None:
    bare = _bare(tmp_path)
    env = author_env("Ana", "ana@example.org")
    top = git(bare, "rev-parse", "main").strip()
    for step in ("cloned (packed)", "loose", "moved", "packed again", "deleted", "detached"):
        if step == "loose":
            git(bare, "tag", "-a", "-m", "close", "round-closed/pink", "main", env=env)
            git(bare, "tag", "-a", "-m", "nested", "round/a/b", "main~1", env=env)
        elif step == "moved":
            git(bare, "update-ref", "refs/heads/main", "main~1")
        elif step == "packed again":
            git(bare, "pack-refs", "--all")
            git(bare, "update-ref", "refs/heads/main", top)  # loose over a packed one
        elif step == "deleted":
            git(bare, "tag", "-d", "round/pink")
        elif step == "detached":
            git(bare, "update-ref", "--no-deref", "HEAD", "main")
        assert ref_files.resolve(bare) == git(bare, "rev-parse", "HEAD").strip(), step
        assert ref_files.values(bare, PREFIXES) == _git_values(bare), step


def test_where_the_files_cannot_tell_git_is_asked(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    bare = _bare(tmp_path)
    git(bare, "symbolic-ref", "HEAD", "refs/heads/unborn")
    assert ref_files.resolve(bare) is None  # unborn: git says what that means
    git(bare, "symbolic-ref", "HEAD", "refs/heads/main")
    (bare / "refs" / "tags" / "round").mkdir(parents=True, exist_ok=True)
    (bare / "refs" / "tags" / "round" / "odd").write_text("ref: refs/heads/main\n")
    assert ref_files.values(bare, PREFIXES) is None
    (bare / "refs" / "tags" / "round" / "odd").unlink()
    assert ref_files.values(bare, PREFIXES) == _git_values(bare)
    monkeypatch.setenv("GIT_NAMESPACE", "other")
    assert ref_files.resolve(bare) is None and ref_files.values(bare, PREFIXES) is None
    monkeypatch.delenv("GIT_NAMESPACE")
    (bare / "reftable").mkdir()
    assert ref_files.resolve(bare) is None and ref_files.values(bare, PREFIXES) is None
