"""Draw a table cell again only when its value or its place changed.

DataTable keys each drawn cell on a counter that every ``update_cell`` bumps, so rewriting one
cell draws every cell on screen again through rich. When the measured pages arrived and the
words cells of a few sections changed, that was every cell of both dashboard tables in one
frame: 270-620 ms on the UI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.style import Style
    from rich.text import Text
    from textual.widgets import DataTable

    from proposal_tui.tui.textual_compat import SegmentLines

    _Base = DataTable[Text]
else:
    _Base = object


class KeptCells(_Base):
    """Put before DataTable. A cell (or a column header) drawn before is served again while
    the same value object sits at the same place, width and highlight; our tables put a new
    Text object in every cell they rewrite (widgets/keyed.py), so a changed cell is always
    drawn again.

    Kept in DataTable's own cell cache (under a key of another shape), so whatever clears
    that cache (a theme or style change, clearing the table) clears these too. The private
    members used are listed in textual_compat."""

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
