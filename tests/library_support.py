"""Past proposals for the library tests: real repositories, several authors, a .mailmap."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures import commit_as
from tests.gitutil import git

DRONES = ("Our drones photograph every bridge deck and pier at close range, and the "
          "inspection software flags cracks wider than [b]1 mm[/b] for an engineer to "
          "confirm on site.")
SAFETY = ("Lane closures follow the traffic control plan; every crew holds a current "
          "work-zone safety certificate and a daily tailgate briefing is recorded.")
STAFF = "The project manager has led twelve inspection programs for county agencies."


def _manifest(title: str, client: str, solicitation: str, outcome: str,
              sections: list[tuple[str, str, str, str]]) -> str:
    lines = ["[proposal]", f'title = "{title}"', f'client = "{client}"',
             f'solicitation = "{solicitation}"', "due = 2025-05-01T17:00:00-05:00"]
    if outcome:
        lines.append(f'outcome = "{outcome}"')
    for sid, stitle, file, reqs in sections:
        lines += ["", "[[sections]]", f'id = "{sid}"', f'title = "{stitle}"',
                  f'file = "{file}"', f"requirements = [{reqs}]"]
    return "\n".join(lines) + "\n"


def make_past_proposals(root: Path) -> tuple[Path, Path]:
    """Two past proposals: ``harbor`` (won; Val wrote under an old address that its .mailmap
    maps to val@example.com; a round/pink tag) and ``river`` (lost; Val again, and Rex)."""
    harbor = root / "harbor"
    harbor.mkdir()
    git(harbor, "init", "-q", "-b", "main")
    commit_as(harbor, "Mia Manager", "mia@example.com", "2025-03-01T09:00:00-05:00", "Plan", {
        "proposal.toml": _manifest("Harbor Bridges", "Port of Harbor City", "RFP HC-2025-9",
                                   "won", [("approach", "Technical Approach",
                                            "sections/approach.md", '"L.2"'),
                                           ("safety", "Safety Plan", "sections/safety.md",
                                            '"L.4"')]),
        ".mailmap": "Val Writer <val@example.com> <val@old.example>\n",
        "sections/approach.md": "# Technical Approach\n",
        "sections/safety.md": "# Safety Plan\n"})
    commit_as(harbor, "Val Old", "val@old.example", "2025-03-05T09:00:00-05:00", "Approach", {
        "sections/approach.md": f"# Technical Approach\n\n## Drone inspection\n\n{DRONES}\n"
                                f"{DRONES}\n"})
    commit_as(harbor, "Wes Writer", "wes@example.com", "2025-03-06T09:00:00-05:00", "Safety", {
        "sections/safety.md": f"# Safety Plan\n\n{SAFETY}\n\nFor the Port of Harbor City we "
                              "close one lane at a time.\n"})
    git(harbor, "tag", "-a", "-m", "pink", "round/pink")
    river = root / "river"
    river.mkdir()
    git(river, "init", "-q", "-b", "main")
    commit_as(river, "Rex Reviewer", "rex@example.com", "2024-02-01T09:00:00-05:00", "Plan", {
        "proposal.toml": _manifest("River Crossings", "River County", "RFQ RC-77", "lost", [
            ("approach", "Approach", "sections/approach.md", '"A.1"'),
            ("staffing", "Staffing", "sections/staffing.md", '"A.2"')]),
        "sections/approach.md": f"# Approach\n\n{DRONES}\n",
        "sections/staffing.md": f"# Staffing\n\n{STAFF}\n"})
    commit_as(river, "Val Writer", "val@example.com", "2024-02-03T09:00:00-05:00", "Approach",
              {"sections/approach.md": f"# Approach\n\n{DRONES}\n\nDrone flights are logged.\n"})
    return harbor, river


def library_env(root: Path) -> dict[str, str]:
    """Private XDG folders: the tests never read or write the user's library."""
    return {"XDG_CONFIG_HOME": str(root / "config"), "XDG_CACHE_HOME": str(root / "cache"),
            "XDG_DATA_HOME": str(root / "data"), "PROPOSAL_LIBRARY": ""}
