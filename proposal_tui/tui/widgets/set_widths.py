"""Skip DataTable's cell measuring for tables whose columns all have set widths.

DataTable measures every new cell, and every rewritten one, to size its auto-width columns;
when a rewritten cell got narrower it measures the whole column again. With 500 sections that
is 4,500 Rich measurements on the UI thread during start-up (~60 ms), none of which can change
a column whose width is set.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.widgets.data_table import CellKey, RowKey

if TYPE_CHECKING:
    from rich.text import Text
    from textual.widgets import DataTable

    _Base = DataTable[Text]
else:
    _Base = object


class SetWidths(_Base):
    """Measure only while some column sizes itself to its content (the two DataTable
    methods overridden are listed in textual_compat)."""

    def _measuring(self) -> bool:
        return any(column.auto_width for column in self.columns.values())

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        if not self._measuring():  # rows of "auto" height still need rendering to find it
            new_rows = [key for key in new_rows
                        if (row := self.rows.get(key)) is not None and row.auto_height]
        # With no rows to measure, DataTable still sets the virtual size from the row count.
        super()._update_dimensions(new_rows)

    def _update_column_widths(self, updated_cells: set[CellKey]) -> None:
        super()._update_column_widths(updated_cells if self._measuring() else set())
