"""The pre-receive hook holds writers to the comment rules too, not only reviewers.

Real bare repository, real hook installed by `proposal install-hook`, real `git push`. The
hook knows the pusher by the account it runs as; the account running the tests is declared a
gated one (``proposal.gateAccounts``), so ``PROPOSAL_PUSHER`` names who pushes, as the gate's
forced command would. A writer may add only events they wrote,
and resolve only their own threads or threads on the sections they own.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import random
import subprocess
from pathlib import Path

import pytest

from proposal_tui.domain.comments import make_event
from proposal_tui.domain.identity import Identity
from proposal_tui.store.comments import COMMENTS_REF, CommentStore
from tests.command import run
from tests.fixtures import make_proposal
from tests.gitutil import git

WES = Identity("Wes Writer", "wes@example.com")  # a writer; owns summary and staffing


def push_comments(clone: Path, user: str) -> tuple[int, str]:
    """Push the comments branch with plain git, as any client could."""
    env = {**os.environ, "PROPOSAL_PUSHER": user}
    proc = subprocess.run(["git", "push", "origin", f"{COMMENTS_REF}:{COMMENTS_REF}"],
                          cwd=clone, env=env, capture_output=True, text=True)
    return proc.returncode, proc.stderr


def sync(clone: Path, user: str) -> None:
    res = run("--repo", str(clone), "sync", env={"PROPOSAL_PUSHER": user})
    assert res.code == 0, res.err


@pytest.fixture()
def server(tmp_path: Path) -> Path:
    bare = tmp_path / "server.git"
    git(tmp_path, "clone", "-q", "--bare", str(make_proposal(tmp_path)), str(bare))
    res = run("--repo", str(bare), "install-hook")
    assert res.code == 0, res.err
    git(bare, "config", "proposal.gateAccounts", pwd.getpwuid(os.getuid()).pw_name)
    return bare


def clone(server: Path, name: str) -> Path:
    path = server.parent / name
    git(server.parent, "clone", "-q", str(server), str(path))
    return path


def comment(repo: Path, who: str, section: str, body: str) -> str:
    res = run("--repo", str(repo), "--as", who, "comment", section, "-m", body)
    assert res.code == 0, res.err
    return res.out.split()[1]


def resolve_event(repo: Path, section: str, thread: str, seed: int) -> None:
    """Write Wes's resolve event directly (his app would refuse), as another client would."""
    event = make_event("resolve", section, "wes", dt.datetime.now(dt.UTC),
                       random.Random(seed), thread=thread)
    CommentStore(repo).append(event, WES)


def server_threads(server: Path) -> dict[str, dict]:
    res = run("--repo", str(server), "comments", "--json")
    assert res.code == 0, res.err
    return {t["body"]: t for t in res.json()}


def test_a_writer_may_not_push_an_event_written_as_someone_else(server: Path) -> None:
    wes = clone(server, "wes")
    comment(wes, "val", "summary", "forged as val")  # the app allows --as; the server not
    code, err = push_comments(wes, "wes")
    assert code != 0, err
    assert "permission denied: wes (writer) may not add an event written as 'val'" in err
    assert server_threads(server) == {}
    # His own words, on the same clone once the forged one is gone, are accepted.
    git(wes, "update-ref", "-d", COMMENTS_REF)
    comment(wes, "wes", "summary", "by wes")
    code, err = push_comments(wes, "wes")
    assert code == 0, err
    assert list(server_threads(server)) == ["by wes"]


def test_a_writer_may_resolve_only_on_sections_they_own(server: Path) -> None:
    mia = clone(server, "mia")
    on_approach = comment(mia, "mia", "approach", "mia on val's approach")
    on_summary = comment(mia, "mia", "summary", "mia on wes's summary")
    sync(mia, "mia")
    wes = clone(server, "wes")
    sync(wes, "wes")
    assert run("--repo", str(wes), "--as", "wes", "resolve", on_approach).code == 3
    resolve_event(wes, "approach", on_approach, seed=1)
    code, err = push_comments(wes, "wes")
    assert code != 0, err
    assert f"permission denied: wes (writer) may not resolve thread {on_approach}" in err
    assert server_threads(server)["mia on val's approach"]["resolved"] is False
    # A thread on his own section, though written by the manager, is his to resolve.
    git(wes, "fetch", "-q", "--force", "origin", f"{COMMENTS_REF}:{COMMENTS_REF}")
    resolve_event(wes, "summary", on_summary, seed=2)
    code, err = push_comments(wes, "wes")
    assert code == 0, err
    threads = server_threads(server)
    assert threads["mia on wes's summary"]["resolved"] is True
    assert threads["mia on val's approach"]["resolved"] is False
