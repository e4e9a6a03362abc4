"""The compliance (m), round diff (R) and progress (p) views follow the repository while they
are open, like the dashboard: commits and round tags made by other processes show in place,
keeping what the user picked."""

from __future__ import annotations

from pathlib import Path

import pytest

from proposal_tui.tui.charts import series_of
from proposal_tui.tui.screens.compliance import ComplianceTable
from proposal_tui.tui.screens.rounds import RoundDiffTable
from tests.command import run
from tests.gitutil import git
from tests.tui.live_support import RAJ, TRANSITION, live_app, started, until, words_of, write_words
from tests.tui.support import (
    WIDE,
    open_compliance,
    open_progress,
    open_rounds,
    screen_text,
    sync,
    two_rounds,
)

pytestmark = pytest.mark.timeout(120)
SECURITY = "sections/09-security-privacy.md"


def commit_transition(repo: Path, words: int, message: str) -> None:
    write_words(repo, TRANSITION, words)
    git(repo, "commit", "-q", "-a", "-m", message, env=RAJ)


@sync
async def test_the_compliance_matrix_follows_a_commit_made_elsewhere(demo: Path) -> None:
    app = live_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        screen = await open_compliance(pilot)
        table = screen.query_one(ComplianceTable)
        table.move_cursor(row=table.get_row_index("L.3.5"))
        assert table.get_row("L.3.5")[2].plain == "○ transition"
        assert "only not-started sections answer L.3.5" in screen_text(app)
        rows, generation = table.row_count, app.data.generation
        commit_transition(demo, 60, "Draft the transition plan")
        await until(pilot, lambda: table.get_row("L.3.5")[2].plain == "◐ transition",
                    "the matrix to show the section drafting")
        assert app.screen is screen and app.data.generation > generation
        assert table.row_count == rows
        assert screen.selected_requirement().requirement.id == "L.3.5"  # the cursor stayed
        await pilot.pause()
        assert "only not-started sections answer L.3.5" not in screen_text(app)
        styled = table.get_row("L.3.2")[2]  # a status symbol in the theme's colour
        app.action_toggle_theme()  # the matrix follows the theme too, in place
        await until(pilot, lambda: table.get_row("L.3.2")[2] != styled, "the new colours")
        assert table.get_row("L.3.2")[2].plain == styled.plain
        assert screen.selected_requirement().requirement.id == "L.3.5"


@sync
async def test_the_round_diff_follows_commits_and_rounds_made_elsewhere(demo: Path) -> None:
    two_rounds(demo)
    app = live_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        screen = await open_rounds(pilot)
        screen.query_one("#round-b").focus()
        await pilot.press("down")  # red -> HEAD
        await until(pilot, lambda: screen.diff is not None and screen.diff.b.label == "HEAD",
                    "the diff against HEAD")
        screen.select_section("security")
        before = next(s for s in screen.diff.sections if s.section == "security")
        with open(demo / SECURITY, "a", encoding="utf-8") as fh:
            fh.write("\nKey rotation happens every ninety days.\n")
        git(demo, "commit", "-q", "-a", "-m", "Security: key rotation", env=RAJ)

        def security_words() -> int:
            return next(s for s in screen.diff.sections if s.section == "security").words_b

        await until(pilot, lambda: security_words() == before.words_b + 6,
                    "the diff to count the new words")
        table = screen.query_one(RoundDiffTable)
        assert table.get_row("security")[2].plain == f"+{before.added + 6}"
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == \
            "security"
        result = run("--repo", str(demo), "--as", "ana", "round", "start", "gold",
                     now="2026-11-27T09:45:00-05:00")
        assert result.code == 0, result.err
        await until(pilot, lambda: [r.name for r in screen.rounds] == ["pink", "red", "gold"],
                    "the round tagged elsewhere")
        assert screen.pair == ("pink", "HEAD")  # the user's pick is kept
        await pilot.pause()
        assert "gold" in screen_text(app)


@sync
async def test_the_burn_up_follows_a_commit_made_elsewhere(demo: Path) -> None:
    app = live_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        screen = await open_progress(pilot, "transition")
        rows = screen.rows
        commit_transition(demo, 150, "Draft the transition plan")
        words = words_of(demo, TRANSITION)
        await until(pilot, lambda: screen.rows is not rows
                    and series_of(screen.rows, "transition").words[-1] == words,
                    "the history read again")
        assert app.screen is screen and screen.section_id == "transition"
        await pilot.pause()
        assert f"{words} words" in screen_text(app)
        reads = screen.rows
        app.request_refresh("timer")  # nothing changed: the history is not read again
        await until(pilot, lambda: not app.busy, "the refresh")
        await pilot.pause()
        assert screen.rows is reads
