"""Toasts say what happened without an id's first characters, and a dialog's error wraps
instead of stopping mid-sentence (issue 18, smaller items)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from tests.tui.support import NARROW, NOW, make_app, screen_text, settle, sync, wait_for


@sync
async def test_a_toast_has_no_id_prefix(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        app.run_edit(lambda m, p: app.workspace.reviews.comment(m, p, "risk", "Cite M.3").id,
                     "commented on risk")
        await wait_for(pilot, lambda: list(app._notifications), what="the toast")
        (toast,) = list(app._notifications)
        assert toast.message == "commented on risk as ana", toast.message


@sync
async def test_a_long_dialog_error_wraps_whole(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await wait_for(pilot, lambda: "No review rounds yet" in screen_text(app),
                       what="the rounds screen")
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#round-name", Input).value = "Not a name!?"
        await pilot.press("enter")
        await pilot.pause()
        shown = " ".join(line.strip(" │▏▕┃") for line in screen_text(app).splitlines())
        assert "e.g. Pink, Red Team, red-2" in " ".join(shown.split()), screen_text(app)


def test_the_activity_line_for_a_commit_touching_no_section() -> None:
    from proposal_tui.services.snapshot import Activity
    from proposal_tui.tui.widgets.activity import activity_text

    now = NOW
    items = (Activity(when=now, who="ana", what="commit", subject="Tidy the README"),
             Activity(when=now, who="ben", what="commit", subject="Cut", sections=("risk",)))
    line = activity_text(items, now, {}).plain
    assert "ana committed (no section) “Tidy the README” now" in line
    assert "ben committed risk “Cut” now" in line and "  " not in line
