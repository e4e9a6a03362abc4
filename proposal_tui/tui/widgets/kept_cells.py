"""Draw a table cell, or a row, again only when its values or its place changed.

DataTable keys each drawn cell, row and line on a counter that every ``update_cell`` bumps,
so rewriting one cell draws every cell on screen again through rich. When the measured pages
arrived and the words cells of a few sections changed, that was every cell of both dashboard
tables in one frame, most of its 76-120 ms (bench_pages.py; 19-39 ms now).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.style import Style
    from rich.text import Text
    from textual.coordinate import Coordinate
    from textual.events import Resize
    from textual.widgets import DataTable
    from textual.widgets.data_table import ColumnKey, RowKey

    from proposal_tui.tui.textual_compat import SegmentLines

    _Base = DataTable[Text]
else:
    _Base = object


class KeptCells(_Base):
    """Put before DataTable. A cell (or a column header) drawn before is served again while
    the same value object sits at the same place, width and highlight; our tables put a new
    Text object in every cell they rewrite (widgets/keyed.py), so a changed cell is always
    drawn again.

    Rows the same way: a row's lines are kept while the table's shape (rows, columns, order,
    size: whatever bumps DataTable's counter other than ``update_cell``) is unchanged and the
    row holds the same value objects.

    Kept in DataTable's own caches (under keys of another shape), so whatever clears those
    (a theme or style change, clearing the table) clears these too. The private members used
    are listed in textual_compat."""

    _quiet_updates = 0  # DataTable's _update_count bumps that leave the other rows as drawn
    _drawn_width: int | None = None

    def update_cell(self, row_key: RowKey | str, column_key: ColumnKey | str, value: Text,
                    *, update_width: bool = False) -> None:
        super().update_cell(row_key, column_key, value, update_width=update_width)
        if not update_width:  # one row changed, and nothing else
            self._quiet_updates += 1

    def _on_resize(self, _: Resize) -> None:
        """DataTable's own handler (Textual calls both) bumps the counter on every resize;
        the rows' lines depend on the width only (a new scroll range resizes too)."""
        if self.size.width == self._drawn_width:
            self._quiet_updates += 1
        self._drawn_width = self.size.width

    @property
    def shape_count(self) -> int:
        """Changes whenever DataTable's counter does, except for a rewritten cell or a
        resize to the same width."""
        return self._update_count - self._quiet_updates

    def row_values(self, row_key: RowKey) -> tuple[object, ...]:
        """The value objects of a row (none for the header row)."""
        values = self._data.get(row_key)
        return tuple(values.values()) if values is not None else ()

    def _render_line_in_row(self, row_key: RowKey, line_no: int, base_style: Style,
                            cursor_location: Coordinate,
                            hover_location: Coordinate) -> tuple[SegmentLines, SegmentLines]:
        key = ("kept", row_key, line_no, base_style, cursor_location, hover_location,
               self.cursor_type, self.show_cursor, self._show_hover_cursor,
               self._pseudo_class_state, self.shape_count)
        values = self.row_values(row_key)
        kept = self._row_render_cache.get(key)  # type: ignore[arg-type]
        if kept is not None and same(kept[0], values):  # type: ignore[arg-type]
            return kept[1]  # type: ignore[return-value]
        lines = super()._render_line_in_row(row_key, line_no, base_style, cursor_location,
                                            hover_location)
        self._row_render_cache[key] = (values, lines)  # type: ignore[index, assignment]
        return lines

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> SegmentLines:
        column_key = self._column_locations.get_key(column_index)
        row_key = self._row_locations.get_key(row_index) if row_index >= 0 else None
        if column_key is None or (row_key is None and row_index != -1):  # row labels
            return super()._render_cell(row_index, column_index, base_style, width, cursor,
                                        hover)
        if row_key is None:  # the header row
            value, height = self.columns[column_key].label, self.header_height
        else:
            value, height = self.get_cell(row_key, column_key), self.rows[row_key].height
        key = ("kept", row_key, column_key, row_index, column_index, base_style, width, cursor,
               hover, self._show_hover_cursor, self.show_cursor, self._pseudo_class_state,
               height)
        kept = self._cell_render_cache.get(key)  # type: ignore[arg-type]
        if kept is not None and kept[0] is value:  # type: ignore[index]
            return kept[1]  # type: ignore[index, return-value]
        lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        self._cell_render_cache[key] = (value, lines)  # type: ignore[index, assignment]
        return lines


def same(kept: tuple[object, ...], values: tuple[object, ...]) -> bool:
    """The same objects, one for one."""
    return len(kept) == len(values) and all(a is b for a, b in zip(kept, values, strict=True))
