"""The sections table: rows keyed by section id and updated cell by cell, never rebuilt.

A refresh compares each row's new cells with the ones on screen and calls ``update_cell`` only
for those that differ; rows that the filter hides are removed and rows that appear are added,
then the table is re-sorted in place. The cursor stays on the same section throughout. Only a
resize that changes the column layout rebuilds the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.reactive import var
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from proposal_tui.domain.model import SectionState
from proposal_tui.domain.text import one_line
from proposal_tui.services.snapshot import Snapshot
from proposal_tui.tui import cells
from proposal_tui.tui.cells import Look, column_cell
from proposal_tui.tui.filtering import SORTS, Query, matches, ordered, parse_query
from proposal_tui.tui.textual_compat import SegmentLines
from proposal_tui.tui.widgets.frame_style import FrameStyle
from proposal_tui.tui.widgets.kept_cells import KeptCells, same
from proposal_tui.tui.widgets.keyed import apply_rows
from proposal_tui.tui.widgets.look import LookMixin
from proposal_tui.tui.widgets.quiet_scrollbar import QuietScrollbar
from proposal_tui.tui.widgets.rowcache import RowCache
from proposal_tui.tui.widgets.set_widths import SetWidths

NOWHERE = Coordinate(-2, -2)  # below the header row (-1): highlights no cell
TITLE_MIN = 14
ID_MAX, OWNER_MAX = 20, 10


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    label: str
    width: int  # content cells, without the one-cell gap each column starts with


def column_layout(width: int, id_width: int = 14, owner_width: int = 5) -> list[ColumnSpec]:
    """Columns for a table ``width`` cells wide: the title takes what the others leave.

    Narrow tables drop the words bar, then the last-edit column (the section pane still shows
    both), so titles stay readable.
    """
    fixed = [ColumnSpec("id", "id", id_width), ColumnSpec("owner", "owner", owner_width),
             ColumnSpec("status", "status", 13), ColumnSpec("words", "words", 12),
             ColumnSpec("due", "due", 10), ColumnSpec("last", "last edit", 11),
             ColumnSpec("comments", "💬", 2)]

    def room(cols: list[ColumnSpec]) -> int:
        return width - sum(c.width + 1 for c in cols) - 2  # title gap + scrollbar

    if room(fixed) < TITLE_MIN:
        fixed = [c if c.key != "words" else ColumnSpec("words", "words", 8) for c in fixed]
    if room(fixed) < TITLE_MIN:
        fixed = [c for c in fixed if c.key != "last"]
    title = ColumnSpec("title", "title", max(TITLE_MIN, room(fixed)))
    return [fixed[0], title, *fixed[1:]]


class SectionsTable(LookMixin, FrameStyle, QuietScrollbar, KeptCells, SetWidths,
                    DataTable[Text]):
    """Sortable, filterable. ``selected_id`` is the section under the cursor: the screen
    watches it, and the panes follow in the repaint after the cursor's. DataTable's
    RowHighlighted is not sent: nothing reads it, and it travelled up through every
    container (a dispatch each).
    A refresh, a filter or a sort sets ``selected_id`` quietly: whoever asked for those
    shows the result itself.

    The DataTable internals used here (``_render_line``, ``_row_locations``, ...) are listed
    in textual_compat, with the Textual version they were checked against."""

    selected_id: var[str | None] = var(None, init=False)

    def post_message(self, message: Message) -> bool:
        if isinstance(message, DataTable.RowHighlighted):
            return False
        return super().post_message(message)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "open", id="open-section"),
        Binding("j", "cursor_down", "down", show=False, id="cursor-down"),
        Binding("k", "cursor_up", "up", show=False, id="cursor-up"),
    ]

    class Sorted(Message):
        """The user sorted by clicking a column header."""

    class Opened(Message):
        def __init__(self, section_id: str) -> None:
            super().__init__()
            self.section_id = section_id

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", cell_padding=0,
                         zebra_stripes=False)
        self.snapshot: Snapshot | None = None
        self.query_text = ""
        self.query: Query = parse_query("")
        self.owner: str | None = None
        self.sort_by = "order"
        self.sort_reverse = False
        self._syncing = False
        self.visible_count = 0
        self._layout: list[ColumnSpec] = []
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._built: RowCache[tuple[Text, ...]] = RowCache()  # rows of unchanged sections
        self.updates = 0  # cells rewritten by refreshes, for tests of update-in-place
        self.rebuilds = 0

    # -- inputs -------------------------------------------------------------------------------
    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.sync()

    def set_query(self, text: str) -> None:
        self.query_text = text
        self.query = parse_query(text)
        self.sync()

    def set_owner(self, owner: str | None) -> None:
        self.owner = owner
        self.sync()

    def set_sort(self, name: str, reverse: bool = False) -> None:
        self.sort_by = name if name in SORTS else "order"
        self.sort_reverse = reverse
        self.sync()

    def restyle(self) -> None:
        """Theme changed: cell styles are baked into Text, so rewrite them all."""
        self.sync(force=True)

    # -- diffing ------------------------------------------------------------------------------
    def visible_states(self) -> list[SectionState]:
        if self.snapshot is None:
            return []
        rows = [s for s in self.snapshot.states if matches(s, self.query, self.owner)]
        return ordered(rows, self.sort_by, self.sort_reverse)

    def row_cells(self, state: SectionState, look: Look) -> tuple[Text, ...]:
        assert self.snapshot is not None
        snap = self.snapshot
        zone = snap.manifest.proposal.timezone
        make = {
            "id": lambda: cells.plain(state.section.id, cells.style(look, "strong")),
            "title": lambda: cells.title_cell(state, look),
            "owner": lambda: cells.owner_cell(state.section.owner, look),
            "status": lambda: cells.status_cell(state.status, look),
            "words": lambda: cells.words_cell(state, look, 3 if self._width("words") >= 12
                                              else 0, self._width("words")),
            "due": lambda: cells.due_cell(state, snap.now, zone, look),
            "last": lambda: cells.last_edit_cell(state, snap.manifest, snap.now, look),
            "comments": lambda: cells.comments_cell(state.open_comments, look),
        }
        return tuple(column_cell(make[c.key](), c.width) for c in self._layout)

    def _width(self, key: str) -> int:
        return next((c.width for c in self._layout if c.key == key), 0)

    def _wanted_layout(self) -> list[ColumnSpec]:
        width = self.size.width or (self.app.size.width if self.is_attached else 120)
        states = self.snapshot.states if self.snapshot else ()
        ids = [cell_len(one_line(s.section.id)) for s in states]
        owners = [cell_len(one_line(s.section.owner or "")) for s in states]
        return column_layout(width, min(ID_MAX, max(ids, default=10)),
                             min(OWNER_MAX, max([5, *owners])))

    def _ensure_layout(self) -> None:
        """(Re)create the columns when the width calls for another layout. Only inside a
        sync: clearing the table moves the cursor off every row meanwhile, and the screen
        must not hear of that."""
        layout = self._wanted_layout()
        if layout == self._layout:
            return
        self._layout = layout
        self.clear(columns=True)
        self._cells.clear()
        for spec in layout:
            self.add_column(Text(" " + spec.label, end=""), width=spec.width + 1, key=spec.key)
        self.rebuilds += 1

    def sync(self, force: bool = False) -> None:
        """Bring the rows on screen in line with snapshot + filter + sort, touching only
        what changed. Quiet throughout: each added row also sets the cursor again."""
        self._syncing = True
        try:
            self._sync(force)
        finally:
            self._syncing = False

    def _sync(self, force: bool) -> None:
        self._ensure_layout()  # rebuilt: every row is added again, the row cache starts over
        look = self.look()
        if force:
            self._built.clear()
        if self.snapshot is not None:  # "5m ago" and "in 2d" change at most once a minute
            self._built.start(self.snapshot.manifest, tuple(self._layout), self.app.theme,
                              self.snapshot.now.replace(second=0, microsecond=0))
        rows = {s.section.id: self._built.get(s.section.id, s,
                                              lambda s=s: self.row_cells(s, look))
                for s in self.visible_states()}
        self.updates += apply_rows(self, self._cells, rows, [c.key for c in self._layout],
                                   force)
        order = list(rows)
        self.visible_count = len(order)
        self._restore_cursor(order)

    def _restore_cursor(self, order: list[str]) -> None:
        if not order:
            self._set_selected(None)
            return
        if self.selected_id in order:
            index = order.index(self.selected_id)
            if self.cursor_row != index:
                self.move_cursor(row=index, animate=False)
        else:
            index = min(max(self.cursor_row, 0), len(order) - 1)
            self.move_cursor(row=index, animate=False)
            self._set_selected(order[index])

    def cursor_section(self) -> str | None:
        """The section under the cursor, read synchronously: a key pressed right after a
        move must act on the row the user sees, not on a selection message still queued."""
        if not self.row_count or self.cursor_row < 0:
            return None
        # Not ordered_rows: DataTable rebuilds that list after every added row.
        key = self._row_locations.get_key(min(self.cursor_row, self.row_count - 1))
        return key.value if key is not None else None

    def select(self, section_id: str) -> None:
        """Move the cursor to a section (from the timeline, the palette or a test)."""
        if section_id in self._cells:
            self.move_cursor(row=self.get_row_index(section_id), animate=False)
            self._set_selected(section_id)

    def _set_selected(self, section_id: str | None) -> None:
        if self._syncing:
            self.set_reactive(SectionsTable.selected_id, section_id)
        else:
            self.selected_id = section_id

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if not self._syncing:
            self._set_selected(self.cursor_section())

    def _render_line_in_row(self, row_key: RowKey, line_no: int, base_style: Style,
                            cursor_location: Coordinate,
                            hover_location: Coordinate) -> tuple[SegmentLines, SegmentLines]:
        """A row without the cursor (or the mouse) on it looks the same wherever those are;
        saying so lets DataTable's row cache serve it, instead of rendering every visible row
        again each time the cursor moves and the table scrolls."""
        row = self._row_locations.get(row_key)
        if cursor_location.row != row:
            cursor_location = NOWHERE
        if hover_location.row != row:
            hover_location = NOWHERE
        return super()._render_line_in_row(row_key, line_no, base_style, cursor_location,
                                           hover_location)

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """The same for whole lines: DataTable keys each line on the cursor's position, so a
        one-row scroll drew all 19 lines again. Kept in DataTable's own line cache (under a
        key of another shape), so whatever clears that cache clears these too."""
        try:
            row_key, _line = self._get_offsets(y)
        except LookupError:
            return super()._render_line(y, x1, x2, base_style)
        row = self._row_locations.get(row_key)
        cursor, hover = self.cursor_coordinate, self.hover_coordinate
        key = ("row", y, x1, x2, self.size.width,
               cursor if cursor.row == row else NOWHERE, hover if hover.row == row else NOWHERE,
               base_style, self.cursor_type, self._show_hover_cursor, self.shape_count,
               self._pseudo_class_state)
        values = self.row_values(row_key)  # a rewritten cell redraws its own row only
        kept = self._line_cache.get(key)  # type: ignore[arg-type]
        if kept is not None and same(kept[0], values):  # type: ignore[arg-type]
            return kept[1]  # type: ignore[return-value]
        strip = super()._render_line(y, x1, x2, base_style)
        self._line_cache[key] = (values, strip)  # type: ignore[index, assignment]
        return strip

    def prepare_rows(self) -> None:
        """Render ahead what the next move up or down needs: the row under the cursor as it
        looks without it, the rows on either side as they look with it (into DataTable's
        row cache, under the keys the move's repaint will ask for)."""
        row, column = self.cursor_coordinate
        if not self.row_count or row < 0:
            return
        base = self.rich_style
        self._pseudo_class_state = self.get_pseudo_class_state()  # as render_lines sets it
        for index, cursor in ((row, NOWHERE), (row + 1, Coordinate(row + 1, column)),
                              (row - 1, Coordinate(row - 1, column))):
            if 0 <= index < self.row_count:
                key = self._row_locations.get_key(index)
                for line in range(self.get_row_height(key)):
                    self._render_line_in_row(key, line, base, cursor, self.hover_coordinate)

    def _set_hover_cursor(self, active: bool) -> None:
        """Repaint the hover row only when hovering starts or stops: DataTable repaints it on
        every key press, which widened each cursor move's repaint to the rows in between."""
        if active != self._show_hover_cursor:
            super()._set_hover_cursor(active)

    # -- events -------------------------------------------------------------------------------
    def on_resize(self) -> None:
        if self.snapshot is not None and self._wanted_layout() != self._layout:
            self.sync()

    @on(DataTable.RowSelected)
    def _opened(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Opened(event.row_key.value))

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        """Click a header to sort by it; click again to reverse."""
        event.stop()
        key = str(event.column_key.value)
        if key in SORTS:
            self.set_sort(key, not self.sort_reverse if key == self.sort_by else False)
            self.post_message(self.Sorted())
