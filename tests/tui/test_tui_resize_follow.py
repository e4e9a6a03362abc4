"""A resize that changes the sections table's columns keeps the panes on the cursor's section.

The table rebuilds its columns when the width calls for another layout. Clearing it moved the
cursor off every row and told the screen "no section", while the rebuilt table quietly put the
cursor back: the section pane said "No section selected." until the next move. At start-up the
first resize can come after the first data (it did on a loaded machine), so this also made
tests that read the pane after start-up fail now and then.
"""

from __future__ import annotations

from pathlib import Path

from proposal_tui.tui.widgets.section_preview import PreviewBody
from proposal_tui.tui.widgets.sections_table import SectionsTable
from tests.tui.support import WIDE, make_app, settle, sync


@sync
async def test_a_resize_that_rebuilds_the_table_keeps_the_pane_on_the_cursor(
        demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(SectionsTable)
        await pilot.press("down", "down")
        await settle(pilot)
        chosen, rebuilds = table.selected_id, table.rebuilds
        await pilot.resize_terminal(WIDE[0] - 24, WIDE[1])  # the words column shrinks
        await settle(pilot)
        assert table.rebuilds == rebuilds + 1  # the columns were rebuilt
        assert table.selected_id == app.screen.selected == chosen
        body = app.screen.query_one(PreviewBody)
        shown = "\n".join(line.text for line in body._lines)
        assert "No section selected." not in shown
