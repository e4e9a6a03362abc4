"""One reading of the Proposal-Status trailer for the hook and the status rules, checked
against git's own parser (`git interpret-trailers --parse`) as the oracle."""

from __future__ import annotations

from pathlib import Path

import pytest

from proposal_tui.store.history import status_trailers
from tests.gitutil import author_env, git

MESSAGES = [
    "subject\n\nProposal-Status: approved",
    "subject\n\nProposal-Status : approved",
    "subject\n\nproposal-status:approved\nSigned-off-by: A <a@example.com>",
    "subject\n\nProposal-Status: approved\n\nnot a trailer paragraph",
    "subject\n\nbody mentions\nProposal-Status: approved\nin the middle of prose here",
    "Proposal-Status: approved",
    "subject\n\nProposal-Status:\n  approved",
    "subject\n\nProposal-Status\t: drafting\nProposal-Status: approved",
    "subject\n\nX-Proposal-Status: approved",
    "subject\n\nProposal-Status= approved",
]


@pytest.mark.parametrize("message", MESSAGES)
def test_status_trailers_match_git(tmp_path: Path, message: str) -> None:
    repo = tmp_path / "r"
    git(tmp_path, "init", "-q", str(repo))
    git(repo, "commit", "-q", "--allow-empty", "--cleanup=verbatim", "-m", message,
        env=author_env("A", "a@example.com"))
    sha = git(repo, "rev-parse", "HEAD").strip()
    parsed = git(repo, "interpret-trailers", "--parse", input=message + "\n")
    expected = [line.split(":", 1)[1].strip() for line in parsed.splitlines()
                if line.split(":", 1)[0].strip().lower() == "proposal-status"]
    assert status_trailers(repo, [sha]) == {sha: expected}
