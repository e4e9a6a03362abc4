"""The Word round trip: a review copy with open threads as native Word comments, and a
returned copy's comments and tracked changes back as threads, once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from proposal_tui.store.programs import pandoc_path
from tests.command import NOW, assert_clean_error, run
from tests.fixtures import make_proposal
from tests.gitutil import git

STAMP = 'date="2026-11-30T10:00:00Z"'
# What a reviewer's Word makes of the review copy: a new comment on a passage, a tracked
# replacement, and the comment the copy went out with, still there.
RETURNED = f"""# Bridge Inspection Services

## 1. Executive Summary

We inspect [bridges]{{.deletion author="Rex Reviewer" {STAMP}}}[tunnels]{{.insertion \
author="Rex Reviewer" {STAMP}}} safely and [Promise a date?]{{.comment-start id="7" \
author="Rex Reviewer" {STAMP}}}on time[]{{.comment-end id="7"}}.

## 2. Technical Approach

[Say how many drones]{{.comment-start id="8" author="Rex Reviewer" {STAMP}}}Drones[]{{\
.comment-end id="8"}} see cracks early.
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_proposal(tmp_path)
    result = run("--repo", str(repo), "--as", "rex", "comment", "approach", "-m",
                 "Say how many drones", "--quote", "Drones")
    assert result.code == 0, result.err
    return repo


def _threads(repo: Path) -> list[dict]:
    return run("--repo", str(repo), "comments", "--json").json()


def _docx(markdown: str, out: Path) -> Path:
    pandoc = pandoc_path()
    assert pandoc is not None
    subprocess.run([pandoc, "--from", "markdown", "--output", str(out)], input=markdown,
                   text=True, check=True)
    return out


def test_review_copy_carries_open_threads_as_word_comments(repo: Path,
                                                          tmp_path: Path) -> None:
    assert run("--repo", str(repo), "--as", "rex", "comment", "staffing", "-m",
               "Who is the PM?").code == 0
    out = tmp_path / "review.docx"
    result = run("--repo", str(repo), "export", "--format", "docx", "--comments", "-o",
                 str(out))
    assert result.code == 0, result.err
    with zipfile.ZipFile(out) as docx:
        comments = docx.read("word/comments.xml").decode()
        body = docx.read("word/document.xml").decode()
    assert comments.count('w:author="Rex Reviewer"') == 2
    assert "Say how many drones" in comments and "Who is the PM?" in comments
    anchored = re.search(r'<w:commentRangeStart w:id="(\d+)" />(.*?)<w:commentRangeEnd',
                         body[body.index("Technical Approach"):])
    assert anchored and ">Drones<" in anchored.group(2)
    assert "Review comments on this section" in body  # the unanchored one, under Staffing
    # importing the copy as it went out adds nothing
    again = run("--repo", str(repo), "review", "import", str(out))
    assert again.code == 0, again.err
    assert "0 new threads, 2 already there" in again.out
    assert_clean_error(run("--repo", str(repo), "export", "--format", "pdf", "--comments",
                           "-o", str(tmp_path / "x.pdf")), 2, "use it with docx")


def test_import_turns_comments_and_tracked_changes_into_threads_once(repo: Path,
                                                                    tmp_path: Path) -> None:
    returned = _docx(RETURNED, tmp_path / "returned.docx")
    assert run("--repo", str(repo), "--as", "mia", "round", "start", "pink").code == 0
    result = run("--repo", str(repo), "review", "import", str(returned), "--round", "pink")
    assert result.code == 0, result.err
    assert "2 new threads, 1 already there" in result.out
    threads = {t["body"]: t for t in _threads(repo)}
    comment = threads["Promise a date?"]
    assert comment["author"] == "rex" and comment["section"] == "summary"
    assert comment["anchor"]["quote"] == "on time" and comment["round"] == "pink"
    [suggestion] = [t for t in threads.values() if t["body"].startswith("Suggested in Word")]
    assert "delete «bridges»; insert «tunnels»" in suggestion["body"]
    assert suggestion["anchor"]["quote"] == "We inspect bridges"
    summary = (repo / "sections/summary.md").read_text()
    assert "bridges" in summary and "tunnels" not in summary  # suggested, never applied
    twice = subprocess.run([sys.executable, "-m", "proposal_tui", "--repo", str(repo),
                            "review", "import", "-"], input=returned.read_bytes(),
                           capture_output=True, env={**os.environ, "PROPOSAL_NOW": NOW})
    assert b"imported stdin: 0 new threads, 3 already there" in twice.stdout, twice.stderr
    assert len(_threads(repo)) == 3


def test_import_needs_a_known_reviewer_and_writes_nothing_otherwise(repo: Path,
                                                                   tmp_path: Path) -> None:
    stranger = _docx(RETURNED.replace("Rex Reviewer", "Sam Stranger"), tmp_path / "s.docx")
    assert_clean_error(run("--repo", str(repo), "review", "import", str(stranger)), 2,
                       "no one in proposal.toml is named 'Sam Stranger'", "--as HANDLE")
    assert len(_threads(repo)) == 1
    result = run("--repo", str(repo), "--as", "rex", "review", "import", str(stranger))
    assert result.code == 0 and "2 new threads, 1 already there" in result.out, result.err
    (tmp_path / "not.docx").write_text("plain text")
    assert_clean_error(run("--repo", str(repo), "review", "import",
                           str(tmp_path / "not.docx")), 2, "not.docx")
    assert_clean_error(run("--repo", str(repo), "review", "import",
                           str(tmp_path / "missing.docx")), 2, "missing.docx: cannot read")


def test_where_the_server_fixes_who_acts_the_word_file_names_nobody_else(repo: Path,
                                                                        tmp_path: Path) -> None:
    """Over the SSH server or the gate every imported comment is the key's person's: a Word
    file whose comments claim the manager writes nothing under the manager's name."""
    forged = _docx(RETURNED.replace("Rex Reviewer", "Mia Manager"), tmp_path / "forged.docx")
    git(repo, "config", "user.email", "server@example.org")  # as `proposal serve` sets it
    result = run("--repo", str(repo), "review", "import", str(forged),
                 env={"PROPOSAL_PUSHER": "rex"})
    assert result.code == 0, result.err
    assert {t["author"] for t in _threads(repo)} == {"rex"}
