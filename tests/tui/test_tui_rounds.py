"""The round diff screen (R): two rounds made through the services in the test's repository,
a commit between them, and a comment of the first round resolved by that edit."""

from __future__ import annotations

from pathlib import Path

import pytest

from proposal_tui.services.workspace import Workspace
from proposal_tui.tui.screens.dashboard import DashboardScreen
from proposal_tui.tui.screens.rounds import RoundDiffScreen, RoundDiffTable
from tests.gitutil import git
from tests.tui.support import (
    BODY,
    WIDE,
    at,
    make_app,
    open_rounds,
    screen_text,
    settle,
    sync,
    two_rounds,
    wait_for,
)

pytestmark = pytest.mark.timeout(120)
@sync
async def test_R_shows_what_changed_between_pink_and_red(demo: Path) -> None:
    two_rounds(demo)
    app = make_app(demo, actor="tom")  # viewing is for everyone, not only managers
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_rounds(pilot)
        assert screen.pair == ("pink", "red")
        security = next(s for s in screen.diff.sections if s.section == "security")
        assert security.added == 6 and security.removed == 0
        assert security.count("resolved-by-edit") == 1
        row = screen.query_one(RoundDiffTable).get_row("security")
        assert row[2].plain == "+6" and row[4].plain.startswith("1 by edits")
        text = screen_text(app)
        assert "Round diff · pink → red" in text
        assert "1 of 12 sections changed between pink" in text
        screen.select_section("security")
        await pilot.pause()
        text = screen_text(app)
        assert "✔ resolved by edits" in text and "must-fix" in text
        assert BODY in text  # literal: the markup in the comment is not applied
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


@sync
async def test_picking_head_as_b_diffs_against_the_current_commit(demo: Path) -> None:
    two_rounds(demo)
    manifest = Workspace(demo, at(0)).proposals.manifest()
    ana = manifest.person("ana")
    assert ana is not None
    Workspace(demo, at(0)).plan.rename_section(manifest, ana, "security", "privacy")
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_rounds(pilot)
        screen.query_one("#round-b").focus()
        await pilot.press("down")  # red -> HEAD
        await wait_for(pilot, lambda: screen.pair == ("pink", "HEAD") and screen.diff is not None
                       and screen.diff.b.label == "HEAD", what="the diff against HEAD")
        assert "pink → HEAD" in screen_text(app)
        privacy = next(s for s in screen.diff.sections if s.section == "privacy")
        assert privacy.renamed_from == "security" and privacy.count("resolved-by-edit") == 1
        assert all(s.section != "security" for s in screen.diff.sections)
        screen.select_section("privacy")
        await pilot.pause()
        assert "privacy · Security and Privacy  renamed from security" in screen_text(app)


@sync
async def test_without_rounds_the_screen_says_how_to_start_one(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RoundDiffScreen)
                       and "No review rounds yet" in screen_text(app), what="the empty state")


@sync
async def test_the_timeline_marks_rounds_and_each_sections_review_coverage(demo: Path) -> None:
    from proposal_tui.tui.widgets.timeline import Timeline

    two_rounds(demo)
    proposals = Workspace(demo, at(0.5)).proposals
    manifest = proposals.manifest()
    helen = manifest.person("helen")
    assert helen is not None
    Workspace(demo, at(0.5)).reviews.comment(manifest, helen, "risk",
                                                            "Top risk first", kind="must-fix")
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        await wait_for(pilot, lambda: timeline.rounds.round == "red", what="the rounds")
        assert [s.name for s in timeline.rounds.spans] == ["pink", "red"]
        assert timeline.rounds.reviewed["risk"] is True
        assert timeline.rounds.reviewed["security"] is False
        assert timeline.rounds.summary == "red: 1/12 reviewed"
        await pilot.pause()
        lines = screen_text(app).splitlines()
        marks = next(line for line in lines if "milestones" in line)
        assert "[" in marks and "]" in marks
        bars = [line for line in lines if "━" in line or "╍" in line]
        first = next(line for line in bars if "│ exec-summary " in line)
        assert "·" in first[:25] and "✓" not in first[:25]
        order = [sid for sid, _row in timeline._rows]
        label = {sid: timeline._label(3 + i).plain for i, sid in enumerate(order)}
        assert label["risk"].rstrip().endswith("✓")
        assert label["security"].rstrip().endswith("·")


@sync
async def test_a_manager_starts_and_closes_a_round_from_the_screen(demo: Path) -> None:
    from textual.widgets import Input

    app = make_app(demo)  # ana, a manager
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await wait_for(pilot, lambda: "No review rounds yet" in screen_text(app),
                       what="the empty state")
        screen = app.screen
        assert isinstance(screen, RoundDiffScreen)
        await pilot.press("n")
        await pilot.pause()
        name = app.screen.query_one("#round-name", Input)
        name.value = "Not a name!?"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is not screen  # refused: the dialog stays, saying why
        assert "round" in str(app.screen.query_one("#dialog-error").render()).lower()
        name.value = "gold"
        await pilot.press("enter")
        await wait_for(pilot, lambda: [r.name for r in screen.rounds] == ["gold"]
                       and screen.diff is not None, what="the new round")
        assert git(demo, "tag", "--list", "round/*").split() == ["round/gold"]
        assert screen.pair == ("gold", "HEAD")
        await pilot.press("C")
        await wait_for(pilot, lambda: screen.rounds and not screen.rounds[0].open,
                       what="the round closed")
        assert "round-closed/gold" in git(demo, "tag", "--list")


@sync
async def test_round_management_keys_are_hidden_from_non_managers(demo: Path) -> None:
    two_rounds(demo)
    app = make_app(demo, actor="helen")  # a reviewer
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_rounds(pilot)
        assert screen.check_action("start_round", ()) is False
        assert screen.check_action("close_round", ()) is False
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen
        footer = screen_text(app).splitlines()[-1]
        assert "start round" not in footer and "close round" not in footer
