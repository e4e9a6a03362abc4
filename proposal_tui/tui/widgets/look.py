"""Semantic colours for Text built in Python, taken from ``.tcss`` component classes.

Rich Text needs concrete styles; reading them from component classes keeps the colours in the
stylesheets (one rule per theme) instead of in code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style

from proposal_tui.tui.cells import LOOK_NAMES

LOOK_CLASSES: frozenset[str] = frozenset(f"look--{name}" for name in LOOK_NAMES)

if TYPE_CHECKING:
    from textual.widget import Widget

    _Base = Widget
else:
    _Base = object


class LookMixin(_Base):
    """Put first in the bases, and add ``COMPONENT_CLASSES = set(LOOK_CLASSES)`` to the class.

    Not a Widget itself: Textual follows only the first DOM base for CSS type names and
    component classes, which must stay the real widget (DataTable, OptionList, ...).
    """

    def look(self) -> dict[str, Style]:
        """Current styles (partial: foreground and text style only, so cursors show through).

        Cached per theme: building Text for a table calls this for every row.
        """
        theme = self.app.theme
        cached: tuple[str, dict[str, Style]] | None = getattr(self, "_look_cache", None)
        if cached is None or cached[0] != theme:
            cached = (theme, {name: self.get_component_rich_style(f"look--{name}", partial=True)
                              for name in LOOK_NAMES})
            self._look_cache = cached
        return cached[1]
