"""The history index agrees with git on merges that resolve conflicts, files split off from
another (a copy, the original kept or deleted), and moves across folders.

Each case is a real repository; the expected answers are git's own: ``git log -1 -- FILE``
for the last edit, ``git log --follow`` for the number of commits. Read in one full scan and
refreshed commit by commit (the cached, incremental path).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from proposal_tui.domain.model import SectionHistory
from proposal_tui.store.history import HistoryStore
from tests.fixtures import commit_as
from tests.gitutil import git


def _init(tmp_path: Path) -> Path:
    repo = tmp_path / "history"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    return repo


def _commit(repo: Path, who: str, day: int, message: str,
            files: dict[str, str] | None = None) -> str:
    return commit_as(repo, who, f"{who}@example.com",
                     f"2026-11-{day:02d}T09:00:00-05:00", message, files)


def _paras(word: str, count: int = 12) -> list[str]:
    return [f"{word} paragraph {i}: {word} {word} {word} {word}\n" for i in range(count)]


def _history(repo: Path, path: str, each_commit: bool) -> SectionHistory:
    store = HistoryStore(repo, repo / ".git")
    if each_commit:
        for sha in git(repo, "rev-list", "--reverse", "HEAD").split():
            store.refresh(sha)
    return store.refresh().section_history(path)


def _follow_count(repo: Path, path: str) -> int:
    return len(git(repo, "log", "--follow", "--format=%H", "--", path).split())


MODES = pytest.mark.parametrize("each_commit", [False, True], ids=["one-scan", "refreshed"])


@MODES
def test_a_merge_that_resolves_a_conflict_is_the_files_last_edit(tmp_path: Path,
                                                                each_commit: bool) -> None:
    repo = _init(tmp_path)
    text = _paras("alpha")
    _commit(repo, "ana", 1, "Add the approach", {"approach.md": "".join(text)})
    git(repo, "checkout", "-q", "-b", "side")
    _commit(repo, "bob", 2, "Side wording", {"approach.md": "".join(["side\n", *text[1:]])})
    git(repo, "checkout", "-q", "main")
    _commit(repo, "cat", 3, "Main wording", {"approach.md": "".join(["main\n", *text[1:]])})
    conflict = subprocess.run(["git", "merge", "-q", "side"], cwd=repo, capture_output=True)
    assert conflict.returncode == 1  # a conflict, resolved by hand below
    merge = _commit(repo, "dan", 4, "Merge side, keeping both wordings", {"approach.md": ""
                    .join(["both\n", *text[1:]])})
    assert git(repo, "log", "-1", "--format=%H", "--", "approach.md").strip() == merge
    history = _history(repo, "approach.md", each_commit)
    assert history.last is not None and history.last.sha == merge
    assert history.last.author == "dan"
    assert history.commits == _follow_count(repo, "approach.md") == 3


@MODES
def test_a_clean_merge_leaves_the_last_edit_on_the_branch(tmp_path: Path,
                                                         each_commit: bool) -> None:
    repo = _init(tmp_path)
    _commit(repo, "ana", 1, "Add both", {"a.md": "".join(_paras("alpha")),
                                          "b.md": "".join(_paras("bravo"))})
    git(repo, "checkout", "-q", "-b", "side")
    edit = _commit(repo, "bob", 2, "Edit a", {"a.md": "".join(_paras("alpha")) + "bob\n"})
    git(repo, "checkout", "-q", "main")
    _commit(repo, "cat", 3, "Edit b", {"b.md": "".join(_paras("bravo")) + "cat\n"})
    git(repo, "merge", "-q", "--no-edit", "side")
    history = _history(repo, "a.md", each_commit)
    assert history.last is not None and history.last.sha == edit
    assert history.commits == 2


@MODES
def test_a_section_split_off_another_carries_its_history(tmp_path: Path,
                                                         each_commit: bool) -> None:
    """The original kept: git reports the new file as a copy of the old one."""
    repo = _init(tmp_path)
    text = _paras("method", 30)
    first = _commit(repo, "ana", 1, "Add the methods", {"methods.md": "".join(text)})
    _commit(repo, "bob", 2, "Edit the methods", {"methods.md": "".join(["bob\n", *text])})
    _commit(repo, "cat", 3, "Split the evaluation off",
            {"methods.md": "".join(["bob\n", *text[:12]]), "evaluation.md": "".join(text[8:])})
    _commit(repo, "dan", 4, "Edit the methods again",
            {"methods.md": "".join(["dan\n", *text[:12]])})
    history = _history(repo, "evaluation.md", each_commit)
    assert history.commits == _follow_count(repo, "evaluation.md") == 3
    assert history.first is not None and history.first.sha == first
    assert "dan@example.com" not in history.contributors  # after the split: methods only
    methods = _history(repo, "methods.md", each_commit)
    assert methods.commits == _follow_count(repo, "methods.md") == 4


@MODES
def test_a_section_split_in_two_with_the_original_deleted(tmp_path: Path,
                                                          each_commit: bool) -> None:
    """git reports one half as a rename and the other as a copy of the deleted file."""
    repo = _init(tmp_path)
    text = _paras("budget", 30)
    first = _commit(repo, "ana", 1, "Add the budget", {"budget.md": "".join(text)})
    _commit(repo, "bob", 2, "Edit the budget", {"budget.md": "".join(["bob\n", *text])})
    git(repo, "rm", "-q", "budget.md")
    _commit(repo, "cat", 3, "Split the budget in two",
            {"budget/personnel.md": "".join(["bob\n", *text[:20]]),
             "budget/equipment.md": "".join(text[10:])})
    for path in ("budget/personnel.md", "budget/equipment.md"):
        history = _history(repo, path, each_commit)
        assert history.commits == _follow_count(repo, path) == 3, path
        assert history.first is not None and history.first.sha == first


@MODES
def test_a_move_across_folders_then_a_copy_back_keeps_the_whole_history(
        tmp_path: Path, each_commit: bool) -> None:
    """Moved into a folder, then copied back to its old name (a split done in two steps):
    the old name's history counts once, and the moves before it are followed."""
    repo = _init(tmp_path)
    text = _paras("aims", 30)
    first = _commit(repo, "ana", 1, "Add the aims", {"aims.md": "".join(text)})
    git(repo, "mv", "aims.md", "intro.md")
    _commit(repo, "bob", 2, "Rename to intro")
    _commit(repo, "cat", 3, "Edit intro", {"intro.md": "".join(["cat\n", *text])})
    (repo / "sections" / "intro").mkdir(parents=True)
    git(repo, "mv", "intro.md", "sections/intro/aims.md")
    _commit(repo, "dan", 4, "Move into sections/")
    _commit(repo, "eve", 5, "Split the aims back out",
            {"intro.md": "".join(["cat\n", *text[:25]]),
             "sections/intro/aims.md": "".join(text[20:])})
    _commit(repo, "fay", 6, "Edit intro", {"intro.md": "".join(["fay\n", *text[:25]])})
    for path in ("intro.md", "sections/intro/aims.md"):
        history = _history(repo, path, each_commit)
        assert history.commits == _follow_count(repo, path), path
        assert history.first is not None and history.first.sha == first, path
