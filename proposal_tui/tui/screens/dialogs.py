"""Small modal dialogs that collect one decision; the caller runs the edit in a worker.

Each returns ``None`` when cancelled (escape). Nothing here writes to the repository.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from proposal_tui.domain.comments import KINDS
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.model import Manifest
from proposal_tui.domain.status import working_days_until
from proposal_tui.services.edits import parse_due
from proposal_tui.tui.cells import plain
from proposal_tui.tui.messages import EditReply

T = TypeVar("T")


class Dialog(ModalScreen[T], Generic[T]):
    """Escape cancels; every dialog has a title line and a hint line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="dialog-cancel"),
    ]

    def __init__(self, title: Text, hint: str = "") -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.hint = hint

    def header(self) -> ComposeResult:
        yield Static(self.title_text, classes="dialog-title")
        if self.hint:
            yield Static(Text(self.hint), classes="dialog-hint")

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickDialog(Dialog[str]):
    """Pick one of a few labelled choices (owner, status); enter picks, escape cancels."""

    def __init__(self, title: Text, choices: list[tuple[str, Text]], current: str | None,
                 hint: str = "↑↓ choose · enter confirm · esc cancel") -> None:
        super().__init__(title, hint)
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield from self.header()
            yield OptionList(*[Option(label, id=key) for key, label in self.choices],
                             id="choices")

    def on_mount(self) -> None:
        options = self.query_one("#choices", OptionList)
        keys = [k for k, _ in self.choices]
        if self.current in keys:
            options.highlighted = keys.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected, "#choices")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


@dataclass(frozen=True)
class DueChoice:
    """What the due dialog decided: a date, a date-time, or None to clear the due date."""

    due: dt.date | dt.datetime | None


def due_choices(manifest: Manifest, today: dt.date) -> list[tuple[str, str, dt.date | None]]:
    """(key, label, date) choices: common offsets, then each milestone still ahead."""
    def working(n: int) -> dt.date:
        day = today
        while working_days_until(today, day) < n:
            day += dt.timedelta(days=1)
        return day

    zone = manifest.proposal.timezone
    out: list[tuple[str, str, dt.date | None]] = [
        ("today", "today", today), ("tomorrow", "tomorrow", today + dt.timedelta(days=1)),
        ("2wd", "in 2 working days", working(2)), ("week", "in a week",
                                                  today + dt.timedelta(days=7))]
    for i, milestone in enumerate(sorted(manifest.milestones, key=lambda m: m.date)):
        day = milestone.date.astimezone(zone).date()
        if day >= today:
            out.append((f"m{i}", f"by {milestone.name}", day))
    out.append(("none", "no due date", None))
    return out


class DueDialog(Dialog[DueChoice]):
    """Pick a stage or an offset, or type a date; validated before it is returned."""

    def __init__(self, title: Text, manifest: Manifest, today: dt.date,
                 current: dt.datetime | None) -> None:
        super().__init__(title, "↑↓ choose · enter confirm · tab: type a date · esc cancel")
        self.manifest = manifest
        self.today = today
        self.current = current
        self.choices = due_choices(manifest, today)

    def compose(self) -> ComposeResult:
        zone = self.manifest.proposal.timezone
        current = self.current.astimezone(zone).strftime("%a %d %b %Y") if self.current \
            else "none"
        with Vertical(classes="dialog-box"):
            yield from self.header()
            yield Static(Text(f"now due: {current}"), classes="dialog-hint")
            options = []
            for key, label, day in self.choices:
                prompt = plain(label)  # milestone names come from the repository
                if day is not None:
                    prompt.append(f"  {day:%a %d %b}", style="dim")
                options.append(Option(prompt, id=key))
            yield OptionList(*options, id="choices")
            yield Input(placeholder="or type YYYY-MM-DD and press enter", id="due-input")
            yield Label("", id="due-error")

    def on_mount(self) -> None:
        self.query_one("#choices", OptionList).focus()

    def validate(self, value: dt.date | dt.datetime | None) -> str | None:
        """Why a due date is refused, or None: it must not fall after the submission."""
        deadline = self.manifest.proposal.due
        if value is None or deadline is None:
            return None
        zone = self.manifest.proposal.timezone
        day = value.astimezone(zone).date() if isinstance(value, dt.datetime) else value
        if day > deadline.astimezone(zone).date():
            return f"{day:%d %b %Y} is after the submission deadline " \
                   f"({deadline.astimezone(zone):%d %b %Y})"
        return None

    def _finish(self, value: dt.date | dt.datetime | None) -> None:
        why = self.validate(value)
        if why:
            self.query_one("#due-error", Label).update(Text(why))
            return
        self.dismiss(DueChoice(value))

    @on(OptionList.OptionSelected, "#choices")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        day = next(d for key, _l, d in self.choices if key == event.option.id)
        self._finish(day)

    @on(Input.Submitted, "#due-input")
    def _typed(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text.lower() in ("none", "-"):
            self._finish(None)
            return
        try:
            value = parse_due(text)
        except ProposalError as exc:
            self.query_one("#due-error", Label).update(Text(exc.message))
            return
        self._finish(value)


@dataclass(frozen=True)
class CommentDraft:
    kind: str
    body: str
    line: int | None = None


Submit = Callable[[T, EditReply], None]


class TextDialog(Dialog[T], Generic[T]):
    """A dialog around a multi-line body: ctrl+s (or the Post button) sends it.

    With ``submit`` the dialog stays open while the write runs, and closes only once it
    worked: a write that fails (a read-only repository) is said in place, the text kept.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "post", "post", id="dialog-post", priority=True),
    ]

    def __init__(self, title: Text, hint: str = "", submit: Submit[T] | None = None) -> None:
        super().__init__(title, hint)
        self.submit = submit
        self.sending = False

    def send(self, value: T) -> None:
        """Dismiss with ``value``, or hand it to ``submit`` and wait for its answer."""
        if self.submit is None:
            self.dismiss(value)
            return
        if self.sending:
            return
        self.sending = True
        self.error("posting…")
        self.submit(value, self._sent)

    def _sent(self, ok: bool, text: str) -> None:
        self.sending = False
        if self.app.screen is not self:  # closed meanwhile (escape): say it the other way
            if not ok:
                self.app.notify(text, title="not done", severity="error", markup=False)
            return
        if ok:
            self.dismiss(None)
        else:
            self.error(f"not posted: {text}")

    def body_text(self) -> str:
        return self.query_one("#body", TextArea).text.strip()

    def error(self, why: str) -> None:
        self.query_one("#dialog-error", Label).update(Text(why))

    def buttons(self) -> ComposeResult:
        yield Label("", id="dialog-error")
        with Horizontal(classes="dialog-buttons"):
            yield Button("Post (ctrl+s)", variant="primary", id="post")
            yield Button("Cancel (esc)", id="cancel")

    @on(Button.Pressed, "#post")
    def _post_pressed(self) -> None:
        self.action_post()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_post(self) -> None:
        raise NotImplementedError


class CommentDialog(TextDialog[CommentDraft]):
    """Kind, optional line number, body."""

    def __init__(self, title: Text, line_count: int,
                 submit: Submit[CommentDraft] | None = None) -> None:
        super().__init__(title, "tab moves between fields · ctrl+s posts · esc cancels", submit)
        self.line_count = line_count

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield from self.header()
            with Horizontal(classes="dialog-row"):
                yield Select([(kind, kind) for kind in KINDS], value=KINDS[0],
                             allow_blank=False, id="kind")
                yield Input(placeholder=f"line (optional, 1-{max(1, self.line_count)})",
                            id="line", type="integer")
            yield TextArea(id="body", soft_wrap=True, tab_behavior="focus")
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#body", TextArea).focus()

    def kind(self) -> str:
        value = self.query_one("#kind", Select).value
        return value if isinstance(value, str) and value in KINDS else KINDS[0]

    def action_post(self) -> None:
        body = self.body_text()
        if not body:
            self.error("write something first")
            return
        raw = self.query_one("#line", Input).value.strip()
        line = None
        if raw:
            line = int(raw) if raw.isdigit() else 0
            if not 1 <= line <= max(1, self.line_count):
                self.error(f"line must be between 1 and {max(1, self.line_count)}")
                return
        self.send(CommentDraft(self.kind(), body, line))


class ReplyDialog(TextDialog[str]):
    def __init__(self, title: Text, thread: Text, submit: Submit[str] | None = None) -> None:
        super().__init__(title, "ctrl+s posts · esc cancels", submit)
        self.thread = thread

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield from self.header()
            yield Static(self.thread, classes="dialog-quote")
            yield TextArea(id="body", soft_wrap=True, tab_behavior="focus")
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#body", TextArea).focus()

    def action_post(self) -> None:
        body = self.body_text()
        if not body:
            self.error("write something first")
            return
        self.send(body)
