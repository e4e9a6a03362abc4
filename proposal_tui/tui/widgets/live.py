"""The live-updates indicator at the right of the status line: "● live" or why we poll.

A toast is gone after a few seconds; someone who glances at the screen later must still see
that changes only arrive every few seconds (and why), so this stays on screen.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from proposal_tui.tui.cells import Look, plain, style
from proposal_tui.tui.widgets.look import LookMixin


def live_text(mode: str, reason: str, look: Look) -> Text:
    """'● live', or '⟳ polling every 2 s: inotify watch limit reached'; empty when off."""
    text = Text(end="", no_wrap=True, overflow="ellipsis")
    if mode == "watching":
        text.append("● ", style=style(look, "success"))
        text.append("live", style=style(look, "muted"))
    elif mode == "polling":
        why, _, every = reason.rpartition("; ")  # the watcher says "<why>; polling every 2 s"
        text.append("⟳ ", style=style(look, "warning"))
        text.append(every if why else "polling", style=style(look, "warning"))
        if why or reason:
            text.append(": ", style=style(look, "muted"))
            text.append_text(plain(why or reason, style(look, "muted"), limit=60))
    return text


class LiveStatus(LookMixin, Static):
    """Follows the app's ``live_status`` (mode, reason); hidden when live updates are off."""

    def on_mount(self) -> None:
        self.watch(self.app, "live_status", self._show_status, init=True)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.restyle())

    def _show_status(self, status: tuple[str, str]) -> None:
        text = live_text(*status, self.look())
        self.display = bool(text.plain)
        self.update(text)

    def restyle(self) -> None:
        self._show_status(getattr(self.app, "live_status", ("", "")))
