"""Semantic colours for Text built in Python, taken from ``.tcss`` component classes.

Rich Text needs concrete styles; reading them from component classes keeps the colours in the
stylesheets (one rule per theme) instead of in code. The rules are global, so one hidden
widget (on the dashboard, under every other screen) carries the classes for all: Textual
processes a widget's component classes on every restyle of it, and with each of 12 widgets
carrying ~25 that was ~86 ms of start-up and more on every focus move.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from textual.widget import Widget

from proposal_tui.tui.cells import LOOK_NAMES

LOOK_CLASSES: frozenset[str] = frozenset(f"look--{name}" for name in LOOK_NAMES)

if TYPE_CHECKING:
    _Base = Widget
else:
    _Base = object


class LookSource(Widget):
    """Never displayed (app.tcss): compose one first in each screen that has LookMixin
    widgets; a screen above one that has it may do without."""

    COMPONENT_CLASSES: ClassVar[set[str]] = set(LOOK_CLASSES)


class LookMixin(_Base):
    """Put first in the bases. Not a Widget itself: Textual follows only the first DOM base
    for CSS type names and component classes, which must stay the real widget."""

    def look(self) -> dict[str, Style]:
        """Current styles (partial: foreground and text style only, so cursors show through).

        Kept per theme, for the whole app: building Text for a table calls this for every
        row. A widget hosted without any LookSource (a test's bare app) has no colours, as
        it would have no stylesheet.
        """
        app = self.app
        cached: tuple[str, dict[str, Style]] | None = getattr(app, "_look_cache", None)
        if cached is None or cached[0] != app.theme:
            source = next((found for screen in (self.screen, *app.screen_stack)
                           for found in screen.query(LookSource)), None)
            cached = (app.theme, {} if source is None else {
                name: source.get_component_rich_style(f"look--{name}", partial=True)
                for name in LOOK_NAMES})
            app._look_cache = cached  # type: ignore[attr-defined]  # noqa: SLF001
        return cached[1]
