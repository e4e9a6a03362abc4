"""Repaint a vertical scrollbar only when its thumb moves on screen.

Textual repaints the whole scrollbar (every line of it) whenever the scroll offset changes.
Moving through 500 rows scrolls the table one row at a time, and the thumb, 1/8 of a cell
per step at best, only moves every few rows: the other repaints drew the same picture.
"""

from __future__ import annotations

from math import ceil
from typing import TYPE_CHECKING

from textual.scrollbar import ScrollBar, ScrollBarRender

if TYPE_CHECKING:
    from textual.widget import Widget

    _Base = Widget
else:
    _Base = object


def thumb(size: int, virtual: int, window: int, position: float) -> tuple[int, int]:
    """Where the thumb is drawn, in eighths of a cell (ScrollBarRender's arithmetic)."""
    if not (window and size and virtual and size != virtual):
        return (0, 0)
    eighths = len(ScrollBarRender.VERTICAL_BARS)
    thumb_size = max(1, window / (virtual / size))
    start = int((size - thumb_size) * (position / (virtual - window)) * eighths)
    return start, start + ceil(thumb_size * eighths)


def bar_thumb(bar: ScrollBar, position: float) -> tuple[int, int]:
    window = bar.window_size if bar.window_size < bar.window_virtual_size else 0
    return thumb(bar.size.height, ceil(bar.window_virtual_size), ceil(window), position)


class QuietScrollbar(_Base):
    """Put before the ScrollView base class."""

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        bar = self.vertical_scrollbar
        if self.show_vertical_scrollbar and \
                bar_thumb(bar, bar.position) == bar_thumb(bar, new_value):
            bar.set_reactive(ScrollBar.position, new_value)  # kept exact, no repaint
            if round(old_value) != round(new_value):
                self.refresh(self.size.region)
            return
        super().watch_scroll_y(old_value, new_value)  # type: ignore[misc]
