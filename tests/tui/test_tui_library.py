"""The library view (L): passages of past proposals for the selected section, who wrote them,
a passage whole, copy, append with provenance (owner or manager only), and who in the team
wrote on the topic before (owners pane, assign dialog)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from proposal_tui.domain.clock import FixedClock
from proposal_tui.services.library import open_library
from proposal_tui.tui.screens.dialogs import PickDialog
from proposal_tui.tui.screens.library import LibraryScreen, PassageScreen
from tests.fixtures import make_proposal
from tests.library_support import DRONES, library_env, make_past_proposals
from tests.tui.support import NOW, WIDE, make_app, screen_text, settle, sync, wait_for

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def current(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """This proposal (make_proposal: val owns 'approach') and an indexed library."""
    env = library_env(tmp_path)
    library = open_library(None, env, FixedClock(NOW))
    for repo in make_past_proposals(tmp_path):
        library.add(str(repo))
    library.index()
    library.index_store.close()
    return make_proposal(tmp_path), env


async def _open_library(pilot: Any) -> LibraryScreen:
    await settle(pilot)
    pilot.app.dashboard.table.select("approach")
    await settle(pilot)
    await pilot.press("L")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, LibraryScreen) and
                   pilot.app.screen.hits, what="library results")
    await settle(pilot)
    return pilot.app.screen


@sync
async def test_library_view_reads_copies_and_appends(current: tuple[Path, dict]) -> None:
    repo, env = current
    app = make_app(repo, "val", env=env)
    async with app.run_test(size=WIDE) as pilot:
        screen = await _open_library(pilot)
        text = screen_text(app)
        assert "harbor" in text and "Val Writer" in text and "People who wrote" in text
        assert screen.hits[0].passage.proposal.name == "harbor"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PassageScreen), what="passage")
        await settle(pilot)
        assert "sections/approach.md:5-6 @ HEAD" in screen_text(app)
        assert "[b]1 mm[/b]" in screen_text(app)  # the passage's text, literally
        await pilot.press("c")
        assert DRONES in app.clipboard
        await pilot.press("i")
        await wait_for(pilot, lambda: "from the library" in
                       (repo / "sections" / "approach.md").read_text(), what="append")
        written = (repo / "sections" / "approach.md").read_text()
        assert "<!-- from the library: harbor " in written and written.endswith(DRONES + "\n")


@sync
async def test_a_reviewer_may_not_append_and_the_team_hint_shows(
        current: tuple[Path, dict]) -> None:
    repo, env = current
    before = (repo / "sections" / "approach.md").read_text()
    app = make_app(repo, "mia", env=env)  # a manager, to open the assign dialog
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        dashboard = app.dashboard
        dashboard.table.select("approach")
        await wait_for(pilot, lambda: dashboard.wrote_before[0] == "approach",
                       what="team writers")
        assert "val" in dashboard.query_one("#owners-pane").border_subtitle
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PickDialog), what="assign")
        labels = {key: label.plain for key, label in app.screen.choices}
        assert "wrote" in labels["val"] and "wrote" not in labels["mia"]
        await pilot.press("escape")
        app.workspace.acting = "rex"  # now a reviewer acts: each edit looks the actor up
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen) and
                       app.screen.hits, what="library results")
        await pilot.press("i")
        await wait_for(pilot, lambda: any("not appended" in str(n.message)
                                          for n in app._notifications), what="refusal")
    assert (repo / "sections" / "approach.md").read_text() == before


def test_library_view_snapshot(snap_compare: Any, current: tuple[Path, dict]) -> None:
    repo, env = current
    assert snap_compare(make_app(repo, "val", env=env), terminal_size=WIDE,
                        run_before=_open_library)


@sync
async def test_no_library_over_the_server(current: tuple[Path, dict]) -> None:
    repo, env = current
    app = make_app(repo, "val", env={**env, "PROPOSAL_SERVED": "1"})
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("L")
        await settle(pilot)
        assert not isinstance(app.screen, LibraryScreen)
        assert any("not offered over the server" in str(n.message) for n in app._notifications)
        assert app.dashboard.wrote_before == (None, {})
