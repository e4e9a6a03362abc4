"""Change a pane's border title by repainting its top line only.

Textual's ``border_title`` setter repaints the whole widget; for the section pane, whose title
follows the cursor, that meant re-rendering every line of the pane on each move.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget


def retitle(widget: Widget, title: Text) -> None:
    """Same result as ``widget.border_title = title`` (the text is never read as markup)."""
    new = widget.render_str(Content.from_rich_text(title)).expand_tabs(4).split()[0]
    old = widget._border_title  # noqa: SLF001 - where the setter keeps it (textual_compat)
    if old is not None and old == new:
        return
    widget._border_title = new  # noqa: SLF001
    offset = widget.content_offset  # refresh() takes regions relative to the content
    widget.refresh(Region(-offset.x, -offset.y, widget.outer_size.width, 1))
