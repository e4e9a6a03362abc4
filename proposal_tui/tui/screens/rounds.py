"""The round diff: pick round A and round B (or HEAD now), see per section the words at each,
words added and removed, and what became of round A's comments by B (resolved by edits,
resolved without edits, still open). Viewing is for everyone; starting and closing rounds stay
manager-only: ``n`` starts a round on the current commit and ``C`` closes the round picked as
A (hidden for everyone else, as ``proposal round start/close`` refuses them).

Both reads (:meth:`RoundService.rounds`, :meth:`RoundService.diff`) run in thread workers,
again after each of the app's loads (a commit, a comment, a round tagged elsewhere); a result is
shown only when it answers the newest request. A refresh keeps the pair picked (while both
rounds exist) and the section under the cursor; rows update in place.
"""

from __future__ import annotations

import datetime as dt
from itertools import count
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.model import Role
from proposal_tui.domain.rounds import Round, SectionDiff, order_rounds, round_name
from proposal_tui.domain.text import one_line
from proposal_tui.services.rounds import HEAD, RoundDiff, RoundService
from proposal_tui.tui.cells import Look, plain, style
from proposal_tui.tui.screens.dialogs import Dialog
from proposal_tui.tui.screens.views import ViewFailed, ViewLoaded, ViewScreen, failure
from proposal_tui.tui.widgets.footer import KeyFooter
from proposal_tui.tui.widgets.keyed import apply_rows
from proposal_tui.tui.widgets.look import LookMixin

if TYPE_CHECKING:
    from proposal_tui.services.dashboard_data import DashboardData

COLUMNS = ("section", "words", "added", "removed", "comments")
OUTCOMES = {"resolved-by-edit": ("✔ resolved by edits", "success"),
            "resolved-without-edit": ("✓ resolved without edits", "muted"),
            "open": ("○ open", "warning")}


def round_label(rnd: Round, zone: dt.tzinfo | None = None) -> Text:
    """'pink  20 Nov 09:00 → 24 Nov' (closed) or 'red  25 Nov 09:00  open', in ``zone``."""
    out = plain(rnd.name, "bold", limit=24)
    out.append(f"  {rnd.started_at.astimezone(zone):%d %b %H:%M}")
    if rnd.open:
        out.append("  open")
    elif rnd.closed_at is not None:
        out.append(f" → {rnd.closed_at.astimezone(zone):%d %b}")
    return out


def default_pair(rounds: list[Round]) -> tuple[str | None, str]:
    """The two newest rounds, or the only one against HEAD."""
    if not rounds:
        return None, HEAD
    if len(rounds) == 1:
        return rounds[0].name, HEAD
    return rounds[-2].name, rounds[-1].name


def diff_row(s: SectionDiff, look: Look) -> tuple[Text, ...]:
    words = Text(f"{s.words_a}→{s.words_b}", end="")
    added = Text(f"+{s.added}", style=style(look, "success") if s.added else "", end="")
    removed = Text(f"-{s.removed}", style=style(look, "error") if s.removed else "", end="")
    comments = Text(end="")
    if s.threads:
        comments.append(f"{s.count('resolved-by-edit')} by edits",
                        style=style(look, "success") if s.count("resolved-by-edit") else "")
        comments.append(f" · {s.count('resolved-without-edit')} without · ")
        comments.append(f"{s.count('open')} open",
                        style=style(look, "warning") if s.count("open") else "")
    else:
        comments.append("no comments", style=style(look, "muted"))
    section = plain(s.section, "bold" if s.changed else "", limit=24)
    if not s.changed:
        section.append(" ·", style=style(look, "muted"))
    return section, words, added, removed, comments


def detail_text(diff: RoundDiff, s: SectionDiff | None, look: Look) -> Text:
    if s is None:
        changed = sum(1 for x in diff.sections if x.changed)
        return Text(f"{changed} of {len(diff.sections)} sections changed between "
                    f"{diff.a.label} ({diff.a.commit[:10]}) and {diff.b.label} "
                    f"({diff.b.commit[:10]})", style=style(look, "muted"))
    out = plain(s.section, "bold", limit=30)
    out.append(" · ")
    out.append_text(plain(s.title, limit=60))
    if s.renamed_from:
        out.append("  renamed from ")
        out.append_text(plain(s.renamed_from, limit=30))
    out.append(f"   {s.words_a}→{s.words_b} words, +{s.added} -{s.removed}")
    if s.file_a != s.file_b:
        out.append("  file ")
        out.append_text(plain(s.file_a or "(new)", limit=40))
        out.append(" → ")
        out.append_text(plain(s.file_b or "(gone)", limit=40))
    if not s.threads:
        out.append(f"\nno comments from {diff.a.label}", style=style(look, "muted"))
    for t in s.threads:
        label, name = OUTCOMES.get(t.outcome, (t.outcome, "muted"))
        out.append("\n")
        out.append(f"{label:<26}", style=style(look, name))
        out.append_text(plain(t.kind, limit=12))
        out.append("  ")
        out.append_text(plain(t.author, "bold", limit=16))
        out.append("  ")
        out.append_text(plain(t.body, limit=80))
        if t.quote_gone:
            out.append("  (quoted passage gone)", style=style(look, "muted"))
    return out


class RoundNameDialog(Dialog[str]):
    """The name of a new round: a letter, then letters, digits or single dashes."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield from self.header()
            yield Input(placeholder="pink, red, gold, red-2 …", id="round-name")
            yield Label("", id="dialog-error")

    def on_mount(self) -> None:
        self.query_one("#round-name", Input).focus()

    @on(Input.Submitted, "#round-name")
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            name = round_name(event.value)
        except ProposalError as exc:
            self.query_one("#dialog-error", Label).update(Text(one_line(str(exc))))
            return
        self.dismiss(name)


class RoundDiffTable(LookMixin, DataTable[Text]):
    """Words added and removed per section, coloured with the app's look."""


class RoundDiffScreen(ViewScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "next list", show=False, id="round-diff-next"),
        Binding("shift+tab", "app.focus_previous", "previous list", show=False,
                id="round-diff-previous"),
        Binding("n", "start_round", "start round", id="round-start"),
        Binding("C", "close_round", "close round", id="round-close"),
    ]

    def __init__(self) -> None:
        super().__init__(id="round-diff-screen")
        self.rounds: list[Round] = []
        self.pair: tuple[str | None, str] = (None, HEAD)
        self.diff: RoundDiff | None = None
        self._ready = False  # a pair is picked and shown
        self._listed = False  # the rounds were read at least once
        self._asked = -1  # the app's load generation last answered with a re-read
        self._requests = count()
        self._rounds_key: tuple[object, ...] = ()  # the newest request of each kind
        self._reset = False  # show the default pair with the next rounds read
        self._diff_key: tuple[object, ...] = ()
        self._shown: dict[str, tuple[Text, ...]] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(id="round-pickers"):
            yield OptionList(id="round-a", classes="pane round-picker")
            yield OptionList(id="round-b", classes="pane round-picker")
        with Vertical(id="round-diff-body", classes="pane"):
            yield RoundDiffTable(id="round-diff-table", cursor_type="row")
            yield Static(Text("reading the rounds…"), id="round-diff-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#round-a").border_title = "A: from round"
        self.query_one("#round-b").border_title = "B: to round (or HEAD)"
        self.query_one("#round-diff-body").border_title = "Round diff"
        table = self.query_one(RoundDiffTable)
        for key, label in zip(COLUMNS, ("Section", "Words A→B", "Added", "Removed",
                                        "Comments of A")):
            table.add_column(label, key=key)
        self.show(self.papp.data)

    def show(self, data: DashboardData) -> None:
        """The app loaded new data: rounds may have been tagged, HEAD and comments moved."""
        if data.generation != self._asked:
            self._asked = data.generation
            self._load_rounds()

    def restyle(self) -> None:
        if self.diff is not None:
            self._show_diff()
        elif self._listed and not self.rounds:
            self._show_empty()

    @property
    def service(self) -> RoundService:
        return self.papp.workspace.rounds

    # -- workers ------------------------------------------------------------------------------
    def _load_rounds(self, reset: bool = False) -> None:
        """``reset``: then show the default pair (after starting or closing a round here)."""
        self._reset |= reset
        self._rounds_key = ("rounds", next(self._requests))
        self._read_rounds(self._rounds_key)

    @work(thread=True, exclusive=True, group="rounds", exit_on_error=False)
    def _read_rounds(self, key: tuple[object, ...]) -> None:
        self.post_answer(key, lambda: order_rounds(self.service.rounds()))

    @work(thread=True, exclusive=True, group="round-diff", exit_on_error=False)
    def _load_diff(self, key: tuple[object, ...], a: str, b: str) -> None:
        self.post_answer(key, lambda: self.service.diff(a, b))

    @on(ViewLoaded)
    def _loaded(self, message: ViewLoaded) -> None:
        if message.key == self._rounds_key:
            assert isinstance(message.value, list)
            reset, self._reset = self._reset, False
            self._show_rounds(message.value, reset)
        elif message.key == "round-edit":
            self._load_rounds(reset=True)
        elif message.key == self._diff_key and isinstance(message.value, RoundDiff):
            self.diff = message.value
            self._show_diff()

    @on(ViewFailed)
    def _failed(self, message: ViewFailed) -> None:
        if message.key in (self._rounds_key, self._diff_key):
            self._detail(plain(message.error, style(self.look, "error")))

    # -- rendering ----------------------------------------------------------------------------
    @property
    def look(self) -> Look:
        return self.query_one(RoundDiffTable).look()

    def _detail(self, text: Text) -> None:
        self.query_one("#round-diff-detail", Static).update(text)

    def _show_rounds(self, rounds: list[Round], reset: bool = False) -> None:
        """Keeps a pair the user picked while both its rounds exist; else the default pair,
        which follows new rounds."""
        names = [r.name for r in rounds]
        a, b = self.pair
        if reset or not self._ready or self.pair == default_pair(self.rounds) \
                or a not in names or (b != HEAD and b not in names):
            a, b = default_pair(rounds)
        self.pair = (a, b)
        pick_a = self.query_one("#round-a", OptionList)
        pick_b = self.query_one("#round-b", OptionList)
        if rounds != self.rounds or not self._listed:
            pick_a.clear_options()
            pick_b.clear_options()
            manifest = self.papp.data.manifest
            zone = manifest.proposal.timezone if manifest else None
            pick_a.add_options([Option(round_label(r, zone), id=r.name) for r in rounds])
            pick_b.add_options([*(Option(round_label(r, zone), id=r.name) for r in rounds),
                                Option(Text("HEAD  (the current commit)"), id=HEAD)])
        self.rounds, self._listed = rounds, True
        if a is None:
            self._ready, self.diff = False, None
            self.query_one(RoundDiffTable).clear()
            self._shown.clear()
            self.query_one("#round-diff-body").border_title = "Round diff"
            self.refresh_bindings()
            self._show_empty()
            return
        pick_a.highlighted = names.index(a)
        pick_b.highlighted = len(rounds) if b == HEAD else names.index(b)
        if not self._ready:
            pick_a.focus()
            self._ready = True
        self.refresh_bindings()
        self._request()

    def _show_empty(self) -> None:
        self._detail(Text("No review rounds yet. A manager starts one with n here, or "
                          "'proposal round start pink' (a tag round/pink on the commit "
                          "reviewers read).", style=style(self.look, "muted")))

    @on(OptionList.OptionHighlighted)
    def _picked(self, event: OptionList.OptionHighlighted) -> None:
        if not self._ready or event.option_list.id not in ("round-a", "round-b"):
            return
        a = self.query_one("#round-a", OptionList)
        b = self.query_one("#round-b", OptionList)
        a_id = a.get_option_at_index(a.highlighted).id if a.highlighted is not None else None
        b_id = b.get_option_at_index(b.highlighted).id if b.highlighted is not None else HEAD
        pair = (a_id, b_id or HEAD)
        if pair != self.pair:
            self.pair = pair
            self.refresh_bindings()
            self._request()

    def _request(self) -> None:
        a, b = self.pair
        if a is None:
            return
        body = self.query_one("#round-diff-body")
        body.border_title = Text("Round diff · ") + plain(a, limit=24) + Text(" → ") + \
            plain(b, limit=24)
        if self.diff is None or (self.diff.a.label, self.diff.b.label) != (a, b):
            body.border_subtitle = "reading…"  # a refresh of the pair shown keeps its commits
        self._diff_key = (a, b, next(self._requests))
        self._load_diff(self._diff_key, a, b)

    def _show_diff(self) -> None:
        assert self.diff is not None
        table = self.query_one(RoundDiffTable)
        look = self.look
        current = self._cursor_key()
        rows = {s.section: diff_row(s, look) for s in self.diff.sections}
        apply_rows(table, self._shown, rows, list(COLUMNS))
        if current in rows:
            table.move_cursor(row=list(rows).index(current))
        self.query_one("#round-diff-body").border_subtitle = \
            f"{self.diff.a.commit[:10]} → {self.diff.b.commit[:10]}"
        self._show_detail()

    def _cursor_key(self) -> str | None:
        table = self.query_one(RoundDiffTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def _show_detail(self) -> None:
        if self.diff is None:
            return
        current: SectionDiff | None = None
        if self.query_one(RoundDiffTable).has_focus:
            key = self._cursor_key()
            current = next((s for s in self.diff.sections if s.section == key), None)
        self._detail(detail_text(self.diff, current, self.look))

    # -- managing rounds (managers only) -------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in ("start_round", "close_round"):
            return True
        person = self.papp.data.actor.person
        if person is None or person.role is not Role.MANAGER:
            return False  # hidden: only managers start or close rounds
        if action == "close_round":
            picked = next((r for r in self.rounds if r.name == self.pair[0]), None)
            return True if picked is not None and picked.open else None
        return True

    def action_start_round(self) -> None:
        def started(name: str | None) -> None:
            if name:
                self._round_edit("start", name)

        self.app.push_screen(RoundNameDialog(Text("Start a review round on the current commit"),
                                             "enter starts it · esc cancels"), started)

    def action_close_round(self) -> None:
        if self.pair[0] is not None:
            self._round_edit("close", self.pair[0])

    @work(thread=True, group="round-edit", exit_on_error=False)
    def _round_edit(self, verb: str, name: str) -> None:
        app = self.papp
        try:
            manifest = app.workspace.proposals.manifest()
            actor = app.workspace.resolve_actor(manifest)
            if actor.person is None:
                raise ProposalError(f"read-only: {actor.how}")
            service = self.service
            rnd = (service.start if verb == "start" else service.close)(manifest, actor.person,
                                                                       name)
        except Exception as exc:  # noqa: BLE001 - reported, never fatal
            app.notify_from_thread(f"round not {verb}ed: {failure(exc)}", "error")
            return
        commit = rnd.commit if verb == "start" else (rnd.closed_commit or "")
        app.notify_from_thread(f"{verb}ed round {rnd.name} at {commit[:10]} as "
                               f"{actor.person.handle}")
        app.request_refresh("round")  # the timeline's markers
        self.post_message(ViewLoaded("round-edit", rnd.name))

    @on(DataTable.RowHighlighted, "#round-diff-table")
    def _row(self) -> None:
        self._show_detail()

    def on_descendant_focus(self) -> None:
        self._show_detail()

    def select_section(self, section_id: str) -> None:
        """Focus the table on one section (tests, and a future jump from the dashboard)."""
        table = self.query_one(RoundDiffTable)
        keys = [row.key.value for row in table.ordered_rows]
        if section_id in keys:
            table.focus()
            table.move_cursor(row=keys.index(section_id))
            self._show_detail()
