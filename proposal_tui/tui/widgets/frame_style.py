"""Work out a widget's base style and line width once per repaint, not once per line.

``rich_style`` walks every ancestor's styles each time it is read, and a line-API widget
(DataTable among them) reads it for every line it draws: with the table, the timeline and
the section pane all following the cursor, that was ~5 ms of each move through 500 rows.
Neither can change while one repaint runs, so both are kept for the length of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip

if TYPE_CHECKING:
    from textual.widget import Widget

    _Base = Widget
else:
    _Base = object


class FrameStyle(_Base):
    """Put before the Widget base class."""

    _frame: tuple[Style, int] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame = (super().rich_style, self.scrollable_content_region.width)
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    @property
    def rich_style(self) -> Style:
        return self._frame[0] if self._frame is not None else super().rich_style

    @property
    def line_width(self) -> int:
        """Width of a line inside the borders, padding and scrollbars."""
        return self._frame[1] if self._frame is not None else self.scrollable_content_region.width
