"""The section keys (e c r x a s d), shared by the dashboard and the section screen.

``check_action`` hides what the acting person's role can never do here and disables what is
impossible right now (no thread selected, another writer's section), so the footer and the
command palette only offer live keys. The edits themselves run in the app's workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import HelpPanel

from proposal_tui.domain.comments import Thread
from proposal_tui.domain.model import Person, Section, SectionState, Status
from proposal_tui.domain.permissions import can
from proposal_tui.services.dashboard_data import DashboardData
from proposal_tui.tui.cells import plain, status_cell
from proposal_tui.tui.messages import EditReply
from proposal_tui.tui.screens.dialogs import (
    CommentDialog,
    CommentDraft,
    DueChoice,
    DueDialog,
    PickDialog,
    ReplyDialog,
)
from proposal_tui.tui.widgets.footer import KeyFooter
from proposal_tui.tui.widgets.thread_list import thread_text

if TYPE_CHECKING:
    from proposal_tui.tui.app import ProposalApp

COMMON_BINDINGS: list[BindingType] = [
    Binding("question_mark", "app.help", "help", id="screen-help"),
]
SECTION_BINDINGS: list[BindingType] = [
    Binding("e", "edit_file", "edit", id="edit-file"),
    Binding("c", "comment", "comment", id="comment"),
    Binding("r", "reply", "reply", id="reply"),
    Binding("x", "toggle_resolved", "resolve", id="resolve"),
    Binding("a", "assign", "assign", id="assign"),
    Binding("s", "set_status", "status", id="set-status"),
    Binding("d", "set_due", "due", id="set-due"),
]
EDIT_ACTIONS = {"comment", "reply", "toggle_resolved", "assign", "set_status", "set_due"}
_CHECKED = EDIT_ACTIONS | {"edit_file"}  # the actions whose availability depends on the row


PERMISSION = {"assign": "assign", "set_due": "set-due", "set_status": "set-status",
              "comment": "comment", "reply": "reply"}


def allowed(action: str, person: Person | None, state: SectionState | None,
            thread: Thread | None, sections: Sequence[Section] = ()) -> bool | None:
    """True: offer it; None: show it disabled (not here, not now); False: hide it (the
    person may do it on no section at all). The rules themselves are domain.permissions."""
    if action not in EDIT_ACTIONS:
        return True if state is not None else None
    if person is None:
        return False
    if action == "toggle_resolved":
        if thread is None or state is None:
            return None
        verb = "reopen" if thread.resolved else "resolve"
        author = thread.root.author if thread.root else None
        return True if can(person, verb, state.section, comment_author=author) else None
    verb = PERMISSION[action]
    if not any(can(person, verb, section) for section in (*sections, None)):
        return False
    if state is None or (action == "reply" and thread is None):
        return None
    return True if can(person, verb, state.section) else None


def hidden(signature: dict[str, bool | None]) -> set[str]:
    return {action for action, on in signature.items() if on is False}


class SectionActions(Screen[None]):
    """Mixed into screens that show one current section and, maybe, a current thread."""

    _checked_inputs: tuple[object, ...] | None = None  # what the signature was worked out from
    _binding_signature: dict[str, bool | None] | None = None

    @property
    def papp(self) -> ProposalApp:
        from proposal_tui.tui.app import ProposalApp

        assert isinstance(self.app, ProposalApp)
        return self.app

    # Screens provide these four.
    def current_section_id(self) -> str | None:
        raise NotImplementedError

    def current_thread(self) -> Thread | None:
        raise NotImplementedError

    def show(self, data: DashboardData) -> None:
        """New data, after every load: update in place."""
        raise NotImplementedError

    def restyle(self) -> None:
        """New theme: rebuild what was built in the old colours."""
        raise NotImplementedError

    @property
    def data(self) -> DashboardData:
        return self.papp.data

    def current_state(self) -> SectionState | None:
        return self.data.state(self.current_section_id())

    def sync_bindings(self) -> None:
        """Refresh the footer only when what the keys may do has changed.

        Every refresh rebuilds the footer's widgets (~100-200 ms of restyling here), so doing
        it on each cursor move made moving through the table slow. When keys only turn on or
        off (none is shown or hidden), the footer greys them itself and the bindings signal
        is not sent: each of its receivers walks all the screen's bindings.
        """
        inputs = (self.data, self.current_section_id(), self.current_thread())
        last = self._checked_inputs
        if last is not None and all(a is b or a == b for a, b in zip(inputs, last, strict=True)):
            return
        self._checked_inputs = inputs
        signature = {action: self.check_action(action, ()) for action in sorted(_CHECKED)}
        old, self._binding_signature = self._binding_signature, signature
        if signature == old:
            return
        # The footer and Textual's key panel (palette: "Keys") sit on the screen itself.
        footer = next((node for node in self.children if isinstance(node, KeyFooter)), None)
        if old is not None and hidden(old) == hidden(signature) and footer is not None \
                and not any(isinstance(node, HelpPanel) for node in self.children) \
                and footer.grey({action: on is True for action, on in signature.items()
                                 if on != old[action]}):
            return
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit_file" and self.papp.workspace.served:
            return False  # over `proposal serve`: no program runs on the server for you
        if action in _CHECKED:
            snap = self.data.snapshot
            if snap is None:
                # Nothing read yet: shown greyed, not hidden, so that the first load only
                # greys keys in (in place) instead of rebuilding the footer (~150 ms then).
                return None
            return allowed(action, self.data.actor.person, self.current_state(),
                           self.current_thread(), snap.manifest.sections)
        return True

    def _title(self, verb: str, state: SectionState) -> Text:
        text = Text(f"{verb} ")
        text.append_text(plain(state.section.id, "bold"))
        text.append(" · ")
        text.append_text(plain(state.section.title, limit=50))
        return text

    # -- actions ------------------------------------------------------------------------------
    def action_edit_file(self) -> None:
        state = self.current_state()
        if state is not None:
            self.papp.open_in_editor(state.section.file)

    def action_assign(self) -> None:
        state = self.current_state()
        manifest = self.data.manifest
        if state is None or manifest is None:
            return
        choices = []
        for person in manifest.people:
            label = plain(person.handle, "bold")
            label.append("  ")
            label.append_text(plain(person.name))
            label.append(f"  {person.role.value}", style="dim")
            wrote = getattr(self, "wrote_on_topic", lambda *_: 0)(state.section.id, person.handle)
            if wrote:
                label.append(f"  wrote {wrote} lines on this before", style="italic")
            choices.append((person.handle, label))
        section_id = state.section.id

        def done(handle: str | None) -> None:
            if handle and handle != state.section.owner:
                self.papp.run_edit(lambda m, p: self.papp.workspace.edits.assign(
                    m, p, section_id, handle),
                    f"assigned {section_id} to {handle}")

        self.app.push_screen(PickDialog(self._title("Assign", state), choices,
                                        state.section.owner), done)

    def action_set_status(self) -> None:
        state = self.current_state()
        if state is None:
            return
        choices = [(s.value, status_cell(s, {}, short=False)) for s in Status]
        section_id = state.section.id

        def done(value: str | None) -> None:
            if value and value != state.status.value:
                self.papp.run_edit(lambda m, p: self.papp.workspace.edits.set_status(
                    m, p, section_id, value),
                    f"set {section_id} to {value}")

        self.app.push_screen(PickDialog(self._title("Status of", state), choices,
                                        state.status.value), done)

    def action_set_due(self) -> None:
        state = self.current_state()
        snap = self.data.snapshot
        if state is None or snap is None:
            return
        manifest = snap.manifest
        today = snap.now.astimezone(manifest.proposal.timezone).date()
        section_id = state.section.id

        def done(choice: DueChoice | None) -> None:
            if choice is None:
                return
            label = choice.due.isoformat() if choice.due else "none"
            self.papp.run_edit(lambda m, p: self.papp.workspace.edits.set_due(
                m, p, section_id, choice.due),
                f"set {section_id} due {label}")

        self.app.push_screen(DueDialog(self._title("Due date of", state), manifest, today,
                                       state.section.due), done)

    def action_comment(self) -> None:
        state = self.current_state()
        snap = self.data.snapshot
        if state is None or snap is None:
            return
        lines = self.data.texts.get(state.section.id, "").splitlines()
        section_id = state.section.id

        def submit(draft: CommentDraft, reply: EditReply) -> None:
            # The service anchors the line to the committed text at HEAD (with its quote).
            self.papp.run_edit(lambda m, p: self.papp.workspace.reviews.comment(
                m, p, section_id, draft.body, kind=draft.kind, line_start=draft.line).id,
                f"commented on {section_id}", reply)

        self.app.push_screen(CommentDialog(self._title("Comment on", state), len(lines),
                                           submit))

    def action_reply(self) -> None:
        state, thread = self.current_state(), self.current_thread()
        snap = self.data.snapshot
        if state is None or thread is None or snap is None:
            return

        def submit(body: str, reply: EditReply) -> None:
            self.papp.run_edit(lambda m, p: self.papp.workspace.reviews.reply(
                m, p, thread.id, body).id, f"replied on {state.section.id}", reply)

        self.app.push_screen(ReplyDialog(self._title("Reply on", state),
                                         thread_text(thread, snap.now, {}, full=False),
                                         submit))

    def action_toggle_resolved(self) -> None:
        state, thread = self.current_state(), self.current_thread()
        if state is None or thread is None:
            return
        resolve = not thread.resolved
        self.papp.run_edit(lambda m, p: self.papp.workspace.reviews.set_resolved(
            m, p, thread.id, resolve).id,
            f"{'resolved' if resolve else 'reopened'} a comment on {state.section.id}")
