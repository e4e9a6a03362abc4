"""The comment store's disk cache: a new process starts from it and reads only what is new."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest

import proposal_tui.store.comments as store_mod
from proposal_tui.domain.comments import Anchor, CommentEvent, make_event
from proposal_tui.domain.identity import Identity
from proposal_tui.store.comments import COMMENTS_REF, CommentStore
from proposal_tui.store.plumbing import build_commit, update_ref_cas
from tests.gitutil import git

ANN = Identity("Ann Writer", "ann@example.com")
RNG = random.Random(7)


def comment(body: str, **kw: Any) -> CommentEvent:
    return make_event("comment", "intro", "ann", dt.datetime.now(dt.UTC), RNG,
                      body=body, **kw)


def count_git(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    calls: list[tuple[str, int]] = []
    real_run, real_read = store_mod.run_git_bytes, store_mod.read_objects

    def run(args: list[str], cwd: Any, **kw: Any) -> Any:
        calls.append((args[0], 0))
        return real_run(args, cwd, **kw)

    def read(cwd: Any, names: list[str]) -> Any:
        calls.append(("cat-file", len(set(names))))
        return real_read(cwd, names)

    monkeypatch.setattr(store_mod, "run_git_bytes", run)
    monkeypatch.setattr(store_mod, "read_objects", read)
    return calls


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "--bare", "r.git")
    path = tmp_path / "r.git"
    writer = CommentStore(path)
    anchor = Anchor(line_start=2, line_end=3, quote="café", commit="a" * 40)
    writer.append(comment("first", kind="question", round="Pink", anchor=anchor), ANN)
    for i in range(4):
        writer.append(comment(f"c{i}"), ANN)
    tip = git(path, "rev-parse", COMMENTS_REF).strip()
    damaged = {"comments/intro/broken.json": b'{"v": 1,\n  nope',
               "comments/intro/notes.txt": b"stray"}
    assert update_ref_cas(path, COMMENTS_REF, build_commit(path, tip, damaged, "x", ANN), tip)
    return path


def test_restart_reads_nothing_and_new_events_incrementally(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = CommentStore(repo)
    expected, errors = plain.events(), [str(e) for e in plain.errors]
    assert CommentStore(repo, cache_dir=repo).events() == expected  # writes the cache
    calls = count_git(monkeypatch)
    restarted = CommentStore(repo, cache_dir=repo)
    assert restarted.events() == expected
    assert [str(e) for e in restarted.errors] == errors and len(errors) == 2
    assert calls == []  # no listing, no blob read: only the tip was resolved
    CommentStore(repo).append(comment("late"), ANN)  # another process
    assert len(CommentStore(repo, cache_dir=repo).events()) == len(expected) + 1
    assert calls == [("ls-tree", 0), ("cat-file", 1)]  # only the new blob
    calls.clear()
    assert len(CommentStore(repo, cache_dir=repo).events()) == len(expected) + 1
    assert calls == []


@pytest.mark.parametrize("damage", [b"", b"\0" * 40, b'{"version": 1, "tip": 3}',
                                    b'{"version": 1, "tip": "x", "entries": [["a", "b"]],'
                                    b' "others": [], "events": {}, "bad": {}}'])
def test_damaged_cache_is_rebuilt(repo: Path, damage: bytes) -> None:
    expected = CommentStore(repo).events()
    CommentStore(repo, cache_dir=repo).events()
    cache = repo / "proposal-tui" / "comments.json"
    cache.write_bytes(damage)
    store = CommentStore(repo, cache_dir=repo)
    assert store.events() == expected and len(store.errors) == 2
    assert CommentStore(repo, cache_dir=repo).events() == expected  # rewritten, usable
