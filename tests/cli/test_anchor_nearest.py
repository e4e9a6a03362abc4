"""A comment on lines whose text now appears more than once stays with the nearest copy.

A writer who pastes a paragraph again higher up has not moved the one a reviewer commented
on: the comment must follow the copy nearest its old line, not jump to the first copy.
"""

from __future__ import annotations

from pathlib import Path

from proposal_tui.domain.anchors import locate, make_anchor
from tests.command import run
from tests.fixtures import commit_as, make_proposal

SHA = "0" * 40
BLOCK = ["Bridges are inspected by drone.", "Cracks are found early."]
OLD = ["# Summary", "", "Intro.", "", "Context.", *BLOCK, "", "Closing."]  # BLOCK at 6-7


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def test_a_line_anchor_follows_the_nearest_copy_not_the_first() -> None:
    anchor = make_anchor(_text(OLD), SHA, line_start=6, line_end=7)
    # A copy pasted at lines 2-3 pushes the commented block down to 8-9.
    now = ["# Summary", *BLOCK, "", "Intro.", "", "Context.", *BLOCK, "", "Closing."]
    pos = locate(anchor, _text(OLD), _text(now))
    assert (pos.line_start, pos.line_end, pos.outdated) == (8, 9, False)


def test_a_line_anchor_follows_the_nearest_copy_below_a_farther_one() -> None:
    anchor = make_anchor(_text(OLD), SHA, line_start=6, line_end=7)
    # The block moved up by one line; another copy sits far below it.
    now = ["# Summary", "", "Intro.", "", *BLOCK, "", "Closing.", "", "", "", *BLOCK]
    pos = locate(anchor, _text(OLD), _text(now))
    assert (pos.line_start, pos.line_end) == (5, 6)


def test_two_copies_equally_near_pick_the_earlier() -> None:
    anchor = make_anchor(_text(OLD), SHA, line_start=6, line_end=7)
    now = ["# Summary", "", "Intro.", *BLOCK, "Context.", "x", *BLOCK, "Closing."]  # 4 and 8
    assert locate(anchor, _text(OLD), _text(now)).line_start == 4


def test_the_comments_command_shows_the_nearest_copy(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    commit_as(repo, "Wes Writer", "wes@example.com", "2026-11-27T10:00:00-05:00", "Summary",
              {"sections/summary.md": _text(OLD)})
    made = run("--repo", str(repo), "--as", "rex", "comment", "summary", "--line", "6-7",
               "-m", "which drones?")
    assert made.code == 0, made.err
    now = ["# Summary", *BLOCK, "", "Intro.", "", "Context.", *BLOCK, "", "Closing."]
    commit_as(repo, "Wes Writer", "wes@example.com", "2026-11-28T10:00:00-05:00", "Pitch first",
              {"sections/summary.md": _text(now)})
    result = run("--repo", str(repo), "comments", "--json")
    assert result.code == 0, result.err
    [thread] = result.json()
    assert thread["anchor"]["line_start"] == 6  # where it was written
    assert (thread["anchor"]["current_line"], thread["anchor"]["current_line_end"]) == (8, 9)
    assert thread["outdated"] is False
