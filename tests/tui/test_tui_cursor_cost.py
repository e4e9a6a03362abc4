"""What a cursor move makes Textual do: no screen layout, no footer rebuild.

Frame time at 500 sections is benchmarks/bench_tui.py's job; these tests pin the causes of
slow moves found there (each failed before the fix), so they cannot creep back.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from rich.markdown import Markdown as RichMarkdown
from textual.app import App
from textual.color import Color
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable

from proposal_tui.domain.clock import FixedClock
from proposal_tui.domain.manifest import MANIFEST_NAME, parse_manifest
from proposal_tui.services.workspace import Workspace
from proposal_tui.tui.app import GC_YOUNG
from proposal_tui.tui.screens.dashboard import DashboardScreen
from proposal_tui.tui.textual_compat import FooterKey
from proposal_tui.tui.widgets import thread_list
from proposal_tui.tui.widgets.section_preview import PreviewBody, PreviewMarkdown
from proposal_tui.tui.widgets.sections_table import SectionsTable
from proposal_tui.tui.widgets.thread_list import ThreadList
from proposal_tui.tui.widgets.timeline import Timeline
from tests.tui.support import (
    NARROW,
    NOW,
    WIDE,
    add_thread,
    count_calls,
    hold_loads,
    make_app,
    screen_text,
    settle,
    sync,
)

pytestmark = pytest.mark.timeout(120)


def count_layouts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    return count_calls(monkeypatch, Screen, "_refresh_layout")


@sync
async def test_moving_through_every_section_lays_out_nothing(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        ids = [s.section.id for s in app.data.snapshot.states]
        with_threads = {s.section.id for s in app.data.snapshot.states if s.open_comments}
        assert with_threads and set(ids) - with_threads  # the walk crosses both kinds
        keys = {id(k) for k in screen.query(FooterKey)}
        layouts = count_layouts(monkeypatch)
        for section_id in ids[1:]:
            await pilot.press("j")
            await pilot.pause()
            assert screen.preview.section_id == section_id
        assert layouts[0] == 0
        assert {id(k) for k in screen.query(FooterKey)} == keys  # flipped in place, not rebuilt
        last = app.data.state(ids[-1])
        assert f"{ids[-1]} · {last.section.title}"[:40] in screen_text(app)


@sync
async def test_the_first_load_greys_keys_in_without_rebuilding_the_footer(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before anything is read, the section keys show greyed; the first load then turns them
    on in place (a footer rebuild and its layouts were ~150 ms of the first paint)."""
    release = hold_loads(monkeypatch)
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        for _ in range(5):
            await pilot.pause()
        assert app.loads == 0
        before = {key.action: key for key in app.screen.query(FooterKey)}
        assert {"edit_file", "comment", "assign"} <= set(before)
        assert all(before[action].has_class("-disabled") for action in ("edit_file", "assign"))
        release.set()
        await settle(pilot)
        after = {key.action: key for key in app.screen.query(FooterKey)}
        assert after == before  # the same widgets
        assert not after["edit_file"].has_class("-disabled")
        assert not after["assign"].has_class("-disabled")


@sync
async def test_footer_greys_reply_exactly_where_there_is_no_thread(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        seen = set()
        for state in app.data.snapshot.states[:6]:
            screen.table.select(state.section.id)
            await pilot.pause()  # the footer follows the cursor, in the repaint after it
            reply = next(k for k in screen.query(FooterKey) if k.action == "reply")
            has_thread = bool(app.data.snapshot.threads_for(state.section.id))
            assert reply.has_class("-disabled") is not has_thread, state.section.id
            assert bool(reply.rich_style.dim) is not has_thread  # as it is drawn
            seen.add(has_thread)
        assert seen == {True, False}


@sync
async def test_thread_list_keys_and_clicks_move_the_highlight(demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        busiest = max(app.data.snapshot.states,
                      key=lambda s: len(app.data.snapshot.threads_for(s.section.id)))
        screen.table.select(busiest.section.id)
        await pilot.pause()
        threads = screen.query_one(ThreadList)
        assert len(threads.threads) >= 2
        threads.focus()
        await pilot.pause()
        assert threads.highlighted == 0
        await pilot.press("j")
        assert threads.selected_thread is threads.threads[1]
        await pilot.press("k", "k")
        assert threads.highlighted == 0  # stops at the top
        await pilot.press("end")
        assert threads.highlighted == len(threads.threads) - 1
        await pilot.click(ThreadList, offset=(3, 1))  # row 0 is the border with the title
        assert threads.highlighted == 0
        assert "Comments (" in str(threads.border_title)


@sync
async def test_the_section_text_scrolls_and_starts_at_the_top_for_each_section(
        demo_master: Path) -> None:
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        body = app.screen.query_one(PreviewBody)
        assert body.virtual_size.height > body.size.height  # the demo's first section is long
        body.focus()
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y > 0
        app.screen.table.focus()
        await pilot.press("j")
        await pilot.pause()
        assert body.scroll_y == 0


@sync
async def test_rows_away_from_the_cursor_come_from_the_row_cache(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scroll repaints every visible row; only the two rows the cursor left and reached
    should need their cells rendered again (rendering ahead is off here: it has its test)."""
    monkeypatch.setattr(SectionsTable, "prepare_rows", lambda self: None)
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        table = app.screen.table
        table.refresh()
        await pilot.pause()
        rendered = count_calls(monkeypatch, DataTable, "_render_cell")
        await pilot.press("j")
        table.refresh()  # what scrolling does: the whole table is painted again
        await pilot.pause()
        columns = len(table.columns)
        assert table.row_count > 4
        assert 0 < rendered[0] <= 2 * columns


@sync
async def test_threads_below_the_view_are_rendered_when_reached(demo: Path) -> None:
    for n in range(14):
        add_thread(demo, "helen", "exec-summary", f"Point {n}: tighten this paragraph")
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.table.select("exec-summary")
        await pilot.pause()
        threads = screen.query_one(ThreadList)
        assert len(threads.threads) >= 15
        rendered = sum(block is not None for block in threads._blocks)
        assert 0 < rendered < len(threads.threads) // 2  # only what the view shows
        threads.focus()
        await pilot.press("end")
        await pilot.pause()
        assert threads.highlighted == len(threads.threads) - 1
        assert threads.selected_thread.root.body[:25] in screen_text(app)  # scrolled into view
        await pilot.press("home")
        threads.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        assert None not in threads._blocks  # scrolling to the end rendered the rest


@sync
async def test_a_scrolled_table_draws_only_the_lines_the_cursor_left_and_reached(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a one-row move (and the full repaint a scroll makes) every other line comes from
    the line cache; what is cached is right wherever the cursor has been since: the same
    lines as a table drawn afresh, the cursor on its row only."""
    app = make_app(demo_master)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        table = app.screen.table
        drawn = count_calls(monkeypatch, DataTable, "_render_line")
        for key in ["j", "j", "k", "j", "j", "j"]:
            table.refresh()
            await pilot.pause()
            drawn[0] = 0
            await pilot.press(key)
            table.refresh()  # what a scroll does: every line painted again
            await pilot.pause()
            assert 0 < drawn[0] <= 2, key
            cached = [table.render_line(y) for y in range(table.size.height)]
            table._clear_caches()
            assert [table.render_line(y) for y in range(table.size.height)] == cached


@sync
async def test_the_pane_renders_about_a_screenful_of_a_long_section(demo: Path) -> None:
    """Markdown costs by the character: the side pane renders about what it can show (the
    whole text is one key away, and says so)."""
    manifest = parse_manifest((demo / MANIFEST_NAME).read_text(encoding="utf-8"))
    first = demo / manifest.sections[0].file  # where the cursor starts
    text = "\n\n".join(f"Paragraph {n} " + "word " * 60 for n in range(200))  # ~60 kB
    first.write_text(text, encoding="utf-8")
    app = make_app(demo)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        body = app.screen.query_one(PreviewBody)
        shown = "\n".join(line.text for line in body._lines)
        assert "Paragraph 0 word" in shown
        assert "enter shows the whole section" in shown
        room = body.line_width * body.size.height
        assert room / 2 < len(shown) < 2 * room


def test_the_snapshot_finds_states_and_threads_as_a_scan_would(demo_master: Path) -> None:
    """Both lookups run on every cursor move and now use indexes built once per snapshot."""
    snap = Workspace(demo_master, FixedClock(NOW)).proposals.snapshot()
    assert snap.threads
    for state in snap.states:
        assert snap.state(state.section.id) is state
    assert snap.state("no-such-section") is None
    for section_id in {t.section for t in snap.threads} | {"no-such-section"}:
        assert snap.threads_for(section_id) == [t for t in snap.threads
                                                if t.section == section_id]
    snap.threads_for(snap.threads[0].section).clear()  # a caller's copy, not the index
    assert snap.threads_for(snap.threads[0].section)


def test_the_preview_markdown_is_rich_markdown_with_a_shared_parser() -> None:
    """PreviewMarkdown sets what Rich's Markdown sets, without building a parser each time;
    a Rich release that sets more fails here rather than in the middle of a render."""
    text = "# Title\n\n~~gone~~ *em* `code` [link](https://example.org)\n\n| a |\n|---|\n| b |\n"
    ours, theirs = PreviewMarkdown(text), RichMarkdown(text, hyperlinks=False)
    assert vars(ours).keys() == vars(theirs).keys()
    for name, value in vars(theirs).items():
        if name != "parsed":
            assert getattr(ours, name) == value, name
    assert [t.as_dict() for t in ours.parsed] == [t.as_dict() for t in theirs.parsed]
    assert any(c.type == "s_open" for t in ours.parsed for c in t.children or [])  # ~~ on
    assert any(t.type == "table_open" for t in ours.parsed)  # tables on


@sync
async def test_a_repaint_uses_the_style_in_force_and_forgets_it_after(demo_master: Path) -> None:
    """FrameStyle keeps the base style for one repaint only."""
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        body = app.screen.query_one(PreviewBody)
        before = body.render_lines(Region(0, 0, body.size.width, 1))[0]
        assert body._frame is None
        body.styles.background = "red"
        await pilot.pause()
        after = body.render_lines(Region(0, 0, body.size.width, 1))[0]
        assert after != before
        assert {s.style.bgcolor.triplet for s in after if s.style and s.style.bgcolor} == \
            {Color.parse("red").rich_color.triplet}


@sync
async def test_the_cursor_moves_in_a_frame_of_its_own_and_the_panes_follow_in_the_next(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The frame a key sends first draws the two table rows and nothing else; the section
    pane, its threads, the timeline's mark and the footer's keys follow in the next one. Each
    frame draws only the lines that changed: the owners pane and the containers draw none."""
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        frames: list[list[tuple[str, int]]] = [[]]
        render_lines, display = Widget.render_lines, App._display

        def drawn(widget: Widget, crop: Region) -> list[Strip]:
            frames[-1].append((type(widget).__name__, crop.height))
            return render_lines(widget, crop)

        def shown(app: App[object], screen: Screen[object], update: object) -> None:
            display(app, screen, update)
            frames.append([])

        monkeypatch.setattr(Widget, "render_lines", drawn)
        monkeypatch.setattr(App, "_display", shown)
        with_threads = next(s.section.id for s in app.data.snapshot.states
                            if app.data.snapshot.threads_for(s.section.id))
        screen.table.select(with_threads)
        await pilot.pause()
        await pilot.pause()
        frames[:] = [[]]
        await pilot.press("j")
        await pilot.pause()
        section = screen.table.cursor_section()
        assert section != with_threads
        assert screen.preview.section_id == section
        painted = [frame for frame in frames if frame]
        assert len(painted) == 2, painted
        assert painted[0] == [("SectionsTable", 2)], painted[0]  # the rows left and reached
        following = {name for name, _lines in painted[1]}
        assert {"PreviewBody", "ThreadList", "Timeline"} <= following, painted[1]
        assert not following & {"OwnersTable", "Vertical", "Horizontal", "DashboardScreen"}
        assert screen.query_one(Timeline).selected == section


@sync
async def test_a_held_key_redraws_the_panes_once_a_frame(demo_master: Path) -> None:
    """Keys that come faster than frames move the cursor at once; the panes follow once,
    for the row the cursor reached."""
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        followed: list[str | None] = []
        follow = screen._follow
        screen._follow = lambda section_id, force=False: (  # type: ignore[method-assign]
            followed.append(section_id), follow(section_id, force))
        for _ in range(4):
            screen.table.action_cursor_down()
        await pilot.pause()
        assert followed == [screen.table.cursor_section()]
        assert screen.preview.section_id == followed[0]


@sync
async def test_a_move_finds_its_rows_and_text_rendered_ahead(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a move is on screen, the table rows, section facts and texts and first threads a
    move up or down needs are rendered; the next move only assembles them, and shows what a
    fresh render shows."""
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        table, body = screen.table, screen.query_one(PreviewBody)
        cells = count_calls(monkeypatch, DataTable, "_render_cell")
        texts = count_calls(monkeypatch, PreviewBody, "_render_text")
        lines = count_calls(monkeypatch, PreviewBody, "render_renderable")
        threads = count_calls(monkeypatch, thread_list, "thread_prompt")
        assert any(app.data.snapshot.threads_for(row.key.value or "")
                   for row in table.ordered_rows[:6])
        table.action_cursor_down()  # a first move: a late resize may drop what start-up kept
        for move in ["down", "down", "up", "up", "down"]:
            for _ in range(10):  # the previous move on screen, then the next one prepared
                await pilot.pause()
                if body._prepared:
                    break
            assert body._prepared
            cells[0] = texts[0] = lines[0] = threads[0] = 0
            getattr(table, f"action_cursor_{move}")()
            screen._follow_now()  # what the repaint after the cursor's does
            rows = table.render_lines(Region(0, 0, table.size.width, table.size.height))
            assert (cells[0], texts[0], lines[0], threads[0]) == (0, 0, 0, 0), move
            shown = list(body._lines)
            body._prepared.clear()
            body.show_section(body._info, *body._source, force=True)
            assert body._lines == shown
            table._clear_caches()
            assert table.render_lines(Region(0, 0, table.size.width, table.size.height)) \
                == rows


@sync
async def test_each_move_starts_with_the_young_generation_at_most_half_full(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The young collection runs once a move is shown and the next one prepared, so the
    next repaint never runs one. Python's own collections are held off here, so without
    that the young generation only grows."""
    app = make_app(demo_master)
    threshold = gc.get_threshold()
    gc.set_threshold(1_000_000, *threshold[1:])  # on_mount keeps the larger threshold
    try:
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            left: list[int] = []
            prepare = screen._prepare_next

            def prepared() -> None:
                prepare()
                left.append(gc.get_count()[0])

            monkeypatch.setattr(screen, "_prepare_next", prepared)
            for _ in range(10):
                await pilot.press("j")
                await pilot.pause()
            assert len(left) >= 10
            assert max(left) <= GC_YOUNG // 2, left
    finally:
        gc.set_threshold(*threshold)


@sync
async def test_zooming_the_dashboard_timeline_never_lays_out_the_screen(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its horizontal scrollbar is always there: a zoom that made it appear laid out the
    whole screen (60-90 ms at 500 sections)."""
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        timeline = app.screen.query_one(Timeline)
        layouts = count_layouts(monkeypatch)
        widths = set()
        for _ in range(8):
            await pilot.press("z")
            await pilot.pause()
            widths.add(timeline.virtual_size.width > timeline.scrollable_content_region.width)
        assert widths == {True, False}  # some zooms fit the pane, some scroll
        assert layouts[0] == 0


@sync
async def test_moving_to_another_pane_restyles_the_screen_once(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each layout class changed on the screen restyles every widget on it: a pane change
    sets its classes together, and a wide screen starts with the right ones."""
    restyles = count_calls(monkeypatch, DashboardScreen, "update_node_styles")
    wide = make_app(demo_master)
    async with wide.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert wide.screen.has_class("-show-sections")
        assert restyles[0] == 1  # Textual's own, as the screen starts; none of ours
    app = make_app(demo_master)
    async with app.run_test(size=NARROW) as pilot:  # narrow: the panes are tabs
        await settle(pilot)
        for key, pane in (("t", "timeline"), ("o", "owners")):
            restyles[0] = 0
            await pilot.press(key)
            await pilot.pause()
            assert app.screen.active_pane == pane
            assert app.screen.has_class(f"-show-{pane}") and app.screen.narrow
            assert restyles[0] == 1, key


@sync
async def test_keys_greyed_by_a_move_send_no_bindings_signal_unless_the_key_panel_shows(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each receiver of the bindings signal walks all the screen's bindings; a move that
    only turns keys on or off greys them in the footer itself. Textual's key panel (palette:
    "Keys") lists them too, so while it shows, the signal goes out."""
    app = make_app(demo_master)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        signals = count_calls(monkeypatch, screen, "refresh_bindings")
        states = app.data.snapshot.states
        kinds = [bool(app.data.snapshot.threads_for(s.section.id)) for s in states]
        walk = [s.section.id for s in states[:kinds.index(not kinds[0], 1) + 1]]
        for section_id in walk:
            screen.table.select(section_id)
            await pilot.pause()
        reply = next(k for k in screen.query(FooterKey) if k.action == "reply")
        assert reply.has_class("-disabled") is not kinds[len(walk) - 1]
        assert signals[0] == 0
        app.action_show_help_panel()
        await pilot.pause()
        screen.table.select(walk[0])
        await pilot.pause()
        assert signals[0] == 1
        assert reply.has_class("-disabled") is not kinds[0]
