"""The mine view (M): the acting person's sections (late first), open threads and what they
must review in the open round, on the demo; enter opens the row's section."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from proposal_tui.domain.clock import FixedClock
from proposal_tui.services.workspace import Workspace
from proposal_tui.tui.commands import ProposalCommands
from proposal_tui.tui.screens.dashboard import DashboardScreen
from proposal_tui.tui.screens.mine import MineScreen
from proposal_tui.tui.screens.section import SectionScreen
from tests.tui.support import (
    NOW,
    WIDE,
    make_app,
    open_mine,
    screen_text,
    settle,
    sync,
    wait_for,
)

pytestmark = pytest.mark.timeout(120)


def _pink_round_with_a_comment_by_raj(repo: Path) -> None:
    an_hour_ago = FixedClock(NOW - dt.timedelta(hours=1))
    manifest = Workspace(repo, an_hour_ago).proposals.manifest()
    ana, raj = manifest.person("ana"), manifest.person("raj")
    assert ana and raj
    Workspace(repo, an_hour_ago).rounds.start(manifest, ana, "pink")
    Workspace(repo, an_hour_ago).reviews.comment(manifest, raj, "risk", "Cite the SOC 2 "
                                                 "report", kind="must-fix")


@sync
async def test_m_shows_my_sections_late_first_threads_and_reviews(demo: Path) -> None:
    _pink_round_with_a_comment_by_raj(demo)
    app = make_app(demo, "raj")
    async with app.run_test(size=WIDE) as pilot:
        await open_mine(pilot)
        text = screen_text(app)
        assert "Raj Mehta (raj, writer) · 1 late · 1 awaiting your answer · 8 to review" in text
        assert "My sections (2)" in text and "My open threads (2)" in text
        assert text.index("transition") < text.index("Security and Privacy")  # late first
        assert "awaits you" in text and "What is our retention period" in text
        assert "To review in round pink: 8 of 9 left" in text
        review = text[text.index("To review in round pink"):]
        assert "· not yet" in review and "✓ 1" in review
        assert review.index("· not yet") < review.index("✓ 1")  # still to read first

        await pilot.press("enter")  # the first row: the late section
        await wait_for(pilot, lambda: isinstance(app.screen, SectionScreen), what="section")
        assert app.screen.section_id == "transition"
        await pilot.press("escape")
        assert isinstance(app.screen, MineScreen)

        await pilot.press("tab", "enter")  # the threads: the first awaits my answer
        await wait_for(pilot, lambda: isinstance(app.screen, SectionScreen), what="section")
        assert app.screen.section_id == "security"
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, DashboardScreen)


@sync
async def test_the_palette_offers_mine_and_nobody_gets_a_way_to_say_who(
        demo_master: Path) -> None:
    app = make_app(demo_master, None, env={"PROPOSAL_USER": "zed"})  # not in the plan
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        helps = [help_text for _n, _cb, help_text in ProposalCommands(app.screen).commands()]
        assert "key M · id mine" in helps
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, MineScreen), what="the view")
        await settle(pilot)
        text = screen_text(app)
        assert "Nobody to show:" in text and "--as HANDLE" in text
        assert "No review round is open." not in text  # nobody: nothing said about rounds


@sync
async def test_the_mine_view_follows_a_new_comment(demo: Path) -> None:
    app = make_app(demo, "raj")
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_mine(pilot)
        assert screen.mine is not None and len(screen.mine.threads) == 1
        manifest = Workspace(demo).proposals.manifest()
        tom = manifest.person("tom")
        assert tom is not None
        Workspace(demo, FixedClock(NOW)).reviews.comment(manifest, tom, "transition",
                                                         "Who runs cut-over night?")
        app.request_refresh("test")
        await wait_for(pilot, lambda: screen.mine is not None and len(screen.mine.threads) == 2,
                       what="the new thread")
        await settle(pilot)
        assert app.screen is screen
        assert "My open threads (2)" in screen_text(app)
        assert "Who runs cut-over night?" in screen_text(app)
