"""The plan screen (P): people, milestones and sections, and the managers' edits from small
dialogs, each one commit; a refused edit is said in the dialog, which keeps what was typed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Label, OptionList

from proposal_tui.services.keys import read_key_text
from proposal_tui.services.workspace import Workspace
from proposal_tui.tui.screens.dashboard import DashboardScreen
from proposal_tui.tui.screens.dialogs import PickDialog
from proposal_tui.tui.screens.plan import PlanScreen
from proposal_tui.tui.screens.plan_dialogs import FormDialog
from tests.gitutil import git
from tests.sshkeys import keygen
from tests.tui.support import WIDE, at, make_app, settle, sync, wait_for

pytestmark = pytest.mark.timeout(120)


def _plan(repo: Path) -> dict:
    return tomllib.loads((repo / "proposal.toml").read_text("utf-8"))


async def _open(pilot) -> PlanScreen:
    await settle(pilot)
    await pilot.press("P")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PlanScreen), what="plan screen")
    await pilot.pause()
    return pilot.app.screen


@sync
async def test_a_manager_adds_a_person_and_renames_a_section(demo: Path) -> None:
    before = int(git(demo, "rev-list", "--count", "HEAD"))
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        screen = await _open(pilot)
        assert screen.table("people").row_count == 8
        assert screen.table("sections").row_count == len(_plan(demo)["sections"])
        screen.table("people").focus()
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog), what="dialog")
        dialog = app.screen
        for key, value in (("handle", "kim"), ("name", "Kim Lee"), ("role", "boss")):
            dialog.query_one(f"#field-{key}", Input).value = value
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "unknown role" in str(
            dialog.query_one("#dialog-error", Label).render()), what="the refusal")
        assert app.screen is dialog  # still open, with what was typed
        assert dialog.query_one("#field-name", Input).value == "Kim Lee"
        dialog.query_one("#field-role", Input).value = "reviewer"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, what="the dialog to close")
        await wait_for(pilot, lambda: screen.table("people").row_count == 9, what="new row")
        assert {"handle": "kim", "name": "Kim Lee", "role": "reviewer"} in _plan(demo)["people"]
        screen.table("sections").focus()
        screen.table("sections").move_cursor(row=0)
        first = screen.cursor_key("sections")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog), what="dialog")
        app.screen.query_one("#field-id", Input).value = "summary"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.cursor_key("sections") == "summary", what="renamed")
        renamed = next(s for s in _plan(demo)["sections"] if s["id"] == "summary")
        assert renamed["renamed_from"] == [first]
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
    assert int(git(demo, "rev-list", "--count", "HEAD")) == before + 2


@sync
async def test_a_reviewer_sees_the_plan_but_no_edit_keys(demo_master: Path) -> None:
    app = make_app(demo_master, actor="tom")
    async with app.run_test(size=WIDE) as pilot:
        screen = await _open(pilot)
        assert screen.check_action("add", ()) is False
        await pilot.press("a")
        await pilot.pause()
        assert app.screen is screen and screen.table("milestones").row_count > 0
        assert isinstance(screen.table("sections"), DataTable)


@sync
async def test_removing_a_person_says_their_ssh_keys_go_too(demo: Path, tmp_path: Path) -> None:
    workspace = Workspace(demo, at(1))
    manifest = workspace.proposals.manifest()
    ana = manifest.person("ana")
    assert ana is not None
    pub = keygen(tmp_path, "helen").with_suffix(".pub")
    workspace.keys.add_person_key(manifest, ana, "helen", read_key_text(pub.read_text(), "key"))
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        screen = await _open(pilot)
        people = screen.table("people")
        people.focus()
        people.move_cursor(row=[p["handle"] for p in _plan(demo)["people"]].index("helen"))
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, PickDialog), what="dialog")
        going = "helen's 1 SSH key goes with them: it can no longer log in to `proposal serve`"
        assert going in str(app.screen.title_text)
        app.screen.query_one("#choices", OptionList).highlighted = 1  # remove helen
        await pilot.press("enter")
        await wait_for(pilot, lambda: people.row_count == 7, what="helen gone")
        assert any("removed helen (helen's 1 SSH key went with them" in str(n.message)
                   for n in app._notifications)
    assert "helen" not in (demo / "proposal.toml").read_text("utf-8")
