"""The pre-receive hook, tested with real pushes into a real bare repository.

The pusher is the Unix account the hook runs as, or PROPOSAL_PUSHER when that account is a
gated one (``proposal.gateAccounts``). These tests all push as the account running them, so
the server fixture declares it gated and each push names its person in PROPOSAL_PUSHER, as
the forced command of a gated key would (tests/ssh/test_hook_ssh_attacks.py tries the same with
real accounts over SSH).
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import random
import subprocess
from pathlib import Path

import pytest

from proposal_tui.domain.comments import CommentEvent, make_event
from proposal_tui.domain.identity import Identity
from proposal_tui.store.comments import COMMENTS_REF, CommentStore
from tests.command import assert_clean_error, run
from tests.fixtures import make_proposal
from tests.gitutil import author_env, git


def push(clone: Path, *refspecs: str, user: str, force: bool = False) -> tuple[int, str]:
    env = {**os.environ, "PROPOSAL_PUSHER": user}
    proc = subprocess.run(["git", "push", "origin", *(["--force"] if force else []),
                           *refspecs], cwd=clone, env=env, capture_output=True, text=True)
    return proc.returncode, proc.stderr


def sync(clone: Path, user: str) -> tuple[int, str, str]:
    res = run("--repo", str(clone), "sync", env={"PROPOSAL_PUSHER": user})
    return res.code, res.out, res.err


@pytest.fixture()
def server(tmp_path: Path) -> Path:
    work = make_proposal(tmp_path)
    bare = tmp_path / "server.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    res = run("--repo", str(bare), "install-hook")
    assert res.code == 0 and "pre-receive" in res.out, res.err
    git(bare, "config", "proposal.gateAccounts", ME)
    return bare


ME = pwd.getpwuid(os.getuid()).pw_name


def clone(server: Path, name: str, email: str) -> Path:
    path = server.parent / name
    git(server.parent, "clone", "-q", str(server), str(path))
    git(path, "config", "user.email", email)
    git(path, "config", "user.name", name)
    return path


def comment(repo: Path, who: str, section: str = "summary", body: str = "note") -> str:
    res = run("--repo", str(repo), "--as", who, "comment", section, "-m", body)
    assert res.code == 0, res.err
    return res.out.split()[1]


def server_bodies(server: Path) -> list[str]:
    res = run("--repo", str(server), "comments", "--json")
    return sorted(t["body"] for t in res.json())


def test_reviewer_may_push_comments_only(server: Path) -> None:
    rex = clone(server, "rex", "rex@example.com")
    comment(rex, "rex", body="from rex")
    code, out, err = sync(rex, "rex")
    assert code == 0, err
    assert "1 sent" in out and server_bodies(server) == ["from rex"]
    (rex / "sections" / "summary.md").write_text("rex rewrites the summary\n")
    git(rex, "commit", "-qam", "sneaky", env=author_env("Rex", "rex@example.com"))
    code, err = push(rex, "main", user="rex")
    assert code != 0 and "permission denied: rex (reviewer) may not push refs/heads/main" in err
    code, err = push(rex, "main:refs/heads/rex-branch", user="rex")
    assert code != 0 and "reviewers may only add comment events" in err


def test_events_must_be_written_by_the_pusher(server: Path) -> None:
    rex = clone(server, "rex", "rex@example.com")
    comment(rex, "mia", body="forged as mia")  # the app allows --as; the server does not
    code, _out, err = sync(rex, "rex")
    assert code != 0 and "may not add an event written as 'mia'" in err
    assert "Traceback" not in err and server_bodies(server) == []


def test_resolve_only_own_threads(server: Path) -> None:
    mia = clone(server, "mia", "mia@example.com")
    theirs = comment(mia, "mia", body="mia's point")
    assert sync(mia, "mia")[0] == 0
    rex = clone(server, "rex", "rex@example.com")
    assert sync(rex, "rex")[0] == 0
    mine = comment(rex, "rex", body="rex's point")
    assert run("--repo", str(rex), "--as", "rex", "resolve", mine).code == 0
    assert sync(rex, "rex")[0] == 0
    # Rex's app refuses to resolve Mia's thread, so write the event as another client would.
    assert run("--repo", str(rex), "--as", "rex", "resolve", theirs).code == 3
    event = make_event("resolve", "summary", "rex", dt.datetime.now(dt.UTC),
                       random.Random(1), thread=theirs)
    CommentStore(rex).append(event, Identity("Rex Reviewer", "rex@example.com"))
    code, _out, err = sync(rex, "rex")
    assert code != 0 and f"rex (reviewer) may not resolve thread {theirs}" in err
    resolved = {t["id"]: t["resolved"] for t in run("--repo", str(server), "comments",
                                                    "--json").json()}
    assert resolved == {theirs: False, mine: True}


def test_nobody_rewrites_or_deletes_the_comments_branch(server: Path) -> None:
    mia = clone(server, "mia", "mia@example.com")
    comment(mia, "mia", body="one")
    comment(mia, "mia", body="two")
    assert sync(mia, "mia")[0] == 0
    git(mia, "update-ref", COMMENTS_REF, f"{COMMENTS_REF}~1")
    code, err = push(mia, "+proposal-comments", user="mia", force=True)
    assert code != 0 and "nobody may rewrite" in err
    code, err = push(mia, ":proposal-comments", user="mia")
    assert code != 0 and "nobody may delete" in err
    # Editing an event file with plain git is refused, even for the manager.
    git(mia, "fetch", "-q", "origin", f"{COMMENTS_REF}:{COMMENTS_REF}", "--force")
    git(mia, "checkout", "-q", "proposal-comments")
    event = next((mia / "comments" / "summary").iterdir())
    event.write_text(event.read_text().replace('"body": "', '"body": "edited '))
    git(mia, "commit", "-qam", "edit", env=author_env("Mia", "mia@example.com"))
    code, err = push(mia, "proposal-comments", user="mia")
    assert code != 0 and "never changed or deleted" in err
    assert server_bodies(server) == ["one", "two"]
    git(mia, "reset", "-q", "--hard", "HEAD~1")
    event.unlink()
    git(mia, "commit", "-qam", "delete", env=author_env("Mia", "mia@example.com"))
    code, err = push(mia, "proposal-comments", user="mia")
    assert code != 0 and "never changed or deleted" in err


def test_writer_may_change_only_own_status(server: Path) -> None:
    wes = clone(server, "wes", "wes@example.com")
    toml = wes / "proposal.toml"
    text = toml.read_text()
    toml.write_text(text.replace('status = "not-started"   # keep this comment',
                                 'status = "drafting"   # keep this comment'))
    git(wes, "commit", "-qam", "summary drafting", env=author_env("Wes", "wes@example.com"))
    assert push(wes, "main", user="wes")[0] == 0  # summary is Wes's
    toml.write_text(toml.read_text().replace('owner = "val"', 'owner = "wes"'))
    git(wes, "commit", "-qam", "grab approach", env=author_env("Wes", "wes@example.com"))
    code, err = push(wes, "main", user="wes")
    assert code != 0 and "may only change the status of their own sections" in err
    git(wes, "reset", "-q", "--hard", "HEAD~1")
    (wes / "sections" / "approach.md").write_text("# Approach\n\nby wes\n")
    git(wes, "commit", "-qam", "approach\n\nProposal-Status: approved",
        env=author_env("Wes", "wes@example.com"))
    code, err = push(wes, "main", user="wes")
    assert code != 0 and "may not set a Proposal-Status on sections they do not own" in err
    git(wes, "reset", "-q", "--hard", "HEAD~1")
    (wes / "sections" / "summary.md").write_text("# Summary\n\nby wes\n")
    git(wes, "commit", "-qam", "summary\n\nProposal-Status: ready-for-review",
        env=author_env("Wes", "wes@example.com"))
    assert push(wes, "main", user="wes")[0] == 0
    git(wes, "reset", "-q", "--hard", "HEAD~1")
    code, err = push(wes, "main", user="wes", force=True)
    assert code != 0 and "may not rewrite refs/heads/main" in err


def test_manager_may_push_anything_and_strangers_nothing(server: Path) -> None:
    mia = clone(server, "mia", "mia@example.com")
    toml = mia / "proposal.toml"
    toml.write_text(toml.read_text().replace('owner = "val"', 'owner = "wes"'))
    git(mia, "commit", "-qam", "reassign", env=author_env("Mia", "mia@example.com"))
    assert push(mia, "main", user="mia")[0] == 0
    code, err = push(mia, "main:refs/heads/x", user="eve")
    assert code != 0 and "PROPOSAL_PUSHER 'eve'" in err and "is not in proposal.toml" in err
    assert push(mia, "main:refs/heads/x", user="mia")[0] == 0


def test_install_hook_keeps_a_foreign_hook(server: Path) -> None:
    hook = server / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nexit 0\n")
    assert_clean_error(run("--repo", str(server), "install-hook"), 2, "not ours", "--force")
    assert run("--repo", str(server), "install-hook", "--force").code == 0
    assert "proposal-tui pre-receive hook" in hook.read_text()
    assert os.access(hook, os.X_OK)


def test_pusher_variable_counts_only_for_a_gated_account(server: Path) -> None:
    """Item 4: PROPOSAL_PUSHER is the pusher's own environment unless the repository owner
    declared the account gated, in a config file nobody else may write."""
    mia = clone(server, "mia", "mia@example.com")
    git(server, "config", "--unset-all", "proposal.gateAccounts")
    code, err = push(mia, "main:refs/heads/x", user="mia")
    assert code != 0 and f"the account '{ME}' is not in proposal.toml" in err
    git(server, "config", "proposal.gateAccounts", f"someone-else {ME}")
    (server / "config").chmod(0o664)
    code, err = push(mia, "main:refs/heads/x", user="mia")
    assert code != 0 and "config is writable by others than its owner" in err
    (server / "config").chmod(0o644)
    assert push(mia, "main:refs/heads/x", user="mia")[0] == 0


def test_head_naming_a_missing_branch_does_not_turn_the_hook_off(tmp_path: Path) -> None:
    """Item 5: `git init --bare --shared=group` leaves HEAD on master; the team pushes main.
    Only a repository with no ref at all is bootstrapped; then roles come from main."""
    work = make_proposal(tmp_path)
    bare = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", "--shared=group", "-b", "master", str(bare))
    assert run("--repo", str(bare), "install-hook").code == 0
    git(bare, "config", "proposal.gateAccounts", ME)
    (bare / "config").chmod(0o644)  # --shared=group made it group-writable
    git(work, "remote", "add", "origin", str(bare))
    assert push(work, "main:refs/heads/early", user="anyone")[0] == 0  # bootstrap: no refs
    code, err = push(work, "main:refs/heads/other", user="rex")
    assert code != 0 and "no proposal.toml" not in err and \
        "may not push refs/heads/other" in err  # roles from the only branch there is
    assert push(work, "main", user="mia")[0] == 0
    (work / "sections" / "summary.md").write_text("rex rewrites the summary\n")
    git(work, "commit", "-qam", "sneaky", env=author_env("Rex", "rex@example.com"))
    code, err = push(work, "main", user="rex")
    assert code != 0 and "permission denied: rex (reviewer) may not push refs/heads/main" in err
    code, err = push(work, "HEAD:refs/heads/master", user="wes")
    assert code != 0 and "may not change which branch is the default" in err
    assert push(work, "HEAD:refs/heads/wes-work", user="wes")[0] == 0
    git(work, "reset", "-q", "--hard", "HEAD~2")
    code, err = push(work, "main", user="wes", force=True)
    assert code != 0 and "may not rewrite refs/heads/main" in err


def test_refs_without_a_manifest_refuse_with_a_clear_message(tmp_path: Path) -> None:
    bare = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "master", str(bare))
    assert run("--repo", str(bare), "install-hook").code == 0
    git(bare, "config", "proposal.gateAccounts", ME)
    work = tmp_path / "w"
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    (work / "README").write_text("no plan yet\n")
    git(work, "add", "README")
    git(work, "commit", "-qm", "readme", env=author_env("Eve", "eve@example.com"))
    git(work, "remote", "add", "origin", str(bare))
    assert push(work, "main", user="eve")[0] == 0  # the first push: nothing to check against
    git(work, "commit", "-q", "--allow-empty", "-m", "more",
        env=author_env("Eve", "eve@example.com"))
    code, err = push(work, "main", user="eve")
    assert code != 0 and "refs/heads/main has no proposal.toml" in err


def test_a_bad_manifest_is_refused_and_a_broken_server_can_be_fixed(server: Path) -> None:
    """Item 10: a push is judged by the proposal.toml it ends with; roles come from the newest
    one that parses, so the manager's fix goes through on a server broken before."""
    rex = clone(server, "rex", "rex@example.com")
    comment(rex, "rex", body="still works")
    mia = clone(server, "mia", "mia@example.com")
    toml = mia / "proposal.toml"
    good = toml.read_text()
    toml.write_text(good + "\n[[sections]\nid = \n")
    git(mia, "commit", "-qam", "oops", env=author_env("Mia", "mia@example.com"))
    code, err = push(mia, "main", user="mia")
    assert code != 0 and "proposal.toml at refs/heads/main does not parse" in err
    git(server, "fetch", "-q", str(mia), "+main:refs/heads/main")  # no hook on a fetch
    code, _out, err = sync(rex, "rex")
    assert code == 0, err
    code, err = push(mia, "main:refs/heads/x", user="rex")
    assert code != 0 and "rex (reviewer) may not push" in err  # roles still hold
    toml.write_text(good)
    git(mia, "commit", "-qam", "fixed", env=author_env("Mia", "mia@example.com"))
    code, err = push(mia, "main", user="mia")
    assert code == 0, err


def test_rounds_and_requirements_are_managers_only(server: Path) -> None:
    """Item 13: round/* and round-closed/* tags and requirements.toml belong to managers."""
    wes = clone(server, "wes", "wes@example.com")
    tagger = author_env("Wes", "wes@example.com")
    for tag in ("round/pink", "round-closed/pink"):
        git(wes, "tag", "-a", "-m", "mine", tag, "main", env=tagger)
        code, err = push(wes, f"refs/tags/{tag}", user="wes")
        assert code != 0 and f"may not push refs/tags/{tag}" in err
    assert push(wes, "refs/tags/round/pink", user="mia")[0] == 0
    code, err = push(wes, ":refs/tags/round/pink", user="wes")
    assert code != 0 and "may not push refs/tags/round/pink" in err
    assert git(server, "tag", "--list").split() == ["round/pink"]
    (wes / "requirements.toml").write_text('[[requirements]]\nid = "L.1"\ntext = "x"\n'
                                           'mandatory = false\n')
    git(wes, "add", "requirements.toml")
    git(wes, "commit", "-qm", "no longer mandatory", env=tagger)
    code, err = push(wes, "main", user="wes")
    assert code != 0 and "may not change requirements.toml" in err
    code, err = push(wes, "main:refs/heads/wes-work", user="wes")
    assert code != 0 and "may not change requirements.toml" in err
    assert push(wes, "main", user="mia")[0] == 0


def test_a_writer_resolves_by_the_threads_real_section(server: Path) -> None:
    """Item 12: the event's own section field is the pusher's to write; the thread's section
    is its first comment's."""
    rex = clone(server, "rex", "rex@example.com")
    theirs = comment(rex, "rex", section="approach", body="on val's section")
    assert sync(rex, "rex")[0] == 0
    wes = clone(server, "wes", "wes@example.com")
    assert sync(wes, "wes")[0] == 0
    event = make_event("resolve", "summary", "wes", dt.datetime.now(dt.UTC),
                       random.Random(2), thread=theirs)  # summary is Wes's, approach is not
    CommentStore(wes).append(event, Identity("Wes Writer", "wes@example.com"))
    code, _out, err = sync(wes, "wes")
    assert code != 0 and f"wes (writer) may not resolve thread {theirs}" in err
    assert [t["resolved"] for t in run("--repo", str(server), "comments", "--json").json()] \
        == [False]


def _takeover(thread: str, section: str, author: str) -> CommentEvent:
    """The same id as someone's thread, dated earlier so it would sort first."""
    return CommentEvent(id=thread, action="comment", section=section, thread=thread,
                        author=author, created=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                        body="taken over", kind="comment")


def test_an_event_id_already_on_the_branch_is_refused(server: Path) -> None:
    """Item 2: reusing another thread's id (under another section, so another file) would
    take the thread over; the hook refuses it, and two events with one id in one push."""
    rex = clone(server, "rex", "rex@example.com")
    theirs = comment(rex, "rex", body="rex's point")
    assert sync(rex, "rex")[0] == 0
    wes = clone(server, "wes", "wes@example.com")
    assert sync(wes, "wes")[0] == 0
    wes_id = Identity("Wes Writer", "wes@example.com")
    CommentStore(wes).append(_takeover(theirs, "approach", "wes"), wes_id)
    code, _out, err = sync(wes, "wes")
    assert code != 0 and f"event id {theirs} is already on {COMMENTS_REF}" in err
    git(wes, "update-ref", COMMENTS_REF, "origin/proposal-comments")
    CommentStore(wes).append(_takeover("20260101T000000000000-0000beef", "approach", "wes"),
                             wes_id)
    CommentStore(wes).append(_takeover("20260101T000000000000-0000beef", "staffing", "wes"),
                             wes_id)
    code, _out, err = sync(wes, "wes")
    assert code != 0 and "event id 20260101T000000000000-0000beef is added twice" in err
    (thread,) = run("--repo", str(server), "comments", "--json").json()
    assert (thread["author"], thread["body"]) == ("rex", "rex's point")


def test_a_plan_change_inside_a_merge_is_seen(server: Path) -> None:
    """Item 3a: diff-tree lists nothing for a merge; check it against its parents."""
    wes = clone(server, "wes", "wes@example.com")
    who = author_env("Wes", "wes@example.com")
    git(wes, "checkout", "-q", "-b", "side")
    (wes / "sections" / "summary.md").write_text("# Summary\n\nside work\n")
    git(wes, "commit", "-qam", "side", env=who)
    git(wes, "checkout", "-q", "main")
    (wes / "sections" / "staffing.md").write_text("# Staffing\n\nmain work\n")
    git(wes, "commit", "-qam", "main work", env=who)
    git(wes, "merge", "-q", "--no-ff", "--no-commit", "side", env=who)
    toml = wes / "proposal.toml"
    toml.write_text(toml.read_text().replace('owner = "val"', 'owner = "wes"'))
    git(wes, "add", "proposal.toml")
    git(wes, "commit", "-qm", "merge side", env=who)
    code, err = push(wes, "main", user="wes")
    assert code != 0 and "may only change the status of their own sections" in err
    git(wes, "reset", "-q", "--hard", "HEAD~1")
    git(wes, "merge", "-q", "--no-ff", "-m", "an honest merge", "side", env=who)
    assert push(wes, "main", user="wes")[0] == 0


def _smuggle(repo: Path, payload: str) -> str:
    """A comment commit whose second parent is ``payload``: one event added, and the
    payload reachable from the comments branch."""
    event = make_event("comment", "summary", "wes", dt.datetime.now(dt.UTC),
                       random.Random(3), body="innocent")
    from proposal_tui.domain.comments import event_path, to_json
    blob = git(repo, "hash-object", "-w", "--stdin", input=to_json(event).decode()).strip()
    index = repo / ".git" / "smuggle-index"
    env = {"GIT_INDEX_FILE": str(index), **author_env("Wes", "wes@example.com")}
    git(repo, "read-tree", COMMENTS_REF, env=env)
    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{event_path(event)}",
        env=env)
    tree = git(repo, "write-tree", env=env).strip()
    return git(repo, "commit-tree", tree, "-p", COMMENTS_REF, "-p", payload, "-m", "comment",
               env=env).strip()


def test_a_plan_change_smuggled_through_the_comments_branch(server: Path) -> None:
    """Item 3b: a commit first made reachable as the second parent of a comment commit was
    skipped by `rev-list new --not --all` when later pushed to main."""
    wes = clone(server, "wes", "wes@example.com")
    comment(wes, "wes", body="first")
    assert sync(wes, "wes")[0] == 0
    toml = wes / "proposal.toml"
    toml.write_text(toml.read_text().replace('owner = "val"', 'owner = "wes"'))
    git(wes, "commit", "-qam", "grab the approach", env=author_env("Wes", "wes@example.com"))
    grab = git(wes, "rev-parse", "HEAD").strip()
    smuggled = _smuggle(wes, grab)
    code, err = push(wes, f"{smuggled}:{COMMENTS_REF}", user="wes")
    assert code != 0 and "a comment commit has exactly one parent" in err
    git(server, "fetch", "-q", str(wes), f"{smuggled}:{COMMENTS_REF}")  # as if let in before
    code, err = push(wes, "main", user="wes")
    assert code != 0 and "may only change the status of their own sections" in err


def test_a_trailer_is_whatever_git_calls_a_trailer(server: Path) -> None:
    """Item 3c: `Proposal-Status : approved` is a trailer to git (and to the status rules)."""
    wes = clone(server, "wes", "wes@example.com")
    (wes / "sections" / "approach.md").write_text("# Approach\n\nby wes\n")
    git(wes, "commit", "-qam", "approach\n\nProposal-Status : approved",
        env=author_env("Wes", "wes@example.com"))
    res = run("--repo", str(wes), "status", "--json")
    (approach,) = [s for s in res.json()["sections"] if s["id"] == "approach"]
    assert approach["status"] == "approved"  # the status rules read it
    code, err = push(wes, "main", user="wes")
    assert code != 0 and "may not set a Proposal-Status on sections they do not own" in err
