"""The history index follows renames: chains of them, and paths renamed into more than once.

Real repositories and real ``git mv`` commits; the index is read exactly as the dashboard
reads it, both in one full scan and refreshed commit by commit (the cached, incremental path).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from proposal_tui.domain.model import SectionHistory
from proposal_tui.store.history import HistoryStore
from tests.fixtures import commit_as
from tests.gitutil import git

PEOPLE = {name: f"{name}@example.com" for name in ("ana", "bob", "cat", "dan", "eve", "fay")}


def _init(tmp_path: Path) -> Path:
    repo = tmp_path / "renames"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    return repo


def _commit(repo: Path, who: str, day: int, message: str,
            files: dict[str, str] | None = None) -> str:
    return commit_as(repo, who, PEOPLE[who], f"2026-11-{day:02d}T09:00:00-05:00", message, files)


def _lines(word: str) -> str:
    """Content distinct enough that git pairs each rename with the right file."""
    return "".join(f"{word} line {i}: {word * 3}\n" for i in range(12))


def _history(repo: Path, path: str, steps: list[str] | None = None) -> tuple[list[str],
                                                                              SectionHistory]:
    """Lineage and history of ``path``: one full scan, or refreshed at each of ``steps``."""
    store = HistoryStore(repo, repo / ".git")
    for sha in steps or []:
        store.refresh(sha)
    index = store.refresh()
    return index.lineage(path), index.section_history(path)


def _emails(history: SectionHistory) -> list[str]:
    return [e.split("@")[0] for e in history.contributors]


# --- a) two renames in a row: A -> B, later B -> C ---------------------------------------------

def _chain(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = _init(tmp_path)
    shas = {"add": _commit(repo, "ana", 1, "Add A", {"A.md": _lines("alpha")}),
            "edit-a": _commit(repo, "bob", 2, "Edit A", {"A.md": _lines("alpha") + "bob\n"})}
    git(repo, "mv", "A.md", "B.md")
    shas["a-to-b"] = _commit(repo, "cat", 3, "Rename A to B")
    shas["edit-b"] = _commit(repo, "dan", 4, "Edit B", {"B.md": _lines("alpha") + "dan\n"})
    git(repo, "mv", "B.md", "C.md")
    shas["b-to-c"] = _commit(repo, "eve", 5, "Rename B to C")
    shas["edit-c"] = _commit(repo, "fay", 6, "Edit C", {"C.md": _lines("alpha") + "fay\n"})
    return repo, shas


@pytest.mark.parametrize("steps", [[], ["a-to-b"], ["add", "edit-a", "a-to-b", "edit-b",
                                                      "b-to-c"]],
                         ids=["one-scan", "refreshed-between-renames", "refreshed-each-commit"])
def test_a_file_renamed_twice_keeps_all_three_names_history(tmp_path: Path,
                                                             steps: list[str]) -> None:
    repo, shas = _chain(tmp_path)
    lineage, history = _history(repo, "C.md", [shas[s] for s in steps])
    assert lineage == ["C.md", "B.md", "A.md"]
    assert history.commits == 6  # add, edit A, rename, edit B, rename, edit C
    assert history.first is not None and history.first.sha == shas["add"]
    assert history.first.author == "ana"
    assert history.last is not None and history.last.sha == shas["edit-c"]
    assert _emails(history) == ["fay", "eve", "dan", "cat", "bob", "ana"]  # newest first


# --- b) a path renamed into twice: X -> P, P -> Q, later Y -> P --------------------------------
# P today holds what was Y, so P's past is Y's (the newest rename into P), not X's: X's
# content left P when it became Q.

def _renamed_into_twice(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = _init(tmp_path)
    shas = {"add-x": _commit(repo, "ana", 1, "Add X", {"X.md": _lines("xray")}),
            "add-y": _commit(repo, "bob", 2, "Add Y", {"Y.md": _lines("yankee")})}
    git(repo, "mv", "X.md", "P.md")
    shas["x-to-p"] = _commit(repo, "cat", 3, "Rename X to P")
    git(repo, "mv", "P.md", "Q.md")
    shas["p-to-q"] = _commit(repo, "dan", 4, "Rename P to Q")
    git(repo, "mv", "Y.md", "P.md")
    shas["y-to-p"] = _commit(repo, "eve", 5, "Rename Y to P")
    shas["edit-p"] = _commit(repo, "fay", 6, "Edit P", {"P.md": _lines("yankee") + "fay\n"})
    return repo, shas


@pytest.mark.parametrize("steps", [[], ["p-to-q"], ["x-to-p", "p-to-q"]],
                         ids=["one-scan", "refreshed-before-second-rename",
                              "refreshed-after-each-rename"])
def test_a_path_renamed_into_twice_follows_its_newest_rename(tmp_path: Path,
                                                            steps: list[str]) -> None:
    repo, shas = _renamed_into_twice(tmp_path)
    lineage, history = _history(repo, "P.md", [shas[s] for s in steps])
    assert lineage == ["P.md", "Y.md"]
    # Y's commit (bob), then P's own: X -> P (cat, the path's first life), Y -> P, the edit.
    assert history.first is not None and history.first.sha == shas["add-y"]
    assert history.first.author == "bob"
    assert "ana" not in _emails(history)  # X's author never touched what P holds now
    assert history.commits == 4
