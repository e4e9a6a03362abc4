"""Measured pages on the dashboard (issue 20): page-limited sections show the word estimate,
marked ``~``, until a worker has typeset them, then ``12.4/15p``; the dashboard never waits
for the typesetter, and a refresh re-measures only what changed."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from proposal_tui.domain.clock import FixedClock
from proposal_tui.domain.pages import PageFigure
from proposal_tui.services import pages as pages_module
from proposal_tui.services.pages import PageService
from proposal_tui.services.workspace import Workspace
from proposal_tui.tui.charts import burnup, series_of
from proposal_tui.tui.widgets.section_preview import pages_note
from tests.command import run
from tests.fixtures import make_proposal
from tests.gitutil import git
from tests.tui.support import (
    NOW,
    WIDE,
    count_calls,
    hold_calls,
    make_app,
    screen_text,
    settle,
    sync,
    wait_for,
)

LIMITED = ("exec-summary", "tech-approach", "mgmt-plan", "past-performance", "qa",
           "transition", "security")  # the transit demo's sections with a page limit


def row_of(app: Any, section_id: str) -> str:
    """The table's line for a section, as the terminal shows it."""
    title = app.data.state(section_id).section.title
    return next(line for line in screen_text(app).splitlines() if title[:20] in line)


def hold_measures(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make the measuring worker wait until the returned event is set."""
    return hold_calls(monkeypatch, PageService, "measure_all")


@sync
async def test_the_table_is_usable_while_pages_are_typeset_then_shows_them(
        demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = hold_measures(monkeypatch)
    app = make_app(demo, measure_pages=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.loads >= 1 and not app.busy, what="the first load")
        await pilot.pause()
        state = app.data.state("mgmt-plan")
        assert state.page_figure is not None and not state.page_figure.measured
        estimate = f"~{state.pages:.1f}/15p"
        assert estimate in row_of(app, "mgmt-plan")
        assert app.measures == 0 and any(w.is_running for w in app.workers)
        # the typesetter is held: the cursor still moves and the preview follows
        table = app.screen.table
        table.select("exec-summary")
        await pilot.pause()
        for _ in range(2):
            await pilot.press("down")
        assert table.selected_id == "mgmt-plan" and app.measures == 0
        await pilot.pause()
        assert "~1.1/15p (estimated at 500" in screen_text(app)  # the section pane
        release.set()
        await wait_for(pilot, lambda: app.measures == 1, what="the pages measured")
        await pilot.pause()
        figure = app.data.state("mgmt-plan").page_figure
        assert figure is not None and figure.measured and not figure.approximate
        assert f"{figure.pages:.1f}/15p" in row_of(app, "mgmt-plan")
        assert estimate not in row_of(app, "mgmt-plan")
        assert all(app.data.state(s).page_figure.measured for s in LIMITED)
        assert f"{figure.pages:.1f}/15p (typeset in letter-11pt" in screen_text(app)
        assert pages_note(app.data.state("mgmt-plan"), app.data.manifest).endswith(
            f", {figure.lines_left} lines left on the last page)")
        # the owners' pages total counts the typeset pages now
        assert app.data.state("mgmt-plan").pages == figure.pages


@sync
async def test_a_refresh_typesets_only_the_section_that_changed(
        demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(demo, measure_pages=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.measures == 1, what="the first measure")
        before = app.data.state("qa").page_figure
        typeset = count_calls(monkeypatch, pages_module, "measure")
        path = demo / app.data.state("qa").section.file
        path.write_text(path.read_text(encoding="utf-8") + "\n\n" + "More words here. " * 400,
                        encoding="utf-8")
        git(demo, "commit", "-qam", "QA: more words")
        app.request_refresh("commit")
        await wait_for(pilot, lambda: app.measures == 2, what="the second measure")
        await settle(pilot)
        after = app.data.state("qa").page_figure
        assert typeset[0] == 1  # only qa: the others came from the cache
        assert after.measured and after.pages > before.pages
        assert app.data.state("qa").over_limit == (after.pages > 2)
        assert app.measures == 2  # nothing left to measure: no third run
        app.request_refresh("again")
        await settle(pilot)
        assert app.measures == 2


@sync
async def test_tests_and_screenshots_show_the_estimate_without_typesetting(demo: Path) -> None:
    app = make_app(demo)  # measure_pages off: what every other TUI test sees
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert app.measures == 0
        state = app.data.state("qa")
        assert f"~{state.pages:.1f}/2p" in row_of(app, "qa")


def test_the_burnup_draws_a_page_limit_at_the_typeset_density(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)  # approach: page_limit 2 at 100 words a page
    workspace = Workspace(repo, FixedClock(NOW))
    rows = workspace.progress.rows(workspace.proposals.manifest())
    words = series_of(rows, "approach").words[-1]
    typeset = PageFigure(words / 50, measured=True, lines_left=3, profile="nsf")  # 50 a page
    series = series_of(rows, "approach", typeset)
    assert series.limit == 100 and series.words_per_page == 50
    summary = burnup(series, 70, 8, {}).plain.splitlines()[-1]
    assert f"{typeset.label(2)} typeset" in summary and "over by" in summary
    estimated = series_of(rows, "approach", PageFigure(words / 100, measured=False))
    assert estimated.limit == 200 and "≈" in burnup(estimated, 70, 8, {}).plain


@sync
async def test_a_dashboard_opened_after_a_measure_shows_its_pages_at_once(demo: Path) -> None:
    """What another process measured (here `proposal pages`) comes from the cache at the
    first load: no estimate first, nothing to typeset, no second redraw. Over `proposal
    serve` every dashboard after the first opens like this."""
    measured = run("--repo", str(demo), "pages", "--json")
    assert measured.code == 0, measured.err
    app = make_app(demo, measure_pages=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.loads >= 1, what="the first load")
        await settle(pilot)
        assert all(app.data.state(s).page_figure.measured for s in LIMITED)
        assert app.measures == 0
        assert "~" not in row_of(app, "mgmt-plan")


def test_two_measurers_at_once_typeset_each_section_once(
        demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes measuring one repository at once (fifty dashboards opened together):
    each section is typeset by one of them; the other waits, then reads its count from the
    cache. Both answer every section."""
    manifest = Workspace(demo, FixedClock(NOW), acting="ana", env={}).proposals.manifest()
    typeset: list[str] = []
    original = pages_module.measure

    def measure(*args: Any, **kwargs: Any) -> Any:
        typeset.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(pages_module, "measure", measure)
    answers: dict[str, list[Any]] = {}

    def measurer(name: str) -> None:
        workspace = Workspace(demo, FixedClock(NOW), acting="ana", env={})  # its own cache
        answers[name] = workspace.pages.measure_all(manifest, "head", limited_only=True)

    both = [threading.Thread(target=measurer, args=(n,), name=n) for n in ("one", "two")]
    for thread in both:
        thread.start()
    for thread in both:
        thread.join(60)
    assert len(typeset) == len(LIMITED)  # not twice
    assert [[p.count.pages for p in answers[n]] for n in ("one", "two")] == \
        [[p.count.pages for p in answers["one"]]] * 2
    assert all(p.count is not None for p in answers["two"])


def cells_of(table: Any) -> dict[str, tuple[Any, ...]]:
    """Each row's cell objects, by row key, in the table's order."""
    return {row.key.value: tuple(table.get_row(row.key)) for row in table.ordered_rows}


@sync
async def test_the_measured_pages_redraw_only_the_cells_they_change(
        demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the figures arrive, both dashboard tables keep their rows and cell objects and
    rewrite only the cells showing pages; only those cells and their rows are drawn again,
    and nothing is laid out again (drawing every cell on screen, after a layout that the
    unchanged header and activity line asked for, made that one frame take 76-120 ms)."""
    from textual import messages
    from textual.widgets import DataTable

    from proposal_tui.tui.widgets.owners import OwnersTable

    release = hold_measures(monkeypatch)
    app = make_app(demo, measure_pages=True)
    layouts: list[str] = []

    def hook(message: Any) -> None:
        if isinstance(message, messages.Layout) and release.is_set():
            layouts.append(f"{type(message.widget).__name__}#{message.widget.id}")

    async with app.run_test(size=WIDE, message_hook=hook) as pilot:
        await wait_for(pilot, lambda: app.loads >= 1 and not app.busy, what="the first load")
        await pilot.pause()
        tables = [app.screen.table, app.screen.query_one(OwnersTable)]
        before = [cells_of(table) for table in tables]
        drawn: set[int] = set()
        render_lines = app.console.render_lines

        def drawing(renderable: Any, *args: Any, **kwargs: Any) -> Any:
            inner = getattr(getattr(renderable, "renderable", None), "renderable", None)
            drawn.add(id(inner))  # a table cell comes as Styled(Padding(cell))
            return render_lines(renderable, *args, **kwargs)

        monkeypatch.setattr(app.console, "render_lines", drawing)
        rows_drawn: list[tuple[Any, str | None]] = []
        render_row = DataTable._render_line_in_row

        def drawing_row(table: Any, row_key: Any, *args: Any) -> Any:
            rows_drawn.append((table, row_key.value))
            return render_row(table, row_key, *args)

        monkeypatch.setattr(DataTable, "_render_line_in_row", drawing_row)
        release.set()
        await wait_for(pilot, lambda: app.measures == 1, what="the pages measured")
        await pilot.pause()
        assert not layouts
        for table, old in zip(tables, before, strict=True):
            new = cells_of(table)
            assert list(new) == list(old)  # the same rows, in the same order
            kept = {id(cell) for key, row in new.items() for cell in row if
                    any(cell is was for was in old[key])}
            changed = {id(cell) for row in new.values() for cell in row} - kept
            again = len(drawn & kept)
            assert changed and not again, f"{type(table).__name__} drew {again} kept cells"
            assert drawn & changed  # the new figures were drawn
            rewritten = {key for key, row in new.items() if row != old[key]}
            rows = {key for drawer, key in rows_drawn if drawer is table}
            assert rows and rows <= rewritten, f"{type(table).__name__} drew rows {rows}"
        assert set(tables[0].columns[c].label.plain.strip()  # only the words column changed
                   for key, row in cells_of(tables[0]).items()
                   for c, cell, was in zip(tables[0].columns, row, before[0][key], strict=True)
                   if cell is not was) == {"words"}
        for section in LIMITED[:5]:
            figure = app.data.state(section).page_figure
            assert figure.measured and f"{figure.pages:.1f}/" in row_of(app, section)
