"""Every key, what each status symbol and colour means, and what your role may do."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Static

from proposal_tui.domain.model import Status
from proposal_tui.domain.status import signal_meanings
from proposal_tui.services.dashboard_data import Actor
from proposal_tui.tui.cells import plain
from proposal_tui.tui.widgets.footer import KeyFooter

KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    ("Move", [("↑ ↓  j k", "move in the focused pane"), ("tab / shift+tab", "next / previous pane"),
              ("enter", "open the section full screen (in Owners: filter by that owner)"),
              ("esc", "back / close a dialog / clear the filter")]),
    ("Section", [("e", "open the section's file in $VISUAL / $EDITOR"),
                 ("c", "comment (kind, optional line, text; ctrl+s posts)"),
                 ("r", "reply to the highlighted thread"),
                 ("x", "resolve or reopen the highlighted thread")]),
    ("Plan (committed as you)", [("a", "assign an owner"), ("s", "set the status"),
                                 ("d", "change the due date (a stage, an offset or a date)")]),
    ("View", [("/", "filter: words, @owner, status:drafting, is:overdue/risk/stale/over/"
               "edited/open"), ("o", "owners pane (enter filters the table)"),
              ("t", "timeline pane (h/l or ←/→ scroll, . today, ↑↓ pick)"),
              ("z", "zoom the timeline: days, weeks, months (anywhere on the dashboard)"),
              ("S", "cycle the sort order (or click a column header)"),
              ("m", "compliance matrix (enter: that requirement's sections)"),
              ("R", "round diff: pick rounds A and B (or HEAD); words, comments resolved"),
              ("p", "progress: burn-up of words per day towards the limit"),
              ("M", "mine: my sections, open threads, reviews to do"),
              ("P", "plan: people, milestones, sections (managers: a add, e change, x remove)"),
              ("L", "library: past passages on this and who wrote them"),
              ("ctrl+r", "refresh now"), ("ctrl+t", "switch dark / light theme"),
              ("ctrl+p", "command palette: every command and key"),
              ("?", "this help"), ("q", "quit")]),
]
ROLES = [("manager", "everything"),
         ("writer", "status of own sections; comment, reply; resolve own comments and "
                    "comments on own sections"),
         ("reviewer", "comment, reply, resolve or reopen own comments"),
         ("unknown", "read-only: browse everything (pass --as HANDLE or set PROPOSAL_USER)")]
MARKS = [*signal_meanings(), ("▲", "over the word or page limit"), ("✎", "edited, not committed"),
         ("!", "the section file has a problem"), ("┆", "today on the timeline"),
         ("▲ ◆ ● ■", "milestones: review, deadline, kickoff, production"),
         ("[ ]", "a review round started / closed (timeline)"),
         ("✓ ·", "reviewed / not yet in the newest round (timeline)")]


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    return grid


def keys_table() -> Table:
    grid = _grid()
    for i, (group, keys) in enumerate(KEYS):
        if i:
            grid.add_row("", "")
        grid.add_row("", Text(group, style="bold underline"))
        for key, what in keys:
            grid.add_row(Text(key), Text(what))
    return grid


def legend_table(actor: Actor) -> Table:
    """Symbols, roles, and who you are (your name comes from the repository: literal)."""
    grid = _grid()
    grid.add_row("", Text("Status", style="bold underline"))
    for status in Status:
        grid.add_row(Text(status.symbol), Text(status.label))
    grid.add_row("", "")
    grid.add_row("", Text("Marks", style="bold underline"))
    for mark, what in MARKS:
        grid.add_row(Text(mark), Text(what))
    grid.add_row("", "")
    grid.add_row("", Text("Roles", style="bold underline"))
    for role, what in ROLES:
        grid.add_row(Text(role), Text(what))
    grid.add_row("", "")
    you = Text("you are ")
    you.append_text(plain(actor.label))
    if actor.person is None:
        you.append(" — ")
        you.append_text(plain(actor.how))
    grid.add_row(Text("You"), you)
    return grid


class HelpScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark", "close", "close", id="help-close"),
        Binding("q", "close", "close", show=False, id="help-quit"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__(id="help")
        self.actor = actor

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"), Horizontal(id="help-columns"):
            yield Static(keys_table(), id="help-keys")
            yield Static(legend_table(self.actor), id="help-legend")
        yield KeyFooter()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < 110, "-narrow")

    def on_mount(self) -> None:
        self.query_one("#help-body").border_title = "Help · keys, symbols, roles"
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss()
