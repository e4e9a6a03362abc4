"""The review workflow from the command line, as a reviewer types it over SSH: real repos,
real `proposal` processes, and the anchor rules as pure functions."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from proposal_tui.domain.anchors import find_quote, locate, make_anchor
from proposal_tui.domain.comments import Anchor
from proposal_tui.domain.errors import ProposalError
from proposal_tui.store.comments import COMMENTS_REF
from tests.command import Result, assert_clean_error, run
from tests.fixtures import commit_as, make_proposal
from tests.gitutil import git

SHA = "a" * 40


def tip(repo: Path) -> str:
    return subprocess.run(["git", "rev-parse", "--verify", "--quiet", COMMENTS_REF], cwd=repo,
                          capture_output=True, text=True).stdout.strip()


def comment_id(result: Result) -> str:
    assert result.code == 0, result.err
    return result.out.split()[1]


def threads(repo: Path, *extra: str) -> list[dict]:
    result = run("--repo", str(repo), "comments", "--json", *extra)
    assert result.code == 0, result.err
    return result.json()


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


# -- the pure anchor rules ----------------------------------------------------------------
def test_quote_is_followed_and_outdated_when_gone() -> None:
    old = "# T\n\nAlpha beta.\nThe SLA is under 300 ms.\n"
    anchor = make_anchor(old, SHA, quote="under 300 ms")
    assert (anchor.line_start, anchor.line_end) == (4, 4)
    moved = "# T\n\nNew intro.\n\nAlpha beta.\nThe SLA is under 300 ms.\n"
    pos = locate(anchor, old, moved)
    assert (pos.line_start, pos.line_end, pos.outdated) == (6, 6, False)
    pos = locate(anchor, old, "# T\n\nThe SLA is under one second.\n")
    assert pos.outdated and pos.line_start is None


def test_quote_survives_rewrapping_and_picks_the_nearest_copy() -> None:
    assert find_quote("one two\nthree four\n", "two three") == [(1, 2)]
    text = "x\nsame\ny\nz\nsame\n"
    assert locate(Anchor(line_start=5, line_end=5, quote="same"), text, text).line_start == 5
    assert locate(Anchor(line_start=2, line_end=2, quote="same"), text, text).line_start == 2


def test_line_anchor_follows_its_text() -> None:
    old = "a\nb\nc\n"
    anchor = make_anchor(old, SHA, line_start=2, line_end=3)
    assert locate(anchor, old, "new\na\nb\nc\n").line_start == 3
    assert locate(anchor, old, "a\nB\nC\n").outdated
    assert locate(anchor, None, "a\nb\nc\n").line_start == 2  # commit not fetched: keep it
    assert not locate(Anchor(), "a", "b").outdated  # whole-section comments never date


@pytest.mark.parametrize("kwargs, message", [
    ({"quote": "absent"}, "quote not found"),
    ({"line_start": 9}, "past the end"),
    ({"quote": "  "}, "empty"),
    ({"line_start": 1, "quote": "b"}, "not found on line 1"),
])
def test_bad_anchors_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ProposalError, match=message):
        make_anchor("a\nb\n", SHA, **kwargs)


# -- commands -------------------------------------------------------------------------------
def test_comment_and_list_as_json(repo: Path) -> None:
    body = "  Quote the SLA — “exactly”\n\twith a tab; \"quotes\" and ünïcode  "
    assert run("--repo", str(repo), "--as", "mia", "round", "start", "Pink Team").code == 0
    res = run("--repo", str(repo), "--as", "rex", "comment", "approach", "-m", body,
              "--quote", "Drones see cracks", "--kind", "must-fix", "--round", "Pink Team")
    cid = comment_id(res)
    assert res.out.strip() == f"commented {cid} on approach as rex"
    (item,) = threads(repo)
    assert item["id"] == cid and item["section"] == "approach" and item["author"] == "rex"
    assert item["body"] == body and item["kind"] == "must-fix" and item["round"] == "pink-team"
    assert item["resolved"] is False and item["replies"] == []
    assert item["created"] == "2026-12-02T14:00:00.000000Z"  # PROPOSAL_NOW, in UTC
    head = git(repo, "rev-parse", "HEAD").strip()
    assert item["anchor"] == {"line_start": 3, "line_end": 3, "quote": "Drones see cracks",
                              "commit": head, "current_line": 3, "current_line_end": 3,
                              "outdated": False}
    # The commit is authored by the acting person and adds exactly one event file.
    log = git(repo, "log", "-1", "--format=%an <%ae>", COMMENTS_REF).strip()
    assert log == "Rex Reviewer <rex@example.com>"
    names = git(repo, "show", "--format=", "--name-status", COMMENTS_REF).split()
    assert names == ["A", f"comments/approach/{cid}.json"]


def test_text_from_stdin_is_kept_exactly(repo: Path) -> None:
    text = "Line one\n\n  line three — ok\n"
    cid = comment_id(run("--repo", str(repo), "--as", "rex", "comment", "summary", "-m", "-",
                         input=text))
    comment_id(run("--repo", str(repo), "--as", "wes", "reply", cid, "-m", "-",
                   input="Fixed\n"))
    (item,) = threads(repo)
    assert item["body"] == text and item["anchor"] is None
    assert [(r["author"], r["body"]) for r in item["replies"]] == [("wes", "Fixed\n")]


def test_thread_life_cycle_and_roles(repo: Path) -> None:
    r = ("--repo", str(repo))
    cid = comment_id(run(*r, "--as", "rex", "comment", "summary", "-m", "Too long",
                         "--line", "3"))
    short = cid.rsplit("-", 1)[1]
    assert run(*r, "--as", "val", "reply", short, "-m", "Agreed").code == 0
    # Val is a writer, but the summary is Wes's: she may not resolve Rex's comment.
    assert_clean_error(run(*r, "--as", "val", "resolve", cid), 3, "permission denied:",
                       "val (writer) may not resolve")
    assert run(*r, "--as", "rex", "resolve", cid).out.strip() == f"resolved {cid} as rex"
    assert_clean_error(run(*r, "--as", "rex", "resolve", cid), 2, "already resolved")
    assert run(*r, "--as", "mia", "reopen", cid, "-m", "Not yet").code == 0
    item = threads(repo)[0]
    assert not item["resolved"]
    assert [(e["action"], e["author"]) for e in item["events"]] == \
        [("reply", "val"), ("resolve", "rex"), ("reopen", "mia")]
    assert all(e["created"] for e in item["events"])
    assert run(*r, "--as", "wes", "resolve", cid).code == 0  # the section's owner may
    assert threads(repo, "--open") == []
    # Another reviewer may comment and reply, but not resolve Rex's thread.
    other = comment_id(run(*r, "--as", "mia", "comment", "approach", "-m", "Mine"))
    assert_clean_error(run(*r, "--as", "rex", "resolve", other), 3, "permission denied:")
    assert_clean_error(run(*r, "--as", "rex", "set-status", "summary", "approved"), 3,
                       "permission denied:")


def test_filters(repo: Path) -> None:
    r = ("--repo", str(repo))
    a = comment_id(run(*r, "--as", "rex", "comment", "summary", "-m", "one"))
    b = comment_id(run(*r, "--as", "mia", "comment", "approach", "-m", "two"))
    c = comment_id(run(*r, "--as", "mia", "comment", "summary", "-m", "three"))
    run(*r, "--as", "rex", "reply", c, "-m", "joined")
    run(*r, "--as", "mia", "resolve", a)
    ids = lambda items: sorted(i["id"] for i in items)  # noqa: E731 (pinned clock: same time)
    assert ids(threads(repo)) == sorted([a, b, c])
    assert ids(threads(repo, "summary")) == sorted([a, c])
    assert ids(threads(repo, "--open")) == sorted([b, c])
    mine = run(*r, "--as", "rex", "comments", "--mine", "--json").json()
    assert ids(mine) == sorted([a, c])
    text = run(*r, "comments", "summary").out
    assert "one" in text and "> rex" in text and "resolved" in text


def test_anchor_follows_edits_in_json(repo: Path) -> None:
    r = ("--repo", str(repo), "--as", "rex")
    q = comment_id(run(*r, "comment", "summary", "-m", "Say how", "--quote", "safely"))
    gone = comment_id(run(*r, "comment", "summary", "-m", "Date?", "--quote", "on time"))
    line = comment_id(run(*r, "comment", "summary", "-m", "Heading", "--line", "1"))
    commit_as(repo, "Wes Writer", "wes@example.com", "2026-12-02T10:00:00-05:00", "Rework", {
        "sections/summary.md": "# Executive Summary\n\nA new opening line.\n\n"
                               "We inspect bridges safely, every quarter.\n"})
    by_id = {t["id"]: t["anchor"] for t in threads(repo)}
    assert by_id[q]["current_line"] == 5 and not by_id[q]["outdated"]
    assert by_id[q]["line_start"] == 3  # what was stored never changes
    assert by_id[gone]["outdated"] and by_id[gone]["current_line"] is None
    assert by_id[line]["current_line"] == 1 and not by_id[line]["outdated"]
    assert "outdated" in run("--repo", str(repo), "comments").out


@pytest.mark.parametrize("args, code, needle", [
    (("comment", "nope", "-m", "x"), 2, "unknown section 'nope'"),
    (("comment", "summary", "-m", "x", "--kind", "rant"), 2, "unknown comment kind"),
    (("comment", "summary", "-m", "   "), 2, "needs a body"),
    (("comment", "summary", "-m", "x", "--line", "99"), 2, "past the end"),
    (("comment", "summary", "-m", "x", "--line", "two"), 2, "--line"),
    (("comment", "summary", "-m", "x", "--quote", "not there"), 2, "quote not found"),
    (("comment", "summary", "-m", "x", "--line", "1", "--quote", "a"), 2, "not allowed"),
    (("comment", "summary", "-m", "x", "--round", "a\nb"), 2, "one line"),
    (("comment", "summary"), 2, "-m"),
    (("reply", "zzzzzzzz", "-m", "x"), 2, "no comment thread"),
    (("resolve", "zzzzzzzz"), 2, "no comment thread"),
    (("comments", "nope"), 2, "unknown section"),
])
def test_bad_input_is_one_line_and_writes_nothing(repo: Path, args: tuple, code: int,
                                                   needle: str) -> None:
    assert run("--repo", str(repo), "--as", "rex", "comment", "summary", "-m", "seed").code == 0
    before = tip(repo)
    assert_clean_error(run("--repo", str(repo), "--as", "rex", *args), code, needle)
    assert tip(repo) == before


def test_invalid_utf8_stdin_is_refused(repo: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "proposal_tui", "--repo", str(repo), "--as",
                           "rex", "comment", "summary", "-m", "-"], input=b"caf\xe9",
                          capture_output=True)
    assert proc.returncode == 2 and b"not UTF-8" in proc.stderr and b"Traceback" not in \
        proc.stderr
    assert tip(repo) == ""


def test_identity_sources(repo: Path) -> None:
    r = ("--repo", str(repo))
    assert_clean_error(run(*r, "--as", "zed", "comment", "summary", "-m", "x"), 2,
                       "unknown person 'zed'")
    assert run(*r, "comment", "summary", "-m", "x", env={"PROPOSAL_USER": "rex"}).out \
        .endswith("as rex\n")
    assert run(*r, "comment", "summary", "-m", "x").out.endswith("as mia\n")  # user.email
    git(repo, "config", "user.email", "nobody@example.com")
    assert run(*r, "comment", "summary", "-m", "x", env={"USER": "val"}).out \
        .endswith("as val\n")  # the SSH login
    assert_clean_error(run(*r, "comment", "summary", "-m", "x", env={"USER": "stranger"}), 2,
                       "cannot tell who you are")
    assert tip(repo) and len(threads(repo)) == 3


def test_twenty_reviewers_at_once_touch_no_index(repo: Path) -> None:
    """Every comment lands, and a writer's staged and unstaged work is left exactly alone."""
    (repo / "sections" / "summary.md").write_text("staged edit\n")
    git(repo, "add", "sections/summary.md")
    (repo / "sections" / "approach.md").write_text("unstaged edit\n")
    status = git(repo, "status", "--porcelain")
    staged = git(repo, "diff", "--cached")
    head = git(repo, "rev-parse", "HEAD")

    def one(i: int) -> Result:
        return run("--repo", str(repo), "--as", ["rex", "wes", "val", "mia"][i % 4],
                   "comment", "staffing", "-m", f"comment {i}", now=None)

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, range(20)))
    assert [r.code for r in results] == [0] * 20, [r.err for r in results if r.code]
    assert not any("lock" in r.err for r in results)
    assert sorted(t["body"] for t in threads(repo)) == sorted(f"comment {i}" for i in range(20))
    assert git(repo, "status", "--porcelain") == status
    assert git(repo, "diff", "--cached") == staged and git(repo, "rev-parse", "HEAD") == head
    assert (repo / "sections" / "approach.md").read_text() == "unstaged edit\n"


def test_refuses_to_move_a_checked_out_comments_branch(repo: Path) -> None:
    assert run("--repo", str(repo), "--as", "rex", "comment", "summary", "-m", "one").code == 0
    # Someone inspects the branch in a linked work tree; moving it would stale that index.
    git(repo, "worktree", "add", "-q", str(repo.parent / "inspect"), "proposal-comments")
    before = tip(repo)
    assert_clean_error(run("--repo", str(repo), "--as", "rex", "comment", "summary", "-m",
                           "two"), 2, "checked out")
    assert tip(repo) == before
    assert git(repo.parent / "inspect", "status", "--porcelain") == ""


def test_round_defaults_to_the_open_review_round(repo: Path) -> None:
    r = ("--repo", str(repo))
    assert run(*r, "--as", "rex", "comment", "summary", "-m", "before").code == 0
    assert run(*r, "--as", "mia", "round", "start", "pink").code == 0
    assert run(*r, "--as", "rex", "comment", "summary", "-m", "during").code == 0
    assert run(*r, "--as", "rex", "comment", "summary", "-m", "named", "--round",
               "Gold Team").code == 2  # no such round (issue 18): a label counted nowhere
    assert run(*r, "--as", "mia", "round", "start", "Gold Team").code == 0
    assert run(*r, "--as", "rex", "comment", "summary", "-m", "named", "--round",
               "gold").code == 0
    assert run(*r, "--as", "rex", "comment", "summary", "-m", "none", "--round", "").code == 0
    rounds = {t["body"]: t["round"] for t in threads(repo)}
    assert rounds == {"before": None, "during": "pink", "named": "gold-team", "none": None}
