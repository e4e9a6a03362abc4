"""The dashboard on a repository in an unusual state: read-only, a detached HEAD, a section
file deleted in the work tree, a mistyped Proposal-Status trailer."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Label, TextArea

from proposal_tui.tui.screens.dialogs import CommentDialog
from proposal_tui.tui.widgets.header import ProposalHeader
from tests.fixtures import commit_as
from tests.gitutil import git
from tests.readonly import read_only
from tests.tui.support import WIDE, make_app, screen_text, settle, sync

pytestmark = pytest.mark.timeout(120)


def header_text(app) -> str:
    return str(app.screen.query_one(ProposalHeader).right_text(app.workspace.clock.now()))


@sync
async def test_a_comment_on_a_read_only_repository_keeps_its_text(demo: Path) -> None:
    comments = git(demo, "rev-parse", "proposal-comments").strip()
    with read_only(demo):
        app = make_app(demo, actor="helen")
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            assert "read-only repository" in header_text(app)
            await pilot.press("c")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, CommentDialog)
            await pilot.press(*"Quote the SLA")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is dialog  # still open, with what was typed
            assert dialog.query_one("#body", TextArea).text == "Quote the SLA"
            error = str(dialog.query_one("#dialog-error", Label).render())
            assert "not posted: read-only" in error and "Errno" not in error
    assert git(demo, "rev-parse", "proposal-comments").strip() == comments


@sync
async def test_the_header_says_where_head_is(demo: Path) -> None:
    head = git(demo, "rev-parse", "HEAD").strip()
    git(demo, "checkout", "-q", "--detach")
    app = make_app(demo, actor="helen")
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert f"detached at {head[:7]}" in header_text(app)
        git(demo, "checkout", "-q", "main")
        app.request_refresh("test")
        await settle(pilot)
        assert "main · you: helen" in header_text(app)


@sync
async def test_a_deleted_file_and_a_mistyped_trailer_show_on_the_section(demo: Path) -> None:
    sha = commit_as(demo, "Tom Reed", "tom@example.com", "2026-11-26T09:00:00-05:00",
                    "Summary ready\n\nProposal-Status: redy for review",
                    {"sections/01-executive-summary.md": "# Executive Summary\n\nShort.\n"})
    manifest = (demo / "proposal.toml").read_text(encoding="utf-8")
    deleted = next(line.split('"')[1] for line in manifest.splitlines()
                   if line.startswith("file =") and "01-executive" not in line)
    (demo / deleted).unlink()
    app = make_app(demo, actor="helen")
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        missing = [s for s in app.data.snapshot.states if s.missing]
        assert [s.section.file for s in missing] == [deleted]
        text = screen_text(app)
        assert f"status trailer ignored: commit {sha[:7]}" in text
        assert "'redy for review' is not a" in text and "'ready-for-review'?" in text
        row = next(line for line in text.splitlines()
                   if line.startswith(f"│ {missing[0].section.id} "))
        assert "! " in row
