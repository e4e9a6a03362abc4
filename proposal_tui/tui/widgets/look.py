"""Semantic colours for Text built in Python, taken from ``.tcss`` component classes.

Rich Text needs concrete styles; reading them from component classes keeps the colours in the
stylesheets (one rule per theme) instead of in code.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from textual.widget import Widget

from proposal_tui.tui.cells import LOOK_NAMES


class LookMixin(Widget):
    """Adds ``look--<name>`` component classes and a cached name -> Style mapping."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"look--{name}" for name in LOOK_NAMES}

    def look(self) -> dict[str, Style]:
        """Current styles (partial: foreground and text style only, so cursors show through)."""
        return {name: self.get_component_rich_style(f"look--{name}", partial=True)
                for name in LOOK_NAMES}
