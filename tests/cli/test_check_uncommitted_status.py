"""`proposal check` counts an uncommitted status edit in proposal.toml as the newest signal.

A manager who sets a section back to "not started" in the work tree means it now: an older
``Proposal-Status:`` trailer on the section's commits must not win over that edit (the rule
of domain/status.py and docs/format.md), in `check` as on the dashboard.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.command import run
from tests.fixtures import commit_as, make_proposal

REQUIREMENTS = """\
[[requirements]]
id = "L.1"
text = "Executive summary"
mandatory = true

[[requirements]]
id = "L.2"
text = "Technical approach"
mandatory = true

[[requirements]]
id = "M.1"
text = "Soundness of approach"
mandatory = true
"""
DECLARED = 'id = "approach"\ntitle = "Technical Approach"'


def _set_approach(repo: Path, status: str) -> str:
    text = (repo / "proposal.toml").read_text()
    start = text.index(DECLARED)
    at = text.index('status = "', start)
    end = text.index('"', at + len('status = "'))
    return text[:at] + f'status = "{status}' + text[end:]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Approach: a ready-for-review trailer (Nov 26), then declared drafting (Nov 27)."""
    repo = make_proposal(tmp_path)
    commit_as(repo, "Mia Manager", "mia@example.com", "2026-11-27T09:00:00-05:00",
              "Requirements; approach back to drafting",
              {"requirements.toml": REQUIREMENTS,
               "proposal.toml": _set_approach(repo, "drafting")})
    return repo


def _warned_not_started(result_json: dict) -> list[str]:
    return sorted(f["message"].split("'")[1] for f in result_json["warnings"]
                  if f["kind"] == "not-started-only")


def test_committed_declaration_is_newer_than_the_trailer(repo: Path) -> None:
    result = run("--repo", str(repo), "check", "--json")
    assert result.code == 0, (result.out, result.err)
    assert _warned_not_started(result.json()) == []  # approach is drafting


def test_an_uncommitted_status_edit_is_the_newest_signal(repo: Path) -> None:
    (repo / "proposal.toml").write_text(_set_approach(repo, "not-started"))
    result = run("--repo", str(repo), "check", "--json")
    assert result.code == 0, (result.out, result.err)
    assert _warned_not_started(result.json()) == ["L.2", "M.1"]  # answered only by approach
    text = run("--repo", str(repo), "check")
    assert text.code == 0, text.err
    assert ("mandatory requirement 'M.1' is answered only by sections not started yet: "
            "approach") in text.out
    # The dashboard reads the same edit the same way.
    status = run("--repo", str(repo), "status", "--json")
    approach = {s["id"]: s for s in status.json()["sections"]}["approach"]
    assert approach["status"] == "not-started"
    # Checking HEAD ignores the work tree: the committed "drafting" holds there.
    head = run("--repo", str(repo), "check", "--head", "--json")
    assert _warned_not_started(head.json()) == []
