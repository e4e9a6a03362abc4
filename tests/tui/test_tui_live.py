"""Live updates end to end: the app runs under a Pilot with its file watcher on, and other
people's changes arrive through separate ``git`` processes (never our code).

Every wait polls what the screen shows (a table cell, the activity line) with a deadline.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from proposal_tui.domain.model import Status
from proposal_tui.tui.screens.dashboard import DashboardScreen
from proposal_tui.tui.widgets.activity import ActivityLine
from proposal_tui.tui.widgets.live import LiveStatus
from proposal_tui.tui.widgets.sections_table import SectionsTable
from tests.gitutil import git
from tests.tui.live_support import (
    ANA,
    EXEC,
    RAJ,
    TRANSITION,
    cell,
    live_app,
    started,
    until,
    words_of,
    write_words,
)
from tests.tui.support import WIDE, settle, sync

pytestmark = pytest.mark.timeout(120)

@sync
async def test_a_commit_from_another_process_updates_the_row(demo: Path) -> None:
    app = live_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        assert app.live_status == ("watching", "")
        assert "● live" in str(app.screen.query_one(LiveStatus).render())
        assert "not started" in cell(app, "transition", "status")
        commits = app.data.state("transition").history.commits
        words_before = cell(app, "transition", "words")
        write_words(demo, TRANSITION, 120)
        git(demo, "add", "--", TRANSITION)
        git(demo, "commit", "-q", "-m", "Draft the transition plan", env=RAJ)
        await until(pilot, lambda: "drafting" in cell(app, "transition", "status"),
                    "the first commit to make the section drafting")
        words = words_of(demo, TRANSITION)
        await until(pilot, lambda: cell(app, "transition", "words") != words_before,
                    "the words cell")
        state = app.data.state("transition")
        assert state.words == words
        assert state.history.commits == commits + 1
        assert state.history.last.author == "Raj Mehta"
        assert "raj" in cell(app, "transition", "last")
        assert app.data.snapshot.commits_read == 1  # incremental: only the new commit
        feed = str(app.screen.query_one(ActivityLine).render())
        assert "Draft the transition plan" in feed


@sync
async def test_a_status_trailer_sets_the_status(demo: Path) -> None:
    app = live_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        assert "drafting" in cell(app, "exec-summary", "status")
        with open(demo / EXEC, "a", encoding="utf-8") as fh:
            fh.write("\nOne more closing sentence.\n")
        git(demo, "commit", "-q", "-a", "-m", "Finish the summary",
            "-m", "Proposal-Status: ready-for-review", env=ANA)
        await until(pilot, lambda: "ready" in cell(app, "exec-summary", "status"),
                    "the trailer's status")
        assert app.data.state("exec-summary").status is Status.READY_FOR_REVIEW


@sync
async def test_saved_not_committed_edits_show_the_mark_whatever_the_editor(
        demo: Path) -> None:
    app = live_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        assert "edited" not in cell(app, "transition", "last")
        target = demo / TRANSITION
        # vim: swap file churn and its 4913 probe next to the file, then an in-place write.
        swap = target.parent / ".07-transition-plan.md.swp"
        swap.write_bytes(b"swap")
        (target.parent / "4913").write_bytes(b"")
        (target.parent / "4913").unlink()
        write_words(demo, TRANSITION, 40)
        await until(pilot, lambda: "edited" in cell(app, "transition", "last"),
                    "the in-place save's mark")
        assert app.data.state("transition").uncommitted_words == words_of(demo, TRANSITION)
        swap.unlink()
        # An atomic save: write a temp file, then rename it over the section file.
        temp = target.parent / ".07-transition-plan.md.tmp"
        temp.write_text("# Transition\n\n" + "more " * 75 + "\n", encoding="utf-8")
        os.replace(temp, target)
        words = words_of(demo, TRANSITION)
        await until(pilot, lambda: app.data.state("transition").uncommitted_words == words,
                    "the rename save's word count")
        assert "edited" in cell(app, "transition", "last")
        rows = [row.key.value for row in app.screen.query_one(SectionsTable).ordered_rows]
        assert not any(".sw" in r or "tmp" in r or r == "4913" for r in rows)


@sync
async def test_a_push_into_the_watched_bare_repository_updates_it(demo: Path,
                                                                 tmp_path: Path) -> None:
    bare = tmp_path / "shared.git"
    git(tmp_path, "clone", "-q", "--bare", str(demo), str(bare))
    writer = tmp_path / "writer"
    git(tmp_path, "clone", "-q", str(bare), str(writer))
    app = live_app(bare)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        assert app.data.snapshot.bare
        write_words(writer, TRANSITION, 60)
        git(writer, "commit", "-q", "-a", "-m", "Transition: first pass", env=RAJ)
        git(writer, "push", "-q", "origin", "main")
        await until(pilot, lambda: "drafting" in cell(app, "transition", "status"),
                    "the pushed commit")
        assert app.data.state("transition").words == words_of(writer, TRANSITION)


@sync
async def test_pack_refs_does_not_lose_track(demo: Path) -> None:
    app = live_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        git(demo, "pack-refs", "--all")
        assert not (demo / ".git" / "refs" / "heads" / "main").exists()
        await settle(pilot)
        write_words(demo, TRANSITION, 30)
        git(demo, "commit", "-q", "-a", "-m", "After packing", env=RAJ)
        await until(pilot, lambda: "drafting" in cell(app, "transition", "status"),
                    "a commit after pack-refs")
        git(demo, "pack-refs", "--all")
        write_words(demo, TRANSITION, 80)
        git(demo, "commit", "-q", "-a", "-m", "Again after packing", env=RAJ)
        words = words_of(demo, TRANSITION)
        await until(pilot, lambda: app.data.state("transition").words == words,
                    "a second commit after pack-refs")
        assert app.watcher is not None and app.watcher.mode == "watching"


@sync
async def test_a_rebase_of_50_commits_is_one_refresh_with_the_final_state(
        demo: Path) -> None:
    # Before the app starts: 50 commits on a side branch, one more on main to rebase onto.
    git(demo, "checkout", "-q", "-b", "side")
    for n in range(50):
        write_words(demo, TRANSITION, n + 1)
        git(demo, "commit", "-q", "-a", "-m", f"Transition step {n}", env=RAJ)
    git(demo, "checkout", "-q", "main")
    with open(demo / EXEC, "a", encoding="utf-8") as fh:
        fh.write("\nA line on main.\n")
    git(demo, "commit", "-q", "-a", "-m", "Main moves on", env=ANA)
    git(demo, "checkout", "-q", "side")
    app = live_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        loads, commits = app.loads, app.data.state("transition").history.commits
        git(demo, "rebase", "-q", "main")
        exec_words = words_of(demo, EXEC)
        await until(pilot, lambda: app.data.state("exec-summary").words == exec_words,
                    "the rebased branch")
        await settle(pilot)
        state = app.data.state("transition")
        assert state.words == words_of(demo, TRANSITION)
        assert state.history.commits == commits
        assert "drafting" in cell(app, "transition", "status")
        assert app.loads == loads + 1, "the 50 rewritten commits took more than one refresh"
        line = app.screen.query_one(ActivityLine)
        await until(pilot, lambda: "side was rewritten" in str(line.render()), "the note")


@sync
async def test_a_new_comment_appears_in_the_open_thread(demo: Path) -> None:
    from tests.tui.support import add_thread

    app = live_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        screen.table.select("transition")
        await settle(pilot)
        assert not screen.preview.thread_list.threads
        add_thread(demo, "helen", "transition", "Name the cut-over weekend")  # git plumbing
        await until(pilot, lambda: any(t.root and "cut-over" in t.root.body
                                       for t in screen.preview.thread_list.threads),
                    "the new thread in the open section")
        assert "cut-over" in str(screen.query_one(ActivityLine).render())
        assert "1" in cell(app, "transition", "comments")


@sync
async def test_fetch_and_checkout_notes_reach_the_activity_line(demo: Path,
                                                                tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(demo), str(clone))
    app = live_app(clone)
    async with app.run_test(size=(160, 40)) as pilot:
        await started(pilot)
        for n in range(3):
            write_words(demo, TRANSITION, 10 + n)
            git(demo, "commit", "-q", "-a", "-m", f"upstream {n}", env=RAJ)
        git(clone, "fetch", "-q")
        line = app.screen.query_one(ActivityLine)
        await until(pilot, lambda: "origin/main has 3 new commits" in str(line.render()),
                    "the fetch note")
        git(clone, "checkout", "-q", "-b", "pink-fixes")
        await until(pilot, lambda: "checked out pink-fixes" in str(line.render()),
                    "the checkout note")
        text = str(line.render())
        assert text.index("checked out pink-fixes") < text.index("origin/main has 3")


@sync
async def test_polling_fallback_is_shown_in_the_status_line_and_still_updates(
        demo: Path) -> None:
    app = live_app(demo)
    app.watch_options = {"force_polling": True, "poll_interval": 0.2}
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        assert app.live_status[0] == "polling"
        shown = str(app.screen.query_one(LiveStatus).render())
        assert "polling every 0.2 s" in shown and "file watching turned off" in shown
        write_words(demo, TRANSITION, 20)
        git(demo, "commit", "-q", "-a", "-m", "Polled", env=RAJ)
        await until(pilot, lambda: "drafting" in cell(app, "transition", "status"),
                    "a polled commit")


@sync
async def test_regaining_focus_checks_at_once(demo: Path) -> None:
    from textual import events

    app = live_app(demo)
    app.watch_options = {"force_polling": True, "poll_interval": 3600}  # never on its own
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        write_words(demo, TRANSITION, 20)
        git(demo, "commit", "-q", "-a", "-m", "While you were away", env=RAJ)
        await settle(pilot)
        assert "not started" in cell(app, "transition", "status")
        app.post_message(events.AppFocus())
        await until(pilot, lambda: "drafting" in cell(app, "transition", "status"),
                    "the refresh on focus")
