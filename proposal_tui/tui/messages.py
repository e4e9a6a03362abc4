"""Messages that cross from worker threads (and the file watcher) to the UI thread.

Workers never touch widgets: they post one of these, and handlers on the UI thread own all
state. ``post_message`` is thread-safe.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message

from proposal_tui.services.dashboard_data import DashboardData


class RefreshRequested(Message):
    """Something may have changed on disk; bursts collapse into one waiting message."""

    def __init__(self, reason: str = "") -> None:
        super().__init__()
        self.reason = reason

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RefreshRequested)


class DataLoaded(Message):
    """A refresh finished: the new view of the proposal."""

    def __init__(self, data: DashboardData) -> None:
        super().__init__()
        self.data = data


class PagesMeasured(Message):
    """The measuring worker finished: page-limited sections can show typeset pages."""


class LoadFailed(Message):
    """A refresh failed; ``error`` is one cleaned line naming file:line."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


EditReply = Callable[[bool, str], None]


class EditFinished(Message):
    """An edit (plan change or comment event) ran: ``ok`` with what happened, or why not."""

    def __init__(self, ok: bool, text: str, reply: EditReply | None = None) -> None:
        super().__init__()
        self.ok = ok
        self.text = text
        self.reply = reply  # who asked (a dialog that stays open until it worked)


class Notice(Message):
    """A one-line notification from another thread (the watcher switching to polling, ...)."""

    def __init__(self, text: str, severity: str = "information") -> None:
        super().__init__()
        self.text = text
        self.severity = severity


class LiveNotes(Message):
    """The watcher's notes on a change that is not a commit ("checked out pink-fixes")."""

    def __init__(self, notes: tuple[str, ...]) -> None:
        super().__init__()
        self.notes = notes


class LiveMode(Message):
    """The watcher started, fell back to polling, or watches again; ``reason`` says why it
    polls (empty when it watches)."""

    def __init__(self, mode: str, reason: str) -> None:
        super().__init__()
        self.mode = mode
        self.reason = reason
