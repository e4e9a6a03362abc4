"""One rule for round names everywhere (issue 18, item 12).

A round started from its milestone keeps the milestone's name: `round start "Red Team"` was
refused, yet `comment --round "Red Team"` was accepted and then counted in no round. Now a
round is named as people call it and keyed by its slug, and a comment can only name a round
that exists.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.rounds import round_name, same_round
from tests.command import assert_clean_error, run
from tests.fixtures import make_proposal
from tests.gitutil import git


def test_the_rule() -> None:
    assert round_name("Red Team") == "red-team"
    assert round_name("Mock Panel") == "mock-panel"
    assert round_name(" pink ") == "pink"
    assert same_round("Red Team", "red") and same_round("red", "red-team")
    assert not same_round("red", "gold")
    for bad in ("", "  ", "2nd", "---", "x" * 33, "pink;touch x", "Not a name!"):
        with pytest.raises(ProposalError):
            round_name(bad)


def test_a_round_named_for_its_milestone_counts_the_comments_that_name_it(
        tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    r = ("--repo", str(repo))
    started = run(*r, "--as", "mia", "round", "start", "Red Team")
    assert started.code == 0, started.err
    assert "round/red-team" in git(repo, "tag", "--list")
    again = run(*r, "--as", "mia", "round", "start", "red")  # the same round by another name
    assert_clean_error(again, 2, "red-team", "already started")
    done = run(*r, "--as", "rex", "comment", "summary", "-m", "Tighten", "--round", "Red Team")
    assert done.code == 0, done.err
    (item,) = json.loads(run(*r, "comments", "--json").out)
    assert item["round"] == "red-team"
    (listed,) = json.loads(run(*r, "round", "list", "--json").out)
    summary = next(c for c in listed["coverage"] if c["section"] == "summary")
    assert listed["name"] == "red-team" and summary["reviewed"] and summary["threads"] == 1
    diff = run(*r, "round", "diff", "Red Team", "HEAD")
    assert diff.code == 0, diff.err


def test_a_comment_cannot_name_a_round_that_does_not_exist(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    r = ("--repo", str(repo))
    before = git(repo, "for-each-ref")
    refused = run(*r, "--as", "rex", "comment", "summary", "-m", "x", "--round", "Blue Team")
    assert_clean_error(refused, 2, "no review round 'Blue Team'", "round start")
    assert git(repo, "for-each-ref") == before  # nothing written
    assert run(*r, "--as", "rex", "comment", "summary", "-m", "none", "--round", "").code == 0
