"""The group-commit path for comment events: the same commits as the general path, valid
objects (loose and packed), nothing added twice, nothing left queued after a failure."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
from pathlib import Path

import pytest

from proposal_tui.domain.comments import event_path, make_event, to_json
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.store import fastappend
from proposal_tui.store.comments import COMMENTS_REF, CommentStore
from tests.command import run
from tests.gitutil import git

ANN = Identity("Ann Writer", "ann@example.com")
BOB = Identity("Bob Reviewer", "bob@example.com")
T0 = dt.datetime(2026, 12, 2, 14, 0, tzinfo=dt.UTC)


def events(n: int) -> list:
    rng = random.Random(7)
    return [make_event("comment", f"sec{i % 3}", "ann" if i % 2 else "bob",
                       T0 + dt.timedelta(seconds=i), rng, body=f"note {i}") for i in range(n)]


def bare(tmp_path: Path, name: str) -> Path:
    git(tmp_path, "init", "-q", "--bare", name)
    return tmp_path / name


def message(e) -> str:  # type: ignore[no-untyped-def]
    return f"comment: {e.section} {e.action} {e.id}"


def test_same_commits_as_the_general_path(tmp_path: Path) -> None:
    general, fast = bare(tmp_path, "general.git"), bare(tmp_path, "fast.git")
    for e in events(5):
        who = ANN if e.author == "ann" else BOB
        CommentStore(general).append(e, who)
        fastappend.append_file(fast, COMMENTS_REF, event_path(e), to_json(e), message(e), who,
                               e.created)
    assert git(general, "rev-parse", COMMENTS_REF) == git(fast, "rev-parse", COMMENTS_REF)
    assert git(fast, "fsck", "--strict", "--no-dangling").strip() == ""


def test_a_queued_batch_becomes_one_commit_per_event_in_a_pack(tmp_path: Path) -> None:
    repo = bare(tmp_path, "r.git")
    gdir, _ = fastappend.repo_info(repo)
    spool = fastappend._spool(gdir)
    batch = events(12)
    waiting = []  # each request flocked, as the command that queued it holds it while waiting
    for i, e in enumerate(batch):
        request = fastappend.Request(COMMENTS_REF, event_path(e), to_json(e), message(e),
                                     ANN if e.author == "ann" else BOB, e.created)
        waiting.append(fastappend._claim(spool / f"{i:04d}.tmp", request.dump(), gdir))
        (spool / f"{i:04d}.tmp").rename(spool / f"{i:04d}.req")
    fastappend._drain(repo, gdir, spool)
    for claim in waiting:
        claim.close()
    assert list(spool.iterdir()) == []
    assert list((repo / "objects" / "pack").glob("pack-*.idx"))  # written as a pack
    assert git(repo, "fsck", "--strict", "--no-dangling").strip() == ""
    log = git(repo, "log", "--reverse", "--format=%an|%s", COMMENTS_REF).splitlines()
    assert log == [f"{'Ann Writer' if e.author == 'ann' else 'Bob Reviewer'}|{message(e)}"
                   for e in batch]
    assert sorted(e.id for e in CommentStore(repo).events()) == sorted(e.id for e in batch)
    # Rebuilt on the same tip by the general path: the very same tree.
    general = bare(tmp_path, "g.git")
    for e in batch:
        CommentStore(general).append(e, ANN if e.author == "ann" else BOB)
    assert git(general, "rev-parse", f"{COMMENTS_REF}^{{tree}}") == \
        git(repo, "rev-parse", f"{COMMENTS_REF}^{{tree}}")


def test_a_request_left_after_a_crash_is_not_added_twice(tmp_path: Path) -> None:
    repo = bare(tmp_path, "r.git")
    (e,) = events(1)
    fastappend.append_file(repo, COMMENTS_REF, event_path(e), to_json(e), message(e), ANN,
                           e.created)
    gdir, _ = fastappend.repo_info(repo)
    spool = fastappend._spool(gdir)
    request = fastappend.Request(COMMENTS_REF, event_path(e), to_json(e), message(e), ANN,
                                 e.created)
    (spool / "0001.req").write_bytes(request.dump())  # committed, then the drainer died
    before = git(repo, "rev-parse", COMMENTS_REF)
    fastappend._drain(repo, gdir, spool)
    assert git(repo, "rev-parse", COMMENTS_REF) == before and list(spool.iterdir()) == []


def test_a_failed_append_is_withdrawn(tmp_path: Path) -> None:
    repo = bare(tmp_path, "r.git")
    (e,) = events(1)
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=repo, input=b"x",
                          capture_output=True, check=True).stdout.decode().strip()
    tree = git(repo, "mktree", input=f"100644 blob {blob}\tcomments\n").strip()
    commit = git(repo, "commit-tree", tree, "-m", "odd", env={
        "GIT_AUTHOR_NAME": "x", "GIT_AUTHOR_EMAIL": "x@x", "GIT_COMMITTER_NAME": "x",
        "GIT_COMMITTER_EMAIL": "x@x"}).strip()
    git(repo, "update-ref", COMMENTS_REF, commit)  # 'comments' is a file, not a folder
    with pytest.raises(ProposalError, match="not a folder"):
        fastappend.append_file(repo, COMMENTS_REF, event_path(e), to_json(e), message(e),
                               ANN, e.created)
    gdir, _ = fastappend.repo_info(repo)
    assert list(fastappend._spool(gdir).iterdir()) == []
    assert git(repo, "rev-parse", COMMENTS_REF).strip() == commit


def test_sha256_repositories_use_the_general_path(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    git(tmp_path, "init", "-q", "--object-format=sha256", "r")
    (repo / "sections").mkdir()
    (repo / "sections" / "a.md").write_text("# A\n\nText.\n")
    (repo / "proposal.toml").write_text(
        '[proposal]\ntitle = "T"\n\n[[people]]\nhandle = "rex"\nname = "Rex"\n'
        'email = "rex@example.com"\nrole = "reviewer"\n\n[[sections]]\nid = "a"\n'
        'title = "A"\nfile = "sections/a.md"\n')
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "start")
    res = run("--repo", str(repo), "--as", "rex", "comment", "a", "-m", "hello", "--quote",
              "Text.")
    assert res.code == 0, res.err
    (item,) = run("--repo", str(repo), "comments", "--json").json()
    assert item["body"] == "hello" and len(item["anchor"]["commit"]) == 64
