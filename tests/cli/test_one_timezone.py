"""Human output shows times in one zone, the proposal's (`[proposal] timezone`): comments
were listed in UTC beside due dates in the proposal's zone (issue 18, smaller items).
`--json` keeps each instant as recorded (a public contract)."""

from __future__ import annotations

from pathlib import Path

from tests.command import run
from tests.fixtures import make_proposal


def test_comment_times_are_in_the_proposals_zone(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)  # America/New_York; PROPOSAL_NOW is 09:00 EST
    r = ("--repo", str(repo))
    assert run(*r, "--as", "rex", "comment", "summary", "-m", "Say how").code == 0
    listing = run(*r, "comments").out
    assert "2026-12-02 09:00 EST" in listing and "14:00" not in listing
    assert run(*r, "comments", "--json").json()[0]["created"] == "2026-12-02T14:00:00.000000Z"
