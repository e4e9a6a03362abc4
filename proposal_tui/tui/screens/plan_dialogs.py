"""The plan screen's form: a few one-line fields, saved by a service call in a worker.

A refused edit is said in the dialog, which keeps what was typed and stays open; the dialog
closes only once the commit is made (its sha is the result).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label
from textual.worker import Worker, WorkerState

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.text import one_line
from proposal_tui.tui.screens.dialogs import Dialog

Values = dict[str, str]


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    value: str = ""
    placeholder: str = ""


class FormDialog(Dialog[str]):
    """``save(values)`` runs in a thread and returns the commit's sha, or raises
    :class:`ProposalError` (shown here, the fields kept)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "save", id="form-save", priority=True),
    ]

    def __init__(self, title: Text, fields: list[Field], save: Callable[[Values], str]) -> None:
        super().__init__(title, "tab moves between fields · enter or ctrl+s saves · esc cancels")
        self.fields = fields
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield from self.header()
            for field in self.fields:
                with Horizontal(classes="dialog-row form-row"):
                    yield Label(Text(field.label), classes="form-label")
                    yield Input(value=field.value, placeholder=field.placeholder,
                                id=f"field-{field.key}", classes="form-input")
            yield Label("", id="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def values(self) -> Values:
        return {f.key: self.query_one(f"#field-{f.key}", Input).value for f in self.fields}

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.query_one("#dialog-error", Label).update(Text("saving…"))
        self._save(self.values())

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _save(self, values: Values) -> tuple[bool, str]:
        """(True, sha) or (False, why); the dialog closes once this worker has ended (closing
        it from inside would cancel the worker that is closing it)."""
        try:
            return True, self.save(values)
        except ProposalError as exc:
            return False, one_line(str(exc), 300)
        except Exception as exc:  # noqa: BLE001 - said in the dialog, never fatal
            return False, one_line(f"{type(exc).__name__}: {exc}", 300)

    @on(Worker.StateChanged)
    def _saved(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.SUCCESS or event.worker.group != "form-save":
            return
        ok, text = event.worker.result
        if ok:
            self.dismiss(text)
        else:
            self.query_one("#dialog-error", Label).update(Text(text))
