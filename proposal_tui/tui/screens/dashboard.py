"""The main screen: sections, selected section, timeline and owners at once.

Below about 110x32 the four panes become tabs (the pane holding focus is the one shown), so
80x24 keeps everything reachable. The screen owns the selection: the table, the timeline and
the preview all follow one ``selected`` section id.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Input, Tab, Tabs

from proposal_tui.domain.comments import Thread
from proposal_tui.services.dashboard_data import DashboardData
from proposal_tui.tui.cells import plain
from proposal_tui.tui.dirty_lines import DirtyLinesCompositor
from proposal_tui.tui.filtering import SORT_CYCLE, SORTS, unknown_note, why_nothing
from proposal_tui.tui.screens.actions import COMMON_BINDINGS, SECTION_BINDINGS, SectionActions
from proposal_tui.tui.screens.library import LIBRARY_BINDINGS, LibraryActions
from proposal_tui.tui.screens.views import VIEW_BINDINGS, ViewActions
from proposal_tui.tui.widgets.activity import ActivityLine
from proposal_tui.tui.widgets.border_title import retitle
from proposal_tui.tui.widgets.footer import KeyFooter
from proposal_tui.tui.widgets.header import Banner, ProposalHeader
from proposal_tui.tui.widgets.live import LiveStatus
from proposal_tui.tui.widgets.look import LookSource
from proposal_tui.tui.widgets.owners import OwnersTable
from proposal_tui.tui.widgets.section_preview import SectionPreview
from proposal_tui.tui.widgets.sections_table import SectionsTable
from proposal_tui.tui.widgets.timeline import Timeline

NARROW_WIDTH, NARROW_HEIGHT = 110, 32
PANES = {"sections": "#sections-pane", "section": "#section-pane",
         "timeline": "#timeline-pane", "owners": "#owners-pane"}
FOCUS = {"sections": "#sections", "section": "#threads", "timeline": "#timeline-pane",
         "owners": "#owners-pane"}


class FilterInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "clear filter", id="filter-clear"),
    ]

    def action_clear(self) -> None:
        self.value = ""
        self.remove_class("-open")
        self.screen.query_one(SectionsTable).focus()


class DashboardScreen(LibraryActions, ViewActions, SectionActions):
    # Textual's default ("*") focused the pane tabs first: the footer then composed its
    # keys for them, and again for the table once on_mount focused it (~50 ms a rebuild).
    AUTO_FOCUS = "#sections"
    BINDINGS: ClassVar[list[BindingType]] = [
        *COMMON_BINDINGS,
        Binding("q", "quit", "quit", id="quit"),
        *SECTION_BINDINGS,
        *VIEW_BINDINGS,
        *LIBRARY_BINDINGS,
        Binding("slash", "filter", "filter", id="filter"),
        Binding("o", "owners", "owners", id="owners"),
        Binding("t", "timeline", "timeline", id="timeline"),
        Binding("z", "zoom_timeline", "zoom timeline", show=False, id="zoom-timeline"),
        Binding("S", "sort", "sort", id="sort", show=False),
        Binding("escape", "clear_filter", "clear filter", show=False, id="clear-filter"),
        Binding("tab", "next_pane", "next pane", show=False, id="next-pane"),
        Binding("shift+tab", "previous_pane", "previous pane", show=False,
                id="previous-pane"),
    ]

    def __init__(self) -> None:
        # Styled with its first pane's class from the start: setting it later restyles the
        # whole screen during start-up.
        super().__init__(id="dashboard", classes="-show-sections")
        self._compositor = DirtyLinesCompositor()
        self.selected: str | None = None
        self.active_pane = "sections"
        self._follow_queued = False

    def compose(self) -> ComposeResult:
        yield LookSource()  # the colours of every screen's Text (the others sit above this)
        yield ProposalHeader(self.papp.clock, id="header")
        yield Banner(id="banner")
        yield Tabs(*[Tab(name.capitalize(), id=f"tab-{name}") for name in PANES],
                   id="pane-tabs")
        with Vertical(id="body"):
            with Vertical(id="sections-pane", classes="pane"):
                yield FilterInput(placeholder="filter: words, @owner, is:overdue, "
                                  "status:drafting … (enter keeps, esc clears)", id="filter")
                yield SectionsTable(id="sections")
            with Horizontal(id="lower"):
                with Vertical(id="left"):
                    yield Timeline(id="timeline-pane", classes="pane")
                    yield OwnersTable(id="owners-pane", classes="pane")
                yield SectionPreview(id="section-pane", classes="pane")
        with Horizontal(id="status-line"):
            yield ActivityLine(id="activity")
            yield LiveStatus(id="live-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#sections-pane").border_title = "Sections"
        self.query_one("#timeline-pane").border_title = "Timeline"
        self.query_one("#owners-pane").border_title = "Owners"
        self.watch(self.table, "selected_id", self._follow_cursor, init=False)
        self.show(self.data)

    # -- data ---------------------------------------------------------------------------------
    @property
    def table(self) -> SectionsTable:
        return self.query_one(SectionsTable)

    @property
    def preview(self) -> SectionPreview:
        return self.query_one(SectionPreview)

    def show(self, data: DashboardData, force: bool = False) -> None:
        """New data: every pane updates itself in place."""
        self.query_one(ProposalHeader).show(data)
        self.query_one(Banner).show(data)
        self.query_one(ActivityLine).show(data)
        if data.snapshot is None:
            self.preview.show(data, None)
            return
        table = self.table
        table.show(data.snapshot)
        self.query_one(OwnersTable).show(data.snapshot)
        self.query_one(Timeline).show(data.snapshot, [row.key.value or "" for row in
                                                      table.ordered_rows])
        self.load_rounds(data)  # round markers and review coverage, in a worker
        self._titles()
        self._follow(table.selected_id, force=force)
        self.sync_bindings()

    def restyle(self) -> None:
        """Theme changed: the Text we built carries the old colours."""
        self.table.restyle()
        self.query_one(OwnersTable).restyle()
        self.query_one(Timeline).restyle()
        self.show(self.data, force=True)

    def _follow(self, section_id: str | None, force: bool = False) -> None:
        self.selected = section_id
        self.preview.show(self.data, section_id, force=force)
        self.query_one(Timeline).set_selected(section_id)
        self.sync_bindings()
        self.load_topic_writers(section_id)
        self.call_after_refresh(self._prepare_next)

    def _prepare_next(self) -> None:
        """Once the move is on screen, render what a move up or down would need: the table
        rows, section facts, texts and first threads beside the cursor (cheap if already
        done); then, if due, the young garbage collection, so the next repaint runs none."""
        table = self.table
        table.prepare_rows()
        for row in (table.cursor_row + 1, table.cursor_row - 1):
            if 0 <= row < table.row_count:
                self.preview.prepare(self.data, table.ordered_rows[row].key.value or "")
        self.papp.collect_young()

    def _titles(self) -> None:
        table = self.table
        total = len(self.data.snapshot.states) if self.data.snapshot else 0
        title = Text(f"Sections {table.visible_count}" +
                     (f" of {total}" if table.visible_count != total else ""))
        if table.owner is not None:
            title.append(" · owner ")
            title.append_text(plain(table.owner or "unassigned", limit=20))
        if table.query_text.strip():
            title.append(" · filter ")
            title.append_text(plain(table.query_text, limit=40))
        notes = [unknown_note(table.query)]
        if not table.visible_count and total:
            notes.append(why_nothing(list(self.data.snapshot.states), table.query,
                                     table.owner) if self.data.snapshot else "")
        for note in filter(None, notes):
            title.append(" · ")
            title.append_text(plain(note, limit=120))
        pane = self.query_one("#sections-pane")
        retitle(pane, title)  # setting border_title repainted the whole pane, table and all
        arrow = "↓" if table.sort_reverse else "↑"
        sort = f"sorted by {SORTS[table.sort_by][0]} {arrow} · S cycles"  # plain: its markup
        if pane.border_subtitle != sort:
            pane.border_subtitle = sort

    # -- SectionActions -----------------------------------------------------------------------
    def current_section_id(self) -> str | None:
        return self.table.cursor_section()

    def current_thread(self) -> Thread | None:
        """The highlighted thread, if it belongs to the section under the cursor."""
        thread = self.preview.thread_list.selected_thread
        return thread if thread is not None and \
            thread.section == self.current_section_id() else None

    # -- messages from panes ------------------------------------------------------------------
    def _follow_cursor(self, _section_id: str | None) -> None:
        """The table's ``selected_id`` watcher. The cursor's own frame goes out first; the
        panes that follow it (preview, threads, the timeline's mark, the footer's keys) are
        drawn in the next one, for wherever the cursor is by then: the move shows at once,
        and a held arrow key redraws the panes once a frame, not once a row. The next frame
        comes a tick of the screen's timer later (see tui/__init__.py)."""
        if not self._follow_queued:
            self._follow_queued = True
            self.call_after_refresh(self._follow_now)

    def _follow_now(self) -> None:
        self._follow_queued = False
        self._follow(self.table.selected_id)

    @on(SectionsTable.Sorted)
    def _sorted(self) -> None:
        self._after_filter()

    @on(SectionsTable.Opened)
    def _opened(self, event: SectionsTable.Opened) -> None:
        self.papp.open_section(event.section_id)

    @on(Timeline.Picked)
    def _picked(self, event: Timeline.Picked) -> None:
        self.table.select(event.section_id)

    @on(OwnersTable.Chosen)
    def _owner(self, event: OwnersTable.Chosen) -> None:
        self.set_owner(event.owner)
        self._activate("sections")

    @on(SectionPreview.ThreadChanged)
    def _thread_changed(self, event: SectionPreview.ThreadChanged) -> None:
        event.stop()
        self.sync_bindings()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.set_query(event.value)
        self._after_filter()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.input.set_class(bool(event.value.strip()), "-open")
        self.table.focus()

    def set_owner(self, owner: str | None) -> None:
        self.table.set_owner(owner)
        self.query_one(OwnersTable).set_active(owner)
        self._after_filter()

    def set_query(self, text: str) -> None:
        """Filter from the palette: apply now (Input.Changed would come a moment later)."""
        filt = self.query_one("#filter", Input)
        with filt.prevent(Input.Changed):
            filt.value = text
        filt.set_class(bool(text.strip()), "-open")
        self.table.set_query(text)
        self._after_filter()

    def _after_filter(self) -> None:
        self._titles()
        if self.data.snapshot is not None:
            self.query_one(Timeline).show(self.data.snapshot, [
                row.key.value or "" for row in self.table.ordered_rows])
        self._follow(self.table.selected_id)

    # -- layout -------------------------------------------------------------------------------
    def on_resize(self, event: Resize) -> None:
        narrow = event.size.width < NARROW_WIDTH or event.size.height < NARROW_HEIGHT
        self._show_pane(self.active_pane, narrow=narrow)

    @property
    def narrow(self) -> bool:
        return self.has_class("-narrow")

    def _show_pane(self, name: str, narrow: bool | None = None) -> None:
        """Set the layout classes, restyling the screen once if any changed (each class
        change restyles every widget on it: ~50 ms a time at start-up and on focus moves)."""
        self.active_pane = name
        wanted = {f"-show-{pane}": pane == name for pane in PANES}
        if narrow is not None:
            wanted["-narrow"] = narrow
        changed = {cls: add for cls, add in wanted.items() if self.has_class(cls) != add}
        for cls, add in changed.items():
            self.set_class(add, cls, update=False)
        if changed:
            self.update_node_styles()
        tabs = self.query_one("#pane-tabs", Tabs)
        if tabs.active != f"tab-{name}":
            tabs.active = f"tab-{name}"

    def _activate(self, name: str) -> None:
        """Show a pane (in tabs mode) and focus it."""
        self._show_pane(name)
        target = self.query_one(FOCUS[name])
        if name == "section" and not self.preview.thread_list.threads:
            target = self.query_one("#preview-body")
        target.focus()

    def pane_of(self, widget: Widget | None) -> str | None:
        while widget is not None:
            for name, selector in PANES.items():
                if widget.id == selector[1:]:
                    return name
            widget = widget.parent  # type: ignore[assignment]
        return None

    def on_descendant_focus(self) -> None:
        pane = self.pane_of(self.focused)
        if pane is not None and pane != self.active_pane:
            self._show_pane(pane)

    @on(Tabs.TabActivated, "#pane-tabs")
    def _tab(self, event: Tabs.TabActivated) -> None:
        name = (event.tab.id or "").removeprefix("tab-")
        if name in PANES and name != self.active_pane:
            self._activate(name)

    # -- actions ------------------------------------------------------------------------------
    def action_filter(self) -> None:
        self._show_pane("sections")
        filt = self.query_one("#filter", Input)
        filt.add_class("-open")
        filt.focus()

    def action_clear_filter(self) -> None:
        """esc on the dashboard: the filter and the owner choice go, the table shows all."""
        if self.table.query_text or self.table.owner is not None:
            self.set_owner(None)
            self.set_query("")

    def action_owners(self) -> None:
        self._activate("owners")

    def action_timeline(self) -> None:
        self._activate("timeline")

    def action_zoom_timeline(self) -> None:
        """z anywhere on the dashboard (the timeline's own z when it has focus)."""
        self.query_one(Timeline).action_zoom()

    def action_sort(self) -> None:
        table = self.table
        current = table.sort_by if table.sort_by in SORT_CYCLE else "order"
        self.sort_by(SORT_CYCLE[(SORT_CYCLE.index(current) + 1) % len(SORT_CYCLE)])

    def sort_by(self, name: str, reverse: bool = False) -> None:
        self.table.set_sort(name, reverse)
        self._after_filter()

    def action_next_pane(self) -> None:
        self._cycle(1)

    def action_previous_pane(self) -> None:
        self._cycle(-1)

    def _cycle(self, step: int) -> None:
        names = list(PANES)
        current = self.pane_of(self.focused) or self.active_pane
        self._activate(names[(names.index(current) + step) % len(names)])

    def action_quit(self) -> None:
        self.app.exit()
