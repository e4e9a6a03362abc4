"""A scrollable box of pre-rendered lines whose content changes without a screen layout.

Textual lays out the whole screen again whenever a Static or an OptionList changes content,
and every scrolling widget then repaints its scrollbars. With the section pane following the
cursor, that made each move through 500 sections cost over 100 ms. A StripView's size comes
from CSS alone (give it a fixed or fractional height and keep ``overflow-y: scroll``), so new
content only renders lines at the current width and repaints this box.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import RenderableType
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from proposal_tui.tui.widgets.frame_style import FrameStyle


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Give ``view`` a new scroll range without laying out the screen (``virtual_size`` is a
    layout reactive), unless a scrollbar shows or hides. Only for a view whose own size does
    not depend on its content (not ``auto``) and once it has been laid out."""
    if size == view.virtual_size:
        return
    if not view.container_size or view.styles.is_auto_width or view.styles.is_auto_height:
        view.virtual_size = size
        return
    view.set_reactive(Widget.virtual_size, size)
    # As ScrollView._size_updated does (these internals are listed in textual_compat):
    view._scrollbar_changes.clear()  # noqa: SLF001
    view._scroll_update(size)  # noqa: SLF001 - scrollbars; they lay out if one shows or hides


class StripView(FrameStyle, ScrollView):
    DEFAULT_CSS = """
    StripView {
        overflow-x: hidden;
        overflow-y: scroll;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._lines: list[Strip] = []

    def render_renderable(self, renderable: RenderableType) -> list[Strip]:
        """Lines of ``renderable`` at the box's width (none before the box has a size)."""
        width = self.line_width
        if width <= 0:
            return []
        console = self.app.console
        lines = console.render_lines(renderable, console.options.update_width(width),
                                     pad=False, new_lines=False)
        return [Strip(line) for line in lines]

    def kept_lines(self, kept: LRUCache[tuple[object, ...], list[Strip]],
                   key: tuple[object, ...], renderable: Callable[[], RenderableType],
                   ) -> list[Strip]:
        """Lines of ``renderable()`` from ``kept`` when rendered before under ``key`` at
        this width and theme (the box's own part of the key), else rendered and kept."""
        key = (*key, self.line_width, self.app.theme)
        lines = kept.get(key)
        if lines is None:
            lines = self.render_renderable(renderable())
            kept.set(key, lines)
        return lines

    def set_lines(self, lines: list[Strip], height: int | None = None) -> None:
        """Show these lines, in a scroll range of ``height`` lines (more than there are when
        the rest is rendered later): a repaint of this box, never a layout."""
        self._lines = lines
        set_virtual_size(self, Size(self.line_width, len(lines) if height is None else height))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.line_width
        index = y + round(self.scroll_offset.y)
        base: Style = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, base)
        return self._lines[index].crop_extend(0, width, None).apply_style(base)
