"""The comment branch: appends from many processes, reads in two git calls, offline merges."""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import proposal_tui.store.comments as store_mod
from proposal_tui.domain.comments import CommentEvent, make_event, replay, to_json
from proposal_tui.domain.identity import Identity
from proposal_tui.store.comments import COMMENTS_REF, CommentStore
from proposal_tui.store.plumbing import build_commit, update_ref_cas
from tests import ROOT
from tests.gitutil import author_env, git

ANN = Identity("Ann Writer", "ann@example.com")
BOB = Identity("Bob Reviewer", "bob@example.com")
RNG = random.Random(42)


def comment(section: str = "intro", body: str = "Please tighten", who: str = "ann",
            **kw: Any) -> CommentEvent:
    return make_event("comment", section, who, dt.datetime.now(dt.UTC), RNG, body=body,
                      **kw)


def reply(root: CommentEvent, who: str = "bob", action: str = "reply",
          body: str = "Done") -> CommentEvent:
    return make_event(action, root.section, who, dt.datetime.now(dt.UTC), RNG,
                      body=body, thread=root.id)


def test_bare_append_and_read(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "--bare", "r.git")
    store = CommentStore(tmp_path / "r.git")
    assert store.events() == [] and store.threads() == []
    root = comment(kind="question", round="Pink Team")
    sha = store.append(root, ANN)
    store.append(reply(root), BOB)
    store.append(reply(root, action="resolve", body=""), BOB)
    (thread,) = store.threads()
    assert thread.root == root and thread.resolved and thread.resolved_by == "bob"
    assert store.errors == []
    log = git(tmp_path / "r.git", "log", "--format=%an <%ae>|%s", COMMENTS_REF).splitlines()
    assert log[-1] == f"Ann Writer <ann@example.com>|comment: intro comment {root.id}"
    assert log[0].startswith("Bob Reviewer <bob@example.com>|comment: intro resolve ")
    # Exactly one new file per commit.
    assert git(tmp_path / "r.git", "show", "--format=", "--name-status", sha).strip() == \
        f"A\tcomments/intro/{root.id}.json"


def test_reads_take_two_git_calls_and_are_cached(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    git(tmp_path, "init", "-q", "--bare", "r.git")
    repo = tmp_path / "r.git"
    writer = CommentStore(repo)
    for i in range(30):
        writer.append(comment(body=f"c{i}"), ANN)
    calls: list[tuple[str, int]] = []
    real = store_mod.run_git_bytes

    def counting(args: list[str], cwd: Any, **kw: Any) -> Any:
        calls.append((args[0], len((kw.get("input") or b"").splitlines())))
        return real(args, cwd, **kw)

    monkeypatch.setattr(store_mod, "run_git_bytes", counting)
    real_read = store_mod.read_objects

    def counting_read(cwd: Any, names: list[str]) -> Any:  # blobs: one `git cat-file --batch`
        calls.append(("cat-file", len(list(dict.fromkeys(names)))))
        return real_read(cwd, names)

    monkeypatch.setattr(store_mod, "read_objects", counting_read)
    reader = CommentStore(repo)
    assert len(reader.events()) == 30
    assert calls == [("ls-tree", 0), ("cat-file", 30)]
    calls.clear()
    assert len(reader.events()) == 30 and calls == []  # same tip: nothing re-read
    writer.append(comment(body="late"), ANN)  # another store (could be another process)
    assert len(reader.events()) == 31
    assert calls == [("ls-tree", 0), ("cat-file", 1)]  # only the new blob is fetched


def test_malformed_files_reported_not_fatal(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "--bare", "r.git")
    repo = tmp_path / "r.git"
    store = CommentStore(repo)
    good = comment()
    store.append(good, ANN)
    misplaced = comment(section="budget")
    tip = git(repo, "rev-parse", COMMENTS_REF).strip()
    bad = {
        "comments/intro/broken.json": b'{"v": 1,\n  nope',
        "comments/intro/latin1.json": b'{"body": "caf\xe9"}',
        "comments/intro/missing.json": b'{"v": 1, "id": "x"}',
        "comments/intro/notes.txt": b"stray",
        "comments/intro/copied.json": to_json(misplaced),
        "README.md": b"not ours to judge",
    }
    sha = build_commit(repo, tip, bad, "outside edit", BOB)
    assert update_ref_cas(repo, COMMENTS_REF, sha, tip)
    assert store.events() == [good]
    errors = {e.path: str(e) for e in store.errors}
    assert set(errors) == {p for p in bad if p.startswith("comments/")}
    assert "invalid JSON" in errors["comments/intro/broken.json"]
    assert errors["comments/intro/broken.json"].startswith("comments/intro/broken.json:2:")
    assert "not UTF-8" in errors["comments/intro/latin1.json"]
    assert "missing field" in errors["comments/intro/missing.json"]
    assert "does not match" in errors["comments/intro/copied.json"]
    assert "not a comment event file" in errors["comments/intro/notes.txt"]
    store.append(reply(good), BOB)  # writing still works on top of the damaged tree
    assert len(store.threads()[0].replies) == 1 and len(store.errors) == 5


def test_work_tree_index_and_staging_untouched(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "origin")
    origin = tmp_path / "origin"
    (origin / "a.md").write_text("a\n")
    (origin / "b.md").write_text("b\n")
    git(origin, "add", ".")
    git(origin, "commit", "-q", "-m", "init", env=author_env("Cy", "cy@example.com"))
    git(tmp_path, "clone", "-q", str(origin), "clone")
    repo = tmp_path / "clone"
    (repo / "a.md").write_text("a staged\n")
    git(repo, "add", "a.md")
    (repo / "b.md").write_text("b edited\n")
    (repo / "new.md").write_text("untracked\n")

    def snapshot() -> tuple[str, ...]:
        return (git(repo, "status", "--porcelain"), git(repo, "diff", "--cached"),
                git(repo, "diff"), git(repo, "rev-parse", "HEAD", "--symbolic-full-name", "HEAD"),
                (repo / ".git" / "index").read_bytes().hex())

    before = snapshot()
    store = CommentStore(repo)
    for i in range(10):
        store.append(comment(body=f"c{i}"), ANN)
    assert snapshot() == before
    assert "M  a.md" in before[0] and " M b.md" in before[0]
    assert len(store.events()) == 10
    assert sorted(p.name for p in repo.iterdir()) == [".git", "a.md", "b.md", "new.md"]


WORKER = """
import datetime as dt, random, sys, time
from pathlib import Path
from proposal_tui.domain.comments import make_event
from proposal_tui.domain.identity import Identity
from proposal_tui.store.comments import CommentStore
repo, n, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
store, rng = CommentStore(repo), random.SystemRandom()
me = Identity(f"Person {n}", f"p{n}@example.com")
print("ready", flush=True)
while not go.exists():
    time.sleep(0.002)
for i in range(10):
    now = dt.datetime.now(dt.timezone.utc)
    store.append(make_event("comment", f"s{n % 4}", f"p{n}", now, rng, body=f"{n}-{i}"), me)
"""


@pytest.mark.parametrize("bare", [True, False])
def test_twenty_processes_lose_nothing(tmp_path: Path, bare: bool) -> None:
    git(tmp_path, "init", "-q", *(["--bare"] if bare else []), "r")
    repo, go = tmp_path / "r", tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(repo), str(n), str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
             for n in range(20)]
    for p in procs:  # every interpreter is up before anyone writes: a real stampede
        assert p.stdout is not None and p.stdout.readline() == b"ready\n"
    start = time.perf_counter()
    go.touch()
    results = [(p.wait(timeout=240), p.stderr.read() if p.stderr else b"") for p in procs]
    elapsed = time.perf_counter() - start
    assert results == [(0, b"")] * 20
    events = CommentStore(repo).events()
    assert sorted(e.body for e in events) == sorted(f"{n}-{i}" for n in range(20)
                                                    for i in range(10))
    assert len({e.id for e in events}) == 200
    assert git(repo, "rev-list", "--count", COMMENTS_REF).strip() == "200"
    git(repo, "fsck", "--strict", "--no-progress")
    leftovers = [p.name for p in (repo / ("" if bare else ".git") / "proposal-tui").iterdir()]
    assert leftovers == ["writer.lock"]  # every temp index was removed
    print(f"\n20 processes x 10 appends ({'bare' if bare else 'work tree'}): {elapsed:.2f} s")


def test_offline_clones_merge_without_conflict(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "seed")
    (tmp_path / "seed" / "proposal.toml").write_text("[proposal]\ntitle = 'X'\n")
    git(tmp_path / "seed", "add", ".")
    git(tmp_path / "seed", "commit", "-q", "-m", "seed", env=author_env("Cy", "cy@example.com"))
    git(tmp_path, "clone", "-q", "--bare", "seed", "origin.git")
    a, b = tmp_path / "a", tmp_path / "b"
    git(tmp_path, "clone", "-q", "origin.git", "a")
    root = comment(section="intro", body="Shared root")
    CommentStore(a).append(root, ANN)
    git(a, "push", "-q", "origin", "proposal-comments")
    git(tmp_path, "clone", "-q", "origin.git", "b")
    git(b, "fetch", "-q", "origin", "proposal-comments:proposal-comments")

    # Both work offline on the same thread and on new ones.
    offline_a = [reply(root, "ann", body="A says"), comment(section="budget", body="A new"),
                 reply(root, "ann", action="resolve", body="")]
    offline_b = [reply(root, "bob", body="B says"), comment(section="intro", body="B new")]
    for e in offline_a:
        CommentStore(a).append(e, ANN)
    for e in offline_b:
        CommentStore(b).append(e, BOB)

    git(a, "fetch", "-q", str(b), "proposal-comments:refs/remotes/b/proposal-comments")
    ours = git(a, "rev-parse", COMMENTS_REF).strip()
    theirs = git(a, "rev-parse", "refs/remotes/b/proposal-comments").strip()
    tree = git(a, "merge-tree", "--write-tree", ours, theirs).splitlines()[0]  # exit 0: clean
    merge = git(a, "commit-tree", tree, "-p", ours, "-p", theirs, input="merge comments\n",
                env=author_env("Ann Writer", "ann@example.com")).strip()
    assert update_ref_cas(a, COMMENTS_REF, merge, ours)

    store = CommentStore(a)
    events = store.events()
    assert store.errors == []
    assert sorted(e.id for e in events) == sorted(e.id for e in [root, *offline_a, *offline_b])
    threads = store.threads()
    assert threads == replay(list(reversed(events)))
    first = next(t for t in threads if t.id == root.id)
    assert [r.body for r in first.replies] == ["A says", "B says"] and first.resolved
    assert len(threads) == 3
