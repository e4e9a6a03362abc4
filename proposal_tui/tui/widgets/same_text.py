"""A one-line Static that is given the same text again does nothing.

``Static.update`` asks for a layout of the whole screen. The header, the banner and the
activity line are given their text on every new snapshot (a commit, the measured pages),
almost always unchanged: each such update laid the screen out again and so repainted every
pane, and the panes' scrollbars once more a frame later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    _Base = Static
else:
    _Base = object


class SameText(_Base):
    """Put before Static. Texts are compared as rich compares them (characters and styled
    spans), so our Texts, built the same way each time, compare equal when they look the
    same; a new theme gives new styles, so those are shown."""

    def show_text(self, text: Text) -> None:
        shown = self.content
        if not (isinstance(shown, Text) and shown == text):
            self.update(text)


class TextLine(SameText, Static):
    """A Static shown with :meth:`SameText.show_text`."""
