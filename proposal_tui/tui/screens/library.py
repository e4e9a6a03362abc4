"""The library view: for the selected section (or a requirement, from the compliance matrix),
the best passages of past proposals and the people who wrote them.

``enter`` shows a passage whole with its source; ``c`` copies it (OSC 52, through Textual's
``copy_to_clipboard``); ``i`` appends it to the section's file under a line naming its
repository, commit and path (the owner's or a manager's action; not committed). Searching runs
in a thread worker; every string from the library is shown literally.

Mixed into the dashboard, :class:`LibraryActions` also finds, for the selected section, who
in the team wrote on its topic before (shown under the owners pane and in the assign dialog),
only when a library index exists: the dashboard never builds one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from proposal_tui.domain.text import clean_for_display, one_line
from proposal_tui.tui.cells import plain, style
from proposal_tui.tui.screens.views import ViewFailed, ViewLoaded, ViewScreen, failure
from proposal_tui.tui.widgets.footer import KeyFooter
from proposal_tui.tui.widgets.look import LookMixin

if TYPE_CHECKING:
    from proposal_tui.services.dashboard_data import DashboardData
    from proposal_tui.services.library import ExpertHit, SearchHit, StoredPassage
    from proposal_tui.tui.app import ProposalApp

LIBRARY_BINDINGS: list[BindingType] = [
    Binding("L", "library", "library", id="library", show=False),
]
COLUMNS = ("proposal", "section", "date", "outcome", "authors", "passage")


class TopicWriters(Message):
    """Who in the team wrote on the selected section's topic before: {handle: lines}."""

    def __init__(self, section_id: str, writers: dict[str, int]) -> None:
        super().__init__()
        self.section_id = section_id
        self.writers = writers


def open_library_view(app: ProposalApp, screen: LibraryScreen) -> None:
    """Push the view, except over `proposal serve`: the server account's library holds other
    teams' proposals."""
    if app.workspace.served:
        app.notify("The library is not offered over the server: search it on your own "
                   "machine ('proposal library search').", title="no library here",
                   severity="warning", markup=False)
        return
    app.push_screen(screen)


class LibraryActions:
    """Mixed into the dashboard: ``L`` opens the library view for the selected section."""

    app: ProposalApp
    wrote_before: tuple[str | None, dict[str, int]] = (None, {})

    def action_library(self) -> None:
        section_id = getattr(self, "current_section_id", lambda: None)()
        if section_id is not None:
            open_library_view(self.app, LibraryScreen(section_id=section_id))

    def load_topic_writers(self, section_id: str | None) -> None:
        workspace = self.app.workspace
        if section_id is None or self.wrote_before[0] == section_id or workspace.served or \
                not workspace.library.index_path.exists():
            return
        self._topic_writers(section_id)

    @work(thread=True, exclusive=True, group="library-team", exit_on_error=False)
    def _topic_writers(self, section_id: str) -> None:
        workspace = self.app.workspace
        try:
            manifest = workspace.proposals.manifest()
            topic = workspace.library_topic(section_id)
            team = workspace.library.team_experts(manifest, topic)
        except Exception:  # noqa: BLE001 - a hint only: the dashboard works without it
            return
        self.post_message(TopicWriters(  # type: ignore[attr-defined]
            section_id, {person.handle: hit.expert.lines for person, hit in team}))

    def on_topic_writers(self, message: TopicWriters) -> None:
        self.wrote_before = (message.section_id, message.writers)
        pane = self.query_one("#owners-pane")  # type: ignore[attr-defined]
        pane.border_subtitle = ("wrote on this before: " + ", ".join(
            one_line(h, 20) for h in message.writers)) if message.writers else ""

    def wrote_on_topic(self, section_id: str, handle: str) -> int:
        """Lines ``handle`` wrote on this section's topic in past proposals (0: none known)."""
        shown_for, writers = self.wrote_before
        return writers.get(handle, 0) if shown_for == section_id else 0


class PassageTable(LookMixin, DataTable[Text]):
    """The passages found, coloured with the app's look."""


def source_text(p: StoredPassage) -> str:
    place = p.placement
    by = ", ".join(f"{a.name} ({a.lines})" for a in p.authors[:4])
    return (f"{p.proposal.name} · {place.section_title} · {place.path}:{p.line_start}-"
            f"{p.line_end} @ {place.ref} {place.commit[:12]}" + (f" · by {by}" if by else ""))


class PassageActions:
    """Copy or append the passage at hand (``passage()`` says which)."""

    app: ProposalApp
    section_id: str | None

    def passage(self) -> StoredPassage | None:
        raise NotImplementedError

    def action_copy(self) -> None:
        passage = self.passage()
        if passage is None:
            return
        text = "\n\n".join(x for x in (passage.heading, passage.body) if x)
        self.app.copy_to_clipboard(text)
        self.app.notify(f"copied {len(text.split())} words from {one_line(passage.proposal.name)}"
                        " to the clipboard", markup=False)

    def action_append(self) -> None:
        passage = self.passage()
        if passage is None or self.section_id is None:
            return
        self._append(self.section_id, passage.id)

    @work(thread=True, group="library-append", exit_on_error=False)
    def _append(self, section_id: str, passage_id: int) -> None:
        app = self.app
        workspace = app.workspace
        try:
            manifest = workspace.proposals.manifest()
            actor = workspace.resolve_actor(manifest)
            if actor.person is None:
                raise PermissionError(f"read-only: {actor.how}")
            path = workspace.library.append_to_section(workspace.repo.root, manifest,
                                                       actor.person, section_id, passage_id)
        except Exception as exc:  # noqa: BLE001 - said in place
            app.notify_from_thread(f"not appended: {failure(exc)}", "error")
            return
        app.notify_from_thread(f"appended the passage to {path.name} (not committed)",
                               "information")
        app.request_refresh("library append")


class LibraryScreen(PassageActions, ViewScreen):
    CSS_PATH = "../styles/library.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "read", "read it", id="library-read", priority=True),
        Binding("c", "copy", "copy", id="library-copy"),
        Binding("i", "append", "append to section", id="library-append"),
    ]

    def __init__(self, section_id: str | None = None, requirement_id: str | None = None
                 ) -> None:
        super().__init__(id="library-screen")
        self.section_id = section_id
        self.requirement_id = requirement_id
        self.hits: list[SearchHit] = []
        self.experts: list[ExpertHit] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="library-body", classes="pane"):
            yield PassageTable(id="library-passages", cursor_type="row", zebra_stripes=True)
            yield Static(Text("searching the library…"), id="library-people")
        yield KeyFooter()

    def on_mount(self) -> None:
        body = self.query_one("#library-body")
        target = self.section_id or self.requirement_id or ""
        body.border_title = f"Library · {one_line(target, 40)}"
        body.border_subtitle = "enter read · c copy · i append · esc back"
        table = self.query_one(PassageTable)
        for key in COLUMNS:
            table.add_column(key.capitalize(), key=key)
        table.focus()
        self._load(self.section_id, self.requirement_id)

    def show(self, data: DashboardData) -> None:
        """Past proposals do not change with this repository: nothing to redo."""

    def restyle(self) -> None:
        self.render_results()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "append" and self.section_id is None:
            return None
        return True

    @work(thread=True, exclusive=True, group="library", exit_on_error=False)
    def _load(self, section_id: str | None, requirement_id: str | None) -> None:
        workspace = self.papp.workspace

        def read() -> tuple[list[SearchHit], list[ExpertHit]]:
            library = workspace.library
            if not library.entries():
                raise LookupError("The library is empty: add past proposals with 'proposal "
                                  "library add PATH|URL', then 'proposal library index'.")
            topic = workspace.library_topic(section_id, requirement_id)
            return library.search(topic, 20), library.experts(topic, 5)

        self.post_answer("library", read)

    @on(ViewLoaded)
    def _loaded(self, message: ViewLoaded) -> None:
        self.hits, self.experts = message.value  # type: ignore[misc]
        self.render_results()

    @on(ViewFailed)
    def _failed(self, message: ViewFailed) -> None:
        look = self.query_one(PassageTable).look()
        self.query_one("#library-people", Static).update(plain(message.error,
                                                               style(look, "error")))

    def render_results(self) -> None:
        table = self.query_one(PassageTable)
        look = table.look()
        table.clear()
        for n, hit in enumerate(self.hits):
            p = hit.passage
            snippet = Text(end="")
            for piece, marked in hit.snippet:  # spaces kept between the pieces
                snippet.append(re.sub(r"\s+", " ", clean_for_display(piece)),
                               style(look, "strong") if marked else "")
            table.add_row(plain(p.proposal.name, limit=20),
                          plain(p.placement.section_title, limit=28),
                          plain((p.proposal.date or p.placement.date)[:10]),
                          plain(p.proposal.outcome or "—"),
                          plain(", ".join(a.name for a in p.authors[:2]), limit=28),
                          snippet, key=str(n))
        people = Text("People who wrote on this", style=style(look, "strong"))
        if not self.experts:
            people.append(": nobody in the library yet", style=style(look, "muted"))
        for n, hit in enumerate(self.experts, 1):
            e = hit.expert
            people.append(f"\n{n}. ")
            people.append_text(plain(e.name, style(look, "strong"), limit=40))
            people.append(" ")
            people.append_text(plain(f"<{e.email}>", style(look, "muted"), limit=50))
            outcomes = ", ".join(f"{k} {v}" for k, v in sorted(e.outcomes.items()))
            people.append(f"  {e.lines} lines" + (f" · {outcomes}" if outcomes else ""))
            if hit.passages:
                people.append("  from ")
                people.append_text(plain(f"{hit.passages[0].proposal.name}: "
                                         f"{hit.passages[0].placement.section_title}", limit=50))
        self.query_one("#library-people", Static).update(people)
        self.query_one("#library-body").border_title = \
            f"Library · {one_line(self.section_id or self.requirement_id or '', 40)} · " \
            f"{len(self.hits)} passages"

    def passage(self) -> StoredPassage | None:
        table = self.query_one(PassageTable)
        if not self.hits or table.row_count == 0:
            return None
        return self.hits[min(table.cursor_row, len(self.hits) - 1)].passage

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_read()

    def action_read(self) -> None:
        passage = self.passage()
        if passage is not None:
            self.app.push_screen(PassageScreen(passage, self.section_id))


class PassageScreen(PassageActions, ViewScreen):
    """One passage whole, with where it came from."""

    CSS_PATH = "../styles/library.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "copy", id="passage-copy"),
        Binding("i", "append", "append to section", id="passage-append"),
    ]

    def __init__(self, passage: StoredPassage, section_id: str | None) -> None:
        super().__init__(id="passage-screen")
        self.stored = passage
        self.section_id = section_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="passage-body", classes="pane"):
            yield Static(id="passage-text")
        yield KeyFooter()

    def on_mount(self) -> None:
        body = self.query_one("#passage-body")
        body.border_title = one_line(self.stored.heading or self.stored.placement.section_title,
                                     60)
        body.border_subtitle = "c copy · i append · esc back"
        self.restyle()

    def restyle(self) -> None:
        look = self.query_one("#passage-text", Static)
        text = Text(end="")
        text.append_text(plain(source_text(self.stored), "dim"))
        text.append("\n\n")
        text.append(clean_for_display(self.stored.body))
        look.update(text)

    def show(self, data: DashboardData) -> None:
        """A past passage does not change with this repository."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "append" and self.section_id is None:
            return None
        return True

    def passage(self) -> StoredPassage | None:
        return self.stored
