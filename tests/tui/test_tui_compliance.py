"""The compliance screen (m): the matrix on the NSF and transit demos, enter filters the
dashboard to a requirement's sections, and hostile requirement texts are shown literally."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w

from proposal_tui.domain.text import one_line
from proposal_tui.services.workspace import Workspace
from proposal_tui.store.demo import build_demo
from proposal_tui.tui.screens.compliance import ComplianceTable
from proposal_tui.tui.screens.dashboard import DashboardScreen
from proposal_tui.tui.widgets.sections_table import SectionsTable
from tests.hostile import COMMENTABLE
from tests.tui.support import (
    FIXED_DATE,
    NOW,
    WIDE,
    make_app,
    open_compliance,
    screen_text,
    settle,
    sync,
)

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="session")
def nsf_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("nsf-master") / "proposal", "nsf-grant",
                      today=FIXED_DATE, now=NOW)


@sync
async def test_m_shows_the_nsf_matrix_and_its_unanswered_mandatory_requirement(
        nsf_master: Path) -> None:
    app = make_app(nsf_master, actor="lena")
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_compliance(pilot)
        text = screen_text(app)
        for rid in ("II.D.2.b", "II.D.2.d(iii)", "II.D.2.h(ii)", "IM", "BI"):
            assert rid in text
        assert "11/12 requirements answered by at least one section" in text
        assert "✖ unanswered (mandatory) II.D.2.h(ii)" in text
        assert "⚠ only not-started sections answer II.D.2.g: facilities" in text
        row = screen.query_one(ComplianceTable).get_row("II.D.2.h(ii)")
        assert row[1].plain == "!" and row[2].plain == "— none"
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


@sync
async def test_enter_on_a_requirement_filters_the_dashboard_to_its_sections(
        nsf_master: Path) -> None:
    app = make_app(nsf_master, actor="lena")
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_compliance(pilot)
        table = screen.query_one(ComplianceTable)
        keys = [row.key.value for row in table.ordered_rows]
        table.move_cursor(row=keys.index("IM"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        sections = app.screen.query_one(SectionsTable)
        assert [row.key.value for row in sections.ordered_rows] == ["summary", "description"]
        assert "filter req:IM" in screen_text(app)


@sync
async def test_enter_on_an_unanswered_requirement_stays_and_says_why(nsf_master: Path) -> None:
    app = make_app(nsf_master, actor="lena")
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_compliance(pilot)
        table = screen.query_one(ComplianceTable)
        keys = [row.key.value for row in table.ordered_rows]
        table.move_cursor(row=keys.index("II.D.2.h(ii)"))
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert any("answered by no section" in str(n.message) for n in app._notifications)


@sync
async def test_the_transit_matrix_and_the_palette_entry(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        from proposal_tui.tui.commands import ProposalCommands

        names = [name for name, _cb, _help in ProposalCommands(app.screen).commands()]
        assert "compliance (m)" in names
        assert "rounds (R)" in names and "progress (p)" in names
        screen = await open_compliance(pilot)
        text = screen_text(app)
        assert "L.3.1" in text and "exec-summary" in text
        assert screen.matrix is not None and len(screen.matrix.rows) > 10


def _hostile_requirements(repo: Path) -> list[str]:
    lines = [line for line in COMMENTABLE if one_line(line)][:20]
    reqs = [{"id": f"H.{i}", "text": line, "source": "Section L", "mandatory": True}
            for i, line in enumerate(lines)]
    (repo / "requirements.toml").write_text(tomli_w.dumps({"requirements": reqs}),
                                            encoding="utf-8")
    return lines


@sync
async def test_hostile_requirement_texts_are_shown_literally(demo: Path) -> None:
    lines = _hostile_requirements(demo)
    app = make_app(demo)
    async with app.run_test(size=(160, 60)) as pilot:
        screen = await open_compliance(pilot)
        table = screen.query_one(ComplianceTable)
        for i, line in enumerate(lines):
            cell = table.get_row(f"H.{i}")[3]
            assert cell.plain == one_line(line, 200)
            assert not cell.spans  # no markup was interpreted
        problems = str(screen.query_one("#compliance-problems").render())
        for line in lines:
            assert one_line(line, 90)[:20] in problems
        text = screen_text(app)
        assert "[bold]" in text or "[/" in text or "[@click" in text
        assert "\x1b" not in text
        assert app.is_running


def test_the_req_filter_matches_the_sections_answering_a_requirement(demo_master: Path) -> None:
    from proposal_tui.domain.clock import FixedClock
    from proposal_tui.tui.filtering import matches, parse_query
    from tests.tui.support import NOW

    snap = Workspace(demo_master, FixedClock(NOW)).proposals.snapshot()
    query = parse_query("req:l.3.2")
    assert query.requirements == ("l.3.2",) and not query.empty
    assert [s.section.id for s in snap.states if matches(s, query)] == ["tech-approach"]
    assert [s.section.id for s in snap.states if matches(s, parse_query("req:M.3.4"))] == \
        ["transition"]
    assert not any(matches(s, parse_query("req:nope")) for s in snap.states)
