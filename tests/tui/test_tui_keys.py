"""Every key of the dashboard on a real demo repository, with a fixed clock.

Edits (a, s, d, c, r, x) are checked in git afterwards: the commit exists, its author is the
acting person, and a fresh service sees the change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, OptionList, Static, TextArea

from proposal_tui.domain.clock import FixedClock
from proposal_tui.domain.model import Status
from proposal_tui.domain.timeline import time_left
from proposal_tui.services.workspace import Workspace
from proposal_tui.tui.screens.dashboard import DashboardScreen
from proposal_tui.tui.screens.dialogs import CommentDialog, DueDialog, PickDialog, ReplyDialog
from proposal_tui.tui.screens.help import HelpScreen
from proposal_tui.tui.screens.section import SectionScreen
from proposal_tui.tui.widgets.header import Banner, ProposalHeader
from proposal_tui.tui.widgets.owners import OwnersTable
from proposal_tui.tui.widgets.sections_table import SectionsTable
from proposal_tui.tui.widgets.timeline import Timeline
from tests.gitutil import git
from tests.tui.support import (
    NARROW,
    NOW,
    WIDE,
    add_thread,
    make_app,
    screen_text,
    settle,
    sync,
    wait_for,
)

pytestmark = pytest.mark.timeout(120)


def fresh(repo: Path):
    return Workspace(repo, FixedClock(NOW)).proposals.snapshot()


def last_commit(repo: Path, ref: str = "HEAD") -> tuple[str, str, str]:
    """(author name, author email, subject) of the newest commit on ``ref``."""
    out = git(repo, "log", "-1", "--format=%an%x00%ae%x00%s", ref).strip()
    name, email, subject = out.split("\0")
    return name, email, subject


def table(app) -> SectionsTable:
    return app.screen.query_one(SectionsTable)


# -- moving and opening -------------------------------------------------------------------------

@sync
async def test_arrows_and_jk_move_and_the_panes_follow(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        ids = [s.section.id for s in app.data.snapshot.states]
        assert table(app).selected_id == ids[0]
        await pilot.press("down")
        assert table(app).selected_id == ids[1]
        await pilot.press("j", "j")
        assert table(app).selected_id == ids[3]
        await pilot.press("k")
        await pilot.press("up")
        assert table(app).selected_id == ids[1]
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert screen.preview.section_id == ids[1]
        assert screen.query_one(Timeline).selected == ids[1]
        assert f"{ids[1]} · Technical Approach" in screen_text(app)


@sync
async def test_enter_opens_the_section_full_screen_and_escape_returns(
        demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SectionScreen)
        assert app.screen.section_id == "tech-approach"
        text = screen_text(app)
        assert "answers L.3.2, L.3.2.1" in text
        assert "Comments" in text
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


@sync
async def test_q_quits(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert not app.is_running


@sync
async def test_question_mark_shows_help_and_escape_closes_it(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "resolve or reopen the highlighted thread" in text
        await pilot.press("end")  # the help body has focus: scroll to its last line,
        await pilot.pause()  # below the fold at 40 rows
        assert "you are ana (manager)" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


# -- filter, owners, timeline, sort -----------------------------------------------------------

@sync
async def test_slash_filters_by_owner_status_flag_and_text(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"@dana")
        await pilot.pause()
        assert [r.key.value for r in table(app).ordered_rows] == ["mgmt-plan", "staffing"]
        assert "Sections 2 of 12 · filter @dana" in screen_text(app)
        await pilot.press("enter")
        assert app.focused is table(app)
        assert table(app).selected_id == "mgmt-plan"
        await pilot.press("slash", *"is:overdue")  # the old filter is selected: replaced
        await pilot.pause()
        assert [r.key.value for r in table(app).ordered_rows] == ["transition"]
        app.focused.value = "security"
        await pilot.pause()
        assert [r.key.value for r in table(app).ordered_rows] == ["security"]
        app.focused.value = "status:approved"
        await pilot.pause()
        assert [r.key.value for r in table(app).ordered_rows] == ["past-performance", "qa"]
        await pilot.press("escape")
        await pilot.pause()
        assert table(app).visible_count == 12
        assert app.focused is table(app)


@sync
async def test_o_focuses_owners_and_enter_filters_the_table(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        owners = app.screen.query_one(OwnersTable)
        assert app.focused is owners
        await pilot.press("down", "down", "down", "down")  # everyone, ana, ben, priya, dana
        await pilot.press("enter")
        await pilot.pause()
        assert table(app).owner == "dana"
        assert [r.key.value for r in table(app).ordered_rows] == ["mgmt-plan", "staffing"]
        assert app.focused is table(app)
        assert "owner dana" in screen_text(app)
        await pilot.press("o")
        owners.move_cursor(row=0)
        await pilot.press("enter")
        await pilot.pause()
        assert table(app).owner is None and table(app).visible_count == 12


@sync
async def test_t_focuses_the_timeline_which_zooms_scrolls_and_picks(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        timeline = app.screen.query_one(Timeline)
        assert app.focused is timeline
        first = timeline.current_zoom().name
        await pilot.press("z")
        await pilot.pause()
        assert timeline.current_zoom().name != first
        await pilot.press("z", "z")
        await pilot.pause()
        assert timeline.current_zoom().name == first
        await pilot.press("down", "j")
        await pilot.pause()
        assert table(app).selected_id == "mgmt-plan"
        assert timeline.selected == "mgmt-plan"
        timeline.zoom = "days"  # 3 cells a day: wider than the pane, so it scrolls
        await pilot.pause()
        assert timeline.virtual_size.width > timeline.size.width
        await pilot.press("l", "l", "right")
        await pilot.pause()
        assert timeline.scroll_x > 0
        text = screen_text(app)
        assert "┆" in text and "milestones" in text


@sync
async def test_S_cycles_the_sort_order_and_keeps_the_selection(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j")  # staffing
        await pilot.press("S")  # by due date
        await pilot.pause()
        order = [r.key.value for r in table(app).ordered_rows]
        dues = [app.data.state(k).section.due for k in order]
        assert dues == sorted(dues)
        assert table(app).selected_id == "staffing"
        assert table(app).cursor_row == order.index("staffing")
        assert "sorted by due date" in screen_text(app)


# -- edits, checked in git -----------------------------------------------------------------------

@sync
async def test_a_assigns_an_owner_committed_as_the_acting_person(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, PickDialog)
        choices = app.screen.query_one(OptionList)
        choices.highlighted = [k for k, _ in app.screen.choices].index("ben")
        await pilot.press("enter")
        await settle(pilot)
        assert app.data.state("exec-summary").section.owner == "ben"
        assert table(app).get_cell("exec-summary", "owner").plain.strip() == "ben"
    assert last_commit(demo) == ("Ana Ruiz", "ana.ruiz@meridian-transit.example",
                                 "Assign exec-summary to ben")
    assert fresh(demo).state("exec-summary").section.owner == "ben"


@sync
async def test_s_sets_the_status(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, PickDialog)
        app.screen.query_one(OptionList).highlighted = list(Status).index(Status.APPROVED)
        await pilot.press("enter")
        await settle(pilot)
        assert "✔ approved" in table(app).get_cell("exec-summary", "status").plain
    assert last_commit(demo)[0] == "Ana Ruiz"
    assert last_commit(demo)[2] == "Set exec-summary status to approved"
    assert fresh(demo).state("exec-summary").status is Status.APPROVED
    out = subprocess.run([sys.executable, "-m", "proposal_tui", "--repo", str(demo), "status",
                          "--json"], capture_output=True, text=True, check=False).stdout
    assert '"approved"' in out


@sync
async def test_d_changes_the_due_date_validated(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DueDialog)
        due_input = dialog.query_one("#due-input", Input)
        due_input.focus()
        due_input.value = "2026-13-40"
        await pilot.press("enter")
        await pilot.pause()
        assert "invalid date" in screen_text(app)
        due_input.value = "2027-03-01"  # after the submission deadline
        await pilot.press("enter")
        await pilot.pause()
        assert "after the submission deadline" in screen_text(app)
        assert app.screen is dialog
        dialog.query_one(OptionList).focus()
        keys = [key for key, _label, _day in dialog.choices]
        dialog.query_one(OptionList).highlighted = keys.index("tomorrow")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
    assert last_commit(demo)[0] == "Ana Ruiz"
    assert last_commit(demo)[2] == "Set exec-summary due date to 2026-11-28"
    due = fresh(demo).state("exec-summary").section.due
    assert due is not None and due.date() == dt.date(2026, 11, 28)


@sync
async def test_c_comments_with_a_kind_and_a_line(demo: Path) -> None:
    app = make_app(demo, actor="helen")
    before = {t.id for t in Workspace(demo).reviews.threads()}
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        open_before = app.data.state("exec-summary").open_comments
        await pilot.press("c")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CommentDialog)
        assert isinstance(app.focused, TextArea) and not app.focused.cursor_blink
        await pilot.press(*"Quote the SLA")
        dialog.query_one("#kind").value = "must-fix"
        dialog.query_one("#line", Input).value = "3"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.data.state("exec-summary").open_comments == open_before + 1
        assert "Quote the SLA" in screen_text(app)
    threads = [t for t in Workspace(demo).reviews.threads() if t.id not in before]
    assert len(threads) == 1
    root = threads[0].root
    assert root is not None
    assert (root.author, root.kind, root.body, root.section) == (
        "helen", "must-fix", "Quote the SLA", "exec-summary")
    assert root.anchor is not None and root.anchor.line_start == 3
    assert last_commit(demo, "proposal-comments")[:2] == (
        "Helen Park", "helen.park@meridian-transit.example")


@sync
async def test_r_replies_to_the_highlighted_thread(demo: Path) -> None:
    thread_id = add_thread(demo, "helen", "exec-summary", "Tighten the opening")
    app = make_app(demo, actor="ana")
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        app.screen.preview.thread_list.select_thread(thread_id)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReplyDialog)
        await pilot.press(*"Done, see the new first paragraph")
        await pilot.press("ctrl+s")
        await settle(pilot)
    thread = Workspace(demo).reviews.thread(thread_id)
    assert [(r.author, r.body) for r in thread.replies] == [
        ("ana", "Done, see the new first paragraph")]
    assert last_commit(demo, "proposal-comments")[0] == "Ana Ruiz"


@sync
async def test_x_resolves_then_reopens(demo: Path) -> None:
    thread_id = add_thread(demo, "helen", "exec-summary", "Tighten the opening")
    app = make_app(demo, actor="helen")
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        threads = app.screen.preview.thread_list
        threads.select_thread(thread_id)
        count = app.data.state("exec-summary").open_comments
        await pilot.press("x")
        await settle(pilot)
        assert app.data.state("exec-summary").open_comments == count - 1
        assert threads.selected_thread.id == thread_id  # the highlight follows the thread
        assert "✔ resolved by helen" in screen_text(app)
        assert Workspace(demo).reviews.thread(thread_id).resolved
        await pilot.press("x")
        await settle(pilot)
        assert app.data.state("exec-summary").open_comments == count
    assert not Workspace(demo).reviews.thread(thread_id).resolved
    assert last_commit(demo, "proposal-comments")[0] == "Helen Park"


@sync
async def test_escape_cancels_a_dialog_without_writing(demo: Path) -> None:
    head = git(demo, "rev-parse", "HEAD").strip()
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        for key in ("a", "s", "d", "c"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, DashboardScreen)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
    assert git(demo, "rev-parse", "HEAD").strip() == head


# -- the editor ----------------------------------------------------------------------------------

@sync
async def test_e_opens_the_file_in_the_editor_and_refreshes(demo: Path,
                                                             tmp_path: Path) -> None:
    script = tmp_path / "fake-editor"
    script.write_text("#!/bin/sh\nprintf '\\nMore words from the editor.\\n' >> \"$1\"\n")
    script.chmod(0o755)
    app = make_app(demo, env={"VISUAL": str(script)})
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        app.suspend = contextlib.nullcontext  # type: ignore[method-assign]  # headless
        await pilot.press("e")
        await settle(pilot)
        state = app.data.state("exec-summary")
        assert state.uncommitted_words is not None
        assert "✎ edited" in table(app).get_cell("exec-summary", "last").plain
        assert "✎ edited, not committed" in screen_text(app)
    assert "More words from the editor." in (demo / state.section.file).read_text()


@sync
async def test_e_says_why_when_the_terminal_cannot_be_suspended(demo_master: Path) -> None:
    app = make_app(demo_master, env={"EDITOR": "true"})
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert any("cannot hand the terminal to an editor" in str(n.message)
                   for n in app._notifications)


@sync
async def test_e_on_a_bare_repository_explains(demo_master: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(demo_master), str(bare)], check=True)
    app = make_app(bare, env={"EDITOR": "true"})
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert app.data.snapshot is not None and app.data.snapshot.bare
        await pilot.press("e")
        await pilot.pause()
        assert any("bare repository" in str(n.message) for n in app._notifications)


@sync
async def test_e_without_an_editor_says_how_to_set_one(demo_master: Path) -> None:
    app = make_app(demo_master, env={})
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert any("$VISUAL or $EDITOR" in str(n.message) for n in app._notifications)


@sync
async def test_over_the_server_e_is_not_offered_and_runs_nothing(demo: Path,
                                                                 tmp_path: Path) -> None:
    """PROPOSAL_SERVED=1 (set by `proposal serve`): no editor runs on the server, even with
    one configured; the footer does not offer `e`."""
    ran = tmp_path / "ran"
    script = tmp_path / "fake-editor"
    script.write_text(f"#!/bin/sh\ntouch '{ran}'\n")
    script.chmod(0o755)
    app = make_app(demo, env={"VISUAL": str(script), "PROPOSAL_SERVED": "1"})
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        app.suspend = contextlib.nullcontext  # type: ignore[method-assign]  # headless
        assert app.screen.check_action("edit_file", ()) is False
        assert "edit" not in {b.description for b in app.active_bindings.values()
                              if b.binding.action == "edit_file" and b.enabled}
        await pilot.press("e")
        await settle(pilot)
        app.open_in_editor("sections/x.md")  # even asked directly
        await pilot.pause()
    assert not ran.exists()


# -- refresh, errors, threads --------------------------------------------------------------------

@sync
async def test_ctrl_r_refreshes_in_place(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        sections = table(app)
        rebuilds, row_keys = sections.rebuilds, list(sections.rows)
        path = demo / app.data.state("qa").section.file
        path.write_text(path.read_text() + "\nOne more sentence here.\n")
        git(demo, "commit", "-qam", "QA: one more sentence",
            env={"GIT_AUTHOR_NAME": "Priya Natarajan",
                 "GIT_AUTHOR_EMAIL": "priya.natarajan@meridian-transit.example",
                 "GIT_AUTHOR_DATE": NOW.isoformat(), "GIT_COMMITTER_DATE": NOW.isoformat()})
        before = sections.updates
        loads = app.loads
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.loads > loads, what="a refresh")
        await settle(pilot)
        assert sections.rebuilds == rebuilds  # no rebuild: cells were updated in place
        assert list(sections.rows) == row_keys
        assert 0 < sections.updates - before <= 3  # the qa row's words and last-edit cells
        assert "priya now" in sections.get_cell("qa", "last").plain


@sync
async def test_request_refresh_is_safe_from_another_thread(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        git(demo, "commit", "-q", "--allow-empty", "-m", "Nothing much")
        loads = app.loads
        results: list[bool] = []
        workers = [threading.Thread(target=lambda: results.append(app.request_refresh("x")))
                   for _ in range(20)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        await wait_for(pilot, lambda: app.loads > loads, what="a refresh")
        await settle(pilot)
        assert results == [True] * 20
        assert app.loads - loads <= 3  # a burst collapses into a load or two
        assert app.data.snapshot.head == git(demo, "rev-parse", "HEAD").strip()


@sync
async def test_the_file_watcher_refreshes_after_an_outside_commit(demo: Path) -> None:
    app = make_app(demo, watch=True)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: app.watcher is not None, what="the watcher to start")
        path = demo / app.data.state("qa").section.file
        path.write_text(path.read_text() + "\nA sentence written in another window.\n")
        git(demo, "commit", "-qam", "QA: from another window")
        head = git(demo, "rev-parse", "HEAD").strip()
        await wait_for(pilot, lambda: app.data.snapshot.head == head, timeout=30,
                       what="the watcher's refresh")
        # The activity line (its full text: the commit is dated by the real clock, so where
        # it sorts among the demo's items, and whether it fits the width, varies by the hour).
        assert "QA: from another window" in str(app.screen.query_one("#activity").render())
    assert app.watcher is not None and app.watcher._stopped


@sync
async def test_a_broken_manifest_shows_a_banner_and_recovers(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        manifest = demo / "proposal.toml"
        good = manifest.read_text()
        manifest.write_text(good.replace('status = "approved"', 'status = "finished"', 1))
        app.request_refresh("test")
        await settle(pilot)
        banner = app.screen.query_one(Banner)
        assert app.data.error is not None and "proposal.toml:" in app.data.error
        assert banner.display and banner.has_class("-fatal")
        text = screen_text(app)
        assert "✖ proposal.toml:" in text and "finished" in text
        assert table(app).visible_count == 12  # the last good state stays on screen
        manifest.write_text(good)
        app.request_refresh("test")
        await settle(pilot)
        assert app.data.error is None
        assert not banner.has_class("-visible")
        assert app.is_running


@sync
async def test_a_proposal_broken_from_the_start_recovers_when_fixed(demo: Path) -> None:
    manifest = demo / "proposal.toml"
    good = manifest.read_text()
    manifest.write_text(good.replace("[proposal]", "[proposal", 1))
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert app.data.snapshot is None and app.data.error is not None
        text = screen_text(app)
        assert "cannot read the proposal" in text.splitlines()[0]
        assert "✖ proposal.toml:" in text
        manifest.write_text(good)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.data.error is None and table(app).visible_count == 12
        assert "Smart Transit Fare System" in screen_text(app).splitlines()[0]


@sync
async def test_a_missing_section_file_is_reported_and_the_rest_still_shows(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        path = app.data.state("risk").section.file
        git(demo, "rm", "-q", path)
        git(demo, "commit", "-qm", "Drop risk for now")
        app.request_refresh("test")
        await settle(pilot)
        text = screen_text(app)
        assert f"! {path}: section 'risk': file is missing" in text
        assert "! Risk Management" in text


# -- permissions ---------------------------------------------------------------------------------

@sync
async def test_a_reviewer_may_only_comment_reply_and_resolve_their_own(demo: Path) -> None:
    mine = add_thread(demo, "helen", "exec-summary", "mine")
    theirs = add_thread(demo, "tom", "tech-approach", "not mine")
    app = make_app(demo, actor="helen")
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        for action in ("assign", "set_status", "set_due"):
            assert screen.check_action(action, ()) is False
        assert screen.check_action("comment", ()) is True
        screen.preview.thread_list.select_thread(mine)
        assert screen.current_thread().id == mine
        assert screen.check_action("toggle_resolved", ()) is True
        await pilot.press("down")
        await pilot.pause()
        screen.preview.thread_list.select_thread(theirs)
        assert screen.check_action("reply", ()) is True
        assert screen.check_action("toggle_resolved", ()) is None  # tom's comment
        footer = screen_text(app).splitlines()[-1]
        assert "assign" not in footer and "comment" in footer
        head = git(demo, "rev-parse", "HEAD").strip()
        await pilot.press("a", "s", "d")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert git(demo, "rev-parse", "HEAD").strip() == head


@sync
async def test_a_writer_may_set_the_status_of_their_own_sections_only(
        demo_master: Path) -> None:
    app = make_app(demo_master, actor="ben")
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.check_action("assign", ()) is False
        assert screen.check_action("set_status", ()) is None  # exec-summary is ana's
        await pilot.press("down")  # tech-approach: ben's
        assert screen.check_action("set_status", ()) is True


@sync
async def test_an_unknown_user_browses_read_only(demo: Path) -> None:
    git(demo, "config", "user.email", "visitor@example.com")
    app = make_app(demo, actor=None, env={"USER": "nobody-here"})
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert app.data.actor.person is None
        text = screen_text(app)
        assert "read-only: you are not in the team list" in text.splitlines()[0]
        for action in ("comment", "reply", "toggle_resolved", "assign", "set_status",
                       "set_due"):
            assert app.screen.check_action(action, ()) is False
        await pilot.press("c", "a")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


@sync
async def test_the_acting_user_comes_from_proposal_user(demo_master: Path) -> None:
    app = make_app(demo_master, actor=None, env={"PROPOSAL_USER": "priya"})
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert app.data.actor.person.handle == "priya"
        assert "you: priya (writer)" in screen_text(app).splitlines()[0]


# -- header, theme, palette, narrow ----------------------------------------------------------

@sync
async def test_the_time_left_ticks_with_the_clock(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        header = app.screen.query_one(ProposalHeader)
        deadline = app.data.manifest.proposal.due
        before, after = (time_left(deadline, NOW),
                         time_left(deadline, NOW + dt.timedelta(hours=3)))
        assert before != after
        assert before in screen_text(app).splitlines()[0]
        app.clock.advance(dt.timedelta(hours=3))  # type: ignore[attr-defined]
        right = header.query_one("#header-right", Static)
        await wait_for(pilot, lambda: after in str(right.content), what="a tick")
        assert after in screen_text(app).splitlines()[0]


@sync
async def test_ctrl_t_switches_between_the_dark_and_light_themes(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert app.theme == "proposal-dark"
        dark = table(app).get_cell("transition", "due")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme == "proposal-light"
        light = table(app).get_cell("transition", "due")
        assert light.plain == dark.plain and light.spans != dark.spans
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme == "proposal-dark"


@sync
async def test_the_palette_lists_every_binding_and_runs_commands(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        from proposal_tui.tui.commands import ProposalCommands

        provider = ProposalCommands(app.screen)
        names = " ".join(name for name, _cb, _help in provider.commands())
        helps = " ".join(help_text for _n, _cb, help_text in provider.commands())
        for binding_id in ("edit-file", "comment", "assign", "set-status", "set-due",
                           "filter", "owners", "timeline", "quit", "screen-help", "sort",
                           "open-section", "refresh", "toggle-theme"):
            assert f"id {binding_id}" in helps, binding_id
        assert "Sort by due date" in names and "Go to qa: Quality Assurance Plan" in names
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Sort by due date")
        await wait_for(pilot, lambda: "Sort by due date" in screen_text(app),
                       what="palette results")
        await pilot.press("enter")
        await settle(pilot)
        assert table(app).sort_by == "due"


@sync
async def test_at_80x24_the_panes_are_tabs(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.has_class("-narrow")
        text = screen_text(app)
        assert "Sections  Section  Timeline  Owners" in text
        due = table(app).get_cell("transition", "due").plain.strip()
        assert due.startswith("✖") and "late" in due
        assert "Transition Plan" in text and due in text
        await pilot.press("t")
        await pilot.pause()
        assert screen.active_pane == "timeline"
        assert "milestones" in screen_text(app)
        await pilot.press("o")
        await pilot.pause()
        assert "everyone" in screen_text(app)
        await pilot.press("tab")  # owners -> sections
        await pilot.press("tab")  # -> the selected section
        await pilot.pause()
        assert screen.active_pane == "section"
        assert "answers L.3.1, M.1" in screen_text(app)
