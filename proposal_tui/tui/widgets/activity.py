"""One line of the newest commits, comment events and repository notes (fetches,
checkouts, rewrites), newest first (DashboardData.activity)."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual.widgets import Static

from proposal_tui.services.dashboard_data import DashboardData
from proposal_tui.services.snapshot import Activity
from proposal_tui.tui.cells import Look, plain, short_ago, style
from proposal_tui.tui.widgets.look import LookMixin
from proposal_tui.tui.widgets.same_text import SameText

VERBS = {"commit": "committed", "comment": "commented on", "reply": "replied on",
         "resolve": "resolved a comment on", "reopen": "reopened a comment on"}
MAX_ITEMS = 8


def activity_text(items: tuple[Activity, ...], now: dt.datetime, look: Look,
                  handles: dict[str, str] | None = None) -> Text:
    """'ben committed tech-approach "Tighten fare capping" 14m · helen commented on ...'."""
    text = Text(end="", no_wrap=True, overflow="ellipsis")
    text.append("Activity ", style=style(look, "strong"))
    if not items:
        text.append("nothing yet", style=style(look, "muted"))
    for i, item in enumerate(items[:MAX_ITEMS]):
        if i:
            text.append(" · ", style=style(look, "muted"))
        if item.what == "note":  # the watcher's own words: "origin/main has 3 new commits"
            text.append_text(plain(item.subject, style(look, "accent"), limit=60))
            text.append(f" {short_ago(item.when, now)}", style=style(look, "muted"))
            continue
        text.append_text(plain((handles or {}).get(item.who, item.who), limit=20))
        text.append(f" {VERBS.get(item.what, item.what)}", style=style(look, "muted"))
        if item.sections:
            text.append(" ")
            text.append_text(plain(", ".join(item.sections), style(look, "accent"), limit=30))
        elif item.what == "commit":  # a commit touching no section file: say so, once
            text.append(" (no section)", style=style(look, "muted"))
        if item.subject and item.what in ("commit", "comment", "reply"):
            text.append(" “")
            text.append_text(plain(item.subject, limit=40))
            text.append("”")
        text.append(f" {short_ago(item.when, now)}", style=style(look, "muted"))
    return text


class ActivityLine(LookMixin, SameText, Static):
    """The feed on one line, under the panes; cut at the width, never wrapped."""

    def show(self, data: DashboardData) -> None:
        snap = data.snapshot
        if snap is None:
            self.show_text(Text(end=""))
            return
        handles = {p.name: p.handle for p in snap.manifest.people if p.name}
        self.show_text(activity_text(data.activity, snap.now, self.look(), handles))
