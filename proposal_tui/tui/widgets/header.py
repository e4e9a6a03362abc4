"""The top line (title, client, deadline countdown, acting user) and the error banner."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from proposal_tui.domain.clock import Clock
from proposal_tui.domain.text import one_line
from proposal_tui.domain.timeline import countdown, next_milestone, time_left
from proposal_tui.services.dashboard_data import DashboardData
from proposal_tui.tui.cells import plain, style
from proposal_tui.tui.widgets.look import LookMixin
from proposal_tui.tui.widgets.same_text import SameText, TextLine

TICK_SECONDS = 1.0


class ProposalHeader(LookMixin, Horizontal):
    """Ticks once a second, but only repaints when the countdown text actually changes."""

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self._data = DashboardData()

    def compose(self) -> ComposeResult:
        yield TextLine(id="header-title")
        yield TextLine(id="header-right")

    def on_mount(self) -> None:
        self.set_interval(TICK_SECONDS, self.tick)

    def show(self, data: DashboardData) -> None:
        self._data = data
        look = self.look()
        title = Text(end="", no_wrap=True, overflow="ellipsis")
        if data.manifest is None:
            title.append("proposal", style=style(look, "strong"))
            title.append(" · loading…" if data.error is None else " · cannot read the proposal",
                         style=style(look, "muted"))
        else:
            info = data.manifest.proposal
            title.append_text(plain(info.title, style(look, "strong")))
            for extra in (info.client, info.solicitation):
                if extra.strip():
                    title.append(" · ", style=style(look, "muted"))
                    title.append_text(plain(extra))
        self.query_one("#header-title", TextLine).show_text(title)
        self.tick()

    def right_text(self, now: dt.datetime) -> Text:
        look = self.look()
        text = Text(end="", no_wrap=True)
        manifest = self._data.manifest
        if manifest is not None:
            info = manifest.proposal
            upcoming = next_milestone(manifest, now)  # the next milestone, then the due
            if upcoming is not None and (self.size.width >= 100 or not self.size.width):
                name = one_line(upcoming.name).split(" (")[0]  # "Red Team (scored…)": Red Team
                text.append_text(plain(name, style(look, "accent"), limit=16))
                text.append(f" in {countdown(upcoming.date, now)} · ", style=style(look,
                                                                                   "accent"))
            if info.due is not None:
                local = info.due.astimezone(info.timezone)
                if self.size.width >= 100 or not self.size.width:
                    text.append(f"due {local:%d %b %H:%M} {one_line(local.tzname() or '')}"
                                " · ")
                else:  # 80x24: the date still shows, shorter
                    text.append(f"due {local:%d %b} · ")
                left = time_left(info.due, now)
                text.append(left, style=style(look, "error" if left.startswith("closed")
                                               else "accent"))
            else:
                text.append("no deadline", style=style(look, "muted"))
            text.append(" · ")
        snap = self._data.snapshot
        wide = self.size.width >= 100 or not self.size.width
        if snap is not None and snap.read_only:
            text.append("read-only repository", style=style(look, "warning"))
            text.append(" · ")
        if snap is not None and (snap.branch is None or wide):
            text.append_text(plain(snap.head_label, style(look, "muted" if snap.branch
                                                          else "warning")))
            text.append(" · ")
        actor = self._data.actor
        if actor.person is None:
            text.append("read-only", style=style(look, "warning"))
            if self._data.snapshot is not None:
                text.append(": you are not in the team list", style=style(look, "muted"))
        else:
            text.append("you: ", style=style(look, "muted"))
            text.append_text(plain(actor.person.handle, style(look, "strong")))
            text.append(f" ({actor.person.role.value})", style=style(look, "muted"))
        return text

    def on_resize(self) -> None:
        self.tick()

    def tick(self) -> None:
        """Recompute the countdown with the injected clock; repaint only on change."""
        self.query_one("#header-right", TextLine).show_text(self.right_text(self.clock.now()))


class Banner(LookMixin, SameText, Static):
    """Repository problems, one line, naming file:line; hidden when all is well."""

    def show(self, data: DashboardData) -> None:
        look = self.look()
        problems = list(data.snapshot.problems) if data.snapshot else []
        comment_errors = list(data.snapshot.comment_errors) if data.snapshot else []
        text = Text(end="", no_wrap=True, overflow="ellipsis")
        if data.error is not None:
            text.append("✖ ", style=style(look, "error"))
            text.append_text(plain(data.error))
            text.append("  — fix the file; the dashboard recovers on its own (ctrl+r to "
                        "retry)" + (", showing the last good state" if data.snapshot else ""),
                        style=style(look, "muted"))
        elif problems or comment_errors:
            first = str(problems[0]) if problems else comment_errors[0]
            count = len(problems) + len(comment_errors)
            text.append("! ", style=style(look, "warning"))
            text.append_text(plain(first))
            if count > 1:
                text.append(f"  (+{count - 1} more: proposal validate)",
                            style=style(look, "muted"))
        self.set_class(bool(text.plain), "-visible")
        self.set_class(data.error is not None, "-fatal")
        self.show_text(text)
