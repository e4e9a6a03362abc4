"""At 80x24 nothing is out of reach (issue 18, smaller items): the deadline's date stays in
the header, the last edit is on the Section tab (the table drops its column), and the
compliance screen shows the highlighted requirement's whole text (its column cuts it)."""

from __future__ import annotations

from pathlib import Path

from tests.tui.support import NARROW, make_app, open_compliance, screen_text, settle, sync


@sync
async def test_80x24_reaches_the_date_the_last_edit_and_the_requirement_text(
        demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        assert "due 18 Dec · 21d" in screen_text(app).splitlines()[0]
        await pilot.press("tab")  # the Section tab
        await pilot.pause()
        assert "last ana " in screen_text(app)
        await pilot.press("shift+tab")
        await open_compliance(pilot)
        await pilot.press("down")
        await pilot.pause()
        text = " ".join(screen_text(app).replace("│", " ").split())
        assert "L.3.2: Technical Approach describing the proposed" in text
        requirement = app.screen.selected_requirement()
        assert requirement is not None
        assert " ".join(requirement.requirement.text.split()) in text
