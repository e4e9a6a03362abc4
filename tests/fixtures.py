"""Small real proposal repositories built with plain git, as a team would build them."""

from __future__ import annotations

from pathlib import Path

from tests.gitutil import author_env, git

MANIFEST = """\
# Test proposal: hand-written, with comments that edits must keep.
[proposal]
title = "Bridge Inspection Services"
client = "County of Example"
solicitation = "RFQ 77"
due = 2026-12-18T17:00:00-05:00
timezone = "America/New_York"
words_per_page = 100

[[people]]
handle = "mia"
name = "Mia Manager"
email = "mia@example.com"
role = "manager"

[[people]]
handle = "wes"
name = "Wes Writer"
email = "wes@example.com"
role = "writer"

[[people]]
handle = "val"
name = "Val Writer"
email = "val@example.com"
role = "writer"

[[people]]
handle = "rex"
name = "Rex Reviewer"
email = "rex@example.com"
role = "reviewer"

[[milestones]]
name = "Pink Team"
date = 2026-12-04
kind = "review"

[[sections]]
id = "summary"
title = "Executive Summary"
file = "sections/summary.md"
owner = "wes"
due = 2026-12-08
word_limit = 50
requirements = ["L.1"]
status = "not-started"   # keep this comment
order = 10

[[sections]]
id = "approach"
title = "Technical Approach"
file = "sections/approach.md"
owner = "val"
due = 2026-12-14
page_limit = 2
requirements = ["L.2", "M.1"]
status = "not-started"
order = 20

[[sections]]
id = "staffing"
title = "Staffing"
file = "sections/staffing.md"
owner = "wes"
due = 2026-12-01
status = "not-started"
order = 30
"""

MIA = author_env("Mia Manager", "mia@example.com", "2026-11-20T09:00:00-05:00")


def commit_as(repo: Path, who: str, email: str, when: str, message: str,
              files: dict[str, str] | None = None) -> str:
    for rel, text in (files or {}).items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        git(repo, "add", "--", rel)
    git(repo, "commit", "-q", "--allow-empty", "-m", message,
        env=author_env(who, email, when))
    return git(repo, "rev-parse", "HEAD").strip()


def make_proposal(root: Path) -> Path:
    """A repository where: summary is drafting (first commit), approach is ready for review
    (trailer), staffing is not started and overdue once the clock passes Dec 1."""
    repo = root / "proposal"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Mia Manager")
    git(repo, "config", "user.email", "mia@example.com")
    commit_as(repo, "Mia Manager", "mia@example.com", "2026-11-20T09:00:00-05:00",
              "Scaffold the proposal", {
                  "proposal.toml": MANIFEST,
                  "sections/summary.md": "# Executive Summary\n",
                  "sections/approach.md": "# Technical Approach\n",
                  "sections/staffing.md": "# Staffing\n",
              })
    commit_as(repo, "Wes Writer", "wes@example.com", "2026-11-24T10:00:00-05:00",
              "Draft the summary", {"sections/summary.md":
                                    "# Executive Summary\n\nWe inspect bridges safely and "
                                    "on time.\n"})
    commit_as(repo, "Val Writer", "val@example.com", "2026-11-25T11:00:00-05:00",
              "First cut of the approach", {"sections/approach.md":
                                            "# Technical Approach\n\n" + "Drones see "
                                            "cracks early. " * 20 + "\n"})
    commit_as(repo, "Val Writer", "val@example.com", "2026-11-26T12:00:00-05:00",
              "Approach ready\n\nProposal-Status: ready-for-review",
              {"sections/approach.md": "# Technical Approach\n\n" + "Drones see cracks "
               "early. " * 30 + "\n"})
    return repo
