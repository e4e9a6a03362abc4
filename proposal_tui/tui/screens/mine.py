"""Mine (`M`): the acting person's work, as `proposal mine` prints it. Three tables: my
sections (late first), my open threads (those awaiting my answer first), and the sections I
still have to read in the open review round. ``enter`` opens the row's section.

:meth:`MineService.mine` runs in a thread worker on the app's current snapshot (the open round
is read from git there), again after each of the app's loads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from proposal_tui.domain.status import SCHEDULE_SYMBOLS, schedule_state
from proposal_tui.services.mine import AWAITING, Mine
from proposal_tui.tui.cells import (
    Look,
    comments_cell,
    due_cell,
    owner_cell,
    plain,
    status_cell,
    style,
)
from proposal_tui.tui.screens.views import ViewFailed, ViewLoaded, ViewScreen
from proposal_tui.tui.widgets.footer import KeyFooter
from proposal_tui.tui.widgets.keyed import apply_rows
from proposal_tui.tui.widgets.look import LookMixin

if TYPE_CHECKING:
    import datetime as dt

    from proposal_tui.domain.model import Person, SectionState
    from proposal_tui.services.dashboard_data import DashboardData
    from proposal_tui.services.snapshot import Snapshot

Rows = dict[str, tuple[Text, ...]]
TABLES = {  # id -> column keys and labels
    "mine-sections": (("mark", ""), ("id", "Section"), ("title", "Title"),
                      ("status", "Status"), ("due", "Due"), ("comments", "💬")),
    "mine-threads": (("why", "Why"), ("section", "Section"), ("kind", "Kind"),
                     ("from", "From"), ("text", "Comment")),
    "mine-review": (("mark", ""), ("id", "Section"), ("reviewed", "Reviewed"),
                    ("owner", "Owner"), ("status", "Status"), ("title", "Title")),
}


NO_ROUND = ("No review round is open. A manager starts one with n in the round view (R), or "
            "with 'proposal round start NAME'.")


class MineTable(LookMixin, DataTable[Text]):
    """One of the three lists, coloured with the app's look."""


def mark_cell(state: SectionState, look: Look) -> Text:
    when = schedule_state(state)
    return Text(SCHEDULE_SYMBOLS[when], style=style(look, when), end="")


def section_rows(mine: Mine, zone: dt.tzinfo, look: Look) -> Rows:
    return {s.section.id: (mark_cell(s, look), plain(s.section.id, limit=24),
                           plain(s.section.title, limit=40), status_cell(s.status, look),
                           due_cell(s, mine.now, zone, look), comments_cell(s.open_comments,
                                                                            look))
            for s in mine.sections}


def thread_rows(mine: Mine, zone: dt.tzinfo, look: Look) -> Rows:
    rows: Rows = {}
    for item in mine.threads:
        t, root = item.thread, item.thread.root
        assert root is not None
        awaiting = item.reason == AWAITING
        sender = plain(root.author, limit=12)
        sender.append(f" {root.created.astimezone(zone):%d %b}", style=style(look, "muted"))
        rows[t.id] = (
            Text("awaits you" if awaiting else "yours", end="",
                 style=style(look, "warning" if awaiting else "muted")),
            plain(t.section, limit=24),
            Text(t.kind, style=style(look, "error") if item.must_fix else "", end=""),
            sender, plain(root.body, limit=60))
    return rows


def review_rows(mine: Mine, zone: dt.tzinfo, look: Look) -> Rows:
    rows: Rows = {}
    for duty in sorted(mine.duties, key=lambda d: d.reviewed):  # still to read first
        s = duty.state
        done = Text(f"✓ {duty.my_comments} comment{'s' if duty.my_comments > 1 else ''}",
                    style=style(look, "success"), end="") \
            if duty.reviewed else Text("· not yet", style=style(look, "warning"), end="")
        rows[s.section.id] = (mark_cell(s, look), plain(s.section.id, limit=24), done,
                              owner_cell(s.section.owner, look), status_cell(s.status, look),
                              plain(s.section.title, limit=40))
    return rows


class MineScreen(ViewScreen):
    CSS_PATH = "../styles/mine.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: a table would otherwise take enter (and hide it from footer and palette)
        Binding("enter", "open_row", "open section", id="mine-open", priority=True),
        Binding("tab", "app.focus_next", "next list", show=False, id="mine-next"),
        Binding("shift+tab", "app.focus_previous", "previous list", show=False,
                id="mine-previous"),
    ]

    def __init__(self) -> None:
        super().__init__(id="mine-screen")
        self.mine: Mine | None = None
        self._asked = -1  # the app's load generation the newest read answers
        self._shown: dict[str, Rows] = {name: {} for name in TABLES}
        self._section_of: dict[str, str] = {}  # thread id -> section id

    def compose(self) -> ComposeResult:
        yield Static(Text("reading…"), id="mine-who")
        for name in TABLES:
            with Vertical(id=f"{name}-pane", classes="pane"):
                yield MineTable(id=name, cursor_type="row", zebra_stripes=True)
        yield Static(Text(NO_ROUND), id="mine-no-round")
        yield KeyFooter()

    def on_mount(self) -> None:
        for name, columns in TABLES.items():
            table = self.query_one(f"#{name}", MineTable)
            for key, label in columns:
                table.add_column(label, key=key)
        self._titles()
        self.query_one("#mine-sections", MineTable).focus()
        self.show(self.papp.data)

    def show(self, data: DashboardData) -> None:
        if data.generation == self._asked:
            return
        self._asked = data.generation
        person = data.actor.person
        if person is None:
            self.mine = None
            self.query_one("#mine-who", Static).update(plain(
                f"Nobody to show: {data.actor.how}. Start with --as HANDLE or set "
                "PROPOSAL_USER.", style(self.query_one(MineTable).look(), "warning")))
            return
        self._load(person, data.snapshot, data.generation)

    def restyle(self) -> None:
        self.render_mine(force=True)

    @work(thread=True, exclusive=True, group="mine", exit_on_error=False)
    def _load(self, person: Person, snapshot: Snapshot | None, generation: int) -> None:
        service = self.papp.workspace.mine
        self.post_answer(generation, lambda: service.mine(person, snapshot))

    @on(ViewLoaded)
    def _loaded(self, message: ViewLoaded) -> None:
        if message.key != self._asked:  # an older read finishing late
            return
        assert isinstance(message.value, Mine)
        self.mine = message.value
        self.render_mine()

    @on(ViewFailed)
    def _failed(self, message: ViewFailed) -> None:
        if message.key == self._asked:
            self.query_one("#mine-who", Static).update(plain(
                message.error, style(self.query_one(MineTable).look(), "error")))

    def render_mine(self, force: bool = False) -> None:
        mine, manifest = self.mine, self.papp.data.manifest
        if mine is None or manifest is None:
            return
        zone = manifest.proposal.timezone
        look = self.query_one(MineTable).look()
        self._section_of = {m.thread.id: m.thread.section for m in mine.threads}
        for name, rows in (("mine-sections", section_rows(mine, zone, look)),
                           ("mine-threads", thread_rows(mine, zone, look)),
                           ("mine-review", review_rows(mine, zone, look))):
            table = self.query_one(f"#{name}", MineTable)
            apply_rows(table, self._shown[name], rows, [k for k, _ in TABLES[name]], force)
        person = mine.person
        who = plain(f"{person.name or person.handle} ({person.handle}, {person.role.value})",
                    style(look, "strong"))
        late = sum(schedule_state(s) == "overdue" for s in mine.sections)
        awaiting = sum(m.reason == AWAITING for m in mine.threads)
        who.append(f" · {late} late · {awaiting} awaiting your answer · "
                   f"{len(mine.left_to_review)} to review")
        self.query_one("#mine-who", Static).update(who)
        self._titles()

    def _titles(self) -> None:
        mine = self.mine
        sections = len(mine.sections) if mine else 0
        threads = len(mine.threads) if mine else 0
        self.query_one("#mine-sections-pane").border_title = f"My sections ({sections})"
        self.query_one("#mine-threads-pane").border_title = f"My open threads ({threads})"
        review = self.query_one("#mine-review-pane")
        review.display = mine is not None and mine.round is not None
        self.query_one("#mine-no-round").display = mine is not None and mine.round is None
        if mine is None or mine.round is None:
            review.border_title = "To review: no round is open"
        else:
            left = len(mine.left_to_review)
            review.border_title = (f"To review in round {mine.round.name}: {left} of "
                                   f"{len(mine.duties)} left")

    def selected_section(self) -> str | None:
        """The section of the focused table's highlighted row."""
        table = self.focused if isinstance(self.focused, MineTable) else None
        if table is None or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if table.id == "mine-threads":
            return self._section_of.get(key or "")
        return key

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open_row()

    def action_open_row(self) -> None:
        section = self.selected_section()
        if section is not None:
            self.papp.open_section(section)
