"""`proposal pages`: measured pages per section in its profile, lines left on the last page,
the estimate beside them; custom profiles from proposal.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.command import assert_clean_error, run
from tests.fixtures import commit_as, make_proposal


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_proposal(tmp_path)
    manifest = (repo / "proposal.toml").read_text()
    manifest = manifest.replace('page_limit = 2\n', 'page_limit = 2\npage_profile = "tight"\n')
    manifest += ('\n[pages]\nprofile = "nsf"\n\n[pages.profiles.tight]\nbase = "nih"\n'
                 'size = 12\nline_pitch = 14\n')
    paragraph = "Drones see cracks early and report them the same day. " * 8 + "\n\n"
    commit_as(repo, "Mia Manager", "mia@example.com", "2026-11-27T09:00:00-05:00", "pages",
              {"proposal.toml": manifest,
               "sections/approach.md": "# Technical Approach\n\n" + paragraph * 20})
    return repo


def test_pages_lists_measured_pages_profiles_and_estimates(repo: Path) -> None:
    result = run("--repo", str(repo), "pages")
    assert result.code == 0, result.err
    rows = {line.split()[0]: line.split() for line in result.out.splitlines()[1:4]}
    assert rows["summary"][1] == "nsf" and rows["approach"][1] == "tight"
    assert rows["approach"][-1] == "OVER" and rows["approach"][3] == "2"
    assert "profile tight: New Computer Modern 12 pt on 14 pt lines, 0.5 in margins" in \
        result.out

    data = run("--repo", str(repo), "pages", "approach", "--json").json()
    assert data["profile"] == "nsf" and data["profiles"]["tight"]["size"] == 12
    [approach] = data["sections"]
    assert approach["profile"] == "tight" and approach["whole_pages"] == 3
    assert 2 < approach["pages"] < 3 and approach["over_limit"] is True
    assert approach["estimated_pages"] == pytest.approx(approach["words"] / 100, abs=0.01)
    assert 0 < approach["lines_left"] < 60 and approach["approximate"] is False
    assert approach["limit_falls"] == ("the limit falls at the end of page 2, under the "
                                       "heading 'Technical Approach'")


def test_pages_refuses_an_unknown_section(repo: Path) -> None:
    assert_clean_error(run("--repo", str(repo), "pages", "nope"), 2, "unknown section 'nope'")
