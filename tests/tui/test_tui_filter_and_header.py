"""The filter and the header (issue 18, smaller items): esc on the table clears the filter,
choosing the same owner twice clears it, an unknown `is:` word says so, keys typed right after
ctrl+u are kept, a requirement filter with an owner filter says why nothing shows, and the
header counts down to the next milestone as well as the deadline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual.widgets import Input

from proposal_tui.domain.model import Manifest, Milestone, ProposalInfo
from proposal_tui.domain.timeline import milestone_countdown, next_milestone
from proposal_tui.tui.widgets.owners import OwnersTable
from proposal_tui.tui.widgets.sections_table import SectionsTable
from tests.tui.support import NOW, WIDE, make_app, screen_text, settle, sync


def test_the_next_milestone_is_the_nearest_ahead() -> None:
    day = dt.timedelta(days=1)
    manifest = Manifest(proposal=ProposalInfo(title="T", due=NOW + 9 * day), milestones=(
        Milestone("Pink", NOW - day), Milestone("Red Team", NOW + 2 * day + dt.timedelta(hours=3)),
        Milestone("Gold", NOW + 5 * day), Milestone("Submit", NOW + 9 * day, "deadline")))
    assert next_milestone(manifest, NOW).name == "Red Team"  # type: ignore[union-attr]
    assert milestone_countdown(manifest, NOW) == "Red Team in 2d 3h"
    assert milestone_countdown(manifest, NOW + 6 * day) == ""  # only the deadline is left


@sync
async def test_filter_keys_and_messages(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(SectionsTable)
        title = app.screen.query_one("#sections-pane")
        assert "Red Team in 10d 13h · due 18 Dec 17:00 EST" in screen_text(app).splitlines()[0]
        await pilot.press("slash", *"is:risky")
        await pilot.pause()
        assert "unknown" in str(title.border_title) and "is:risky" in str(title.border_title)
        await pilot.press("ctrl+u", *"risk")  # typed at once after ctrl+u: nothing lost
        await pilot.pause()
        assert app.screen.query_one("#filter", Input).value == "risk"
        await pilot.press("enter")  # keeps the filter, back to the table
        await pilot.pause()
        assert app.focused is table and table.visible_count == 1
        await pilot.press("escape")  # esc on the table clears it
        await pilot.pause()
        assert table.query_text == "" and table.visible_count == 12
        app.screen.set_query("req:L.3.1")  # answered by exec-summary (ana)
        app.screen.set_owner("ben")
        await pilot.pause()
        assert table.visible_count == 0
        why = str(title.border_title)
        assert "req:L.3.1" in why and "exec-summary" in why and "ben" in why
        app.screen.set_query("")
        await pilot.press("o")
        owners = app.screen.query_one(OwnersTable)
        owners.move_cursor(row=2)  # ben, already chosen: choosing him again clears it
        await pilot.press("enter")
        await pilot.pause()
        assert table.owner is None and table.visible_count == 12
