"""Per-person load: sections, words written, overdue, open comments. Enter filters the table."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from proposal_tui.domain.rollup import OwnerSummary, owner_summaries
from proposal_tui.services.snapshot import Snapshot
from proposal_tui.tui.cells import Look, column_cell, compact_number, plain, style
from proposal_tui.tui.widgets.kept_cells import KeptCells
from proposal_tui.tui.widgets.keyed import apply_rows
from proposal_tui.tui.widgets.look import LookMixin
from proposal_tui.tui.widgets.set_widths import SetWidths

ALL = "*"  # row key of "everyone"; "" is the unassigned group (OwnerSummary.handle == "")
COLUMNS = (("mark", "", 1), ("owner", "owner", 8), ("name", "name", 0),
           ("sections", "sec", 3), ("words", "words", 5), ("pages", "pages", 5),
           ("over", "over", 4), ("late", "late", 4),
           ("risk", "risk", 4), ("comments", "💬", 3))


def row_key(handle: str) -> str:
    return "@none" if handle == "" else handle


class OwnersTable(LookMixin, KeptCells, SetWidths, DataTable[Text]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "filter by owner", id="owner-filter"),
        Binding("j", "cursor_down", "down", show=False, id="owners-down"),
        Binding("k", "cursor_up", "up", show=False, id="owners-up"),
    ]

    class Chosen(Message):
        """The user picked an owner (None: everyone, "": unassigned)."""

        def __init__(self, owner: str | None) -> None:
            super().__init__()
            self.owner = owner

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", cell_padding=0,
                         zebra_stripes=False)
        self.snapshot: Snapshot | None = None
        self.active: str | None = None
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._name_width = 0

    def on_mount(self) -> None:
        self._columns()

    def _columns(self) -> bool:
        fixed = sum(w + 1 for key, _l, w in COLUMNS if key != "name")
        name_width = max(0, (self.size.width or 60) - fixed - 3)
        if name_width == self._name_width and self.columns:
            return False
        self._name_width = name_width
        self.clear(columns=True)
        self._cells.clear()
        for key, label, width in COLUMNS:
            width = name_width if key == "name" else width
            if width:
                self.add_column(Text(" " + label, end=""), width=width + 1, key=key)
        return True

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.sync()

    def set_active(self, owner: str | None) -> None:
        self.active = owner
        self.sync()

    def restyle(self) -> None:
        self._cells.clear()
        self.clear()
        self.sync()

    def _row(self, key: str, summary: OwnerSummary | None, look: Look) -> tuple[Text, ...]:
        active = (self.active is None) if key == ALL else (
            summary is not None and self.active == summary.handle)
        mark = Text("▸" if active else " ", style=style(look, "accent"))
        if summary is None:
            snap = self.snapshot
            assert snap is not None
            values: dict[str, Text] = {
                "owner": Text("everyone", style=style(look, "strong")), "name": Text(""),
                "sections": Text(str(len(snap.states))),
                "words": Text(compact_number(sum(s.words for s in snap.states))),
                "pages": Text(f"{sum(s.pages for s in snap.states):.1f}"),
                "over": Text(str(sum(s.over_limit for s in snap.states))),
                "late": Text(str(sum(s.overdue for s in snap.states))),
                "risk": Text(str(sum(s.at_risk for s in snap.states))),
                "comments": Text(str(sum(s.open_comments for s in snap.states)))}
        else:
            values = {
                "owner": plain(summary.handle or "—", style(look, "strong")),
                "name": plain(summary.name, style(look, "muted")),
                "sections": Text(str(summary.sections)),
                "words": Text(compact_number(summary.words)),
                "pages": Text(f"{summary.pages:.1f}"),
                "over": Text(f"▲{summary.over_limit}" if summary.over_limit else "0",
                             style=style(look, "error") if summary.over_limit else
                             style(look, "muted")),
                "late": Text(f"✖{summary.overdue}" if summary.overdue else "0",
                             style=style(look, "overdue") if summary.overdue else
                             style(look, "muted")),
                "risk": Text(f"⚠{summary.at_risk}" if summary.at_risk else "0",
                             style=style(look, "at-risk") if summary.at_risk else
                             style(look, "muted")),
                "comments": Text(str(summary.open_comments), style=style(
                    look, "accent" if summary.open_comments else "muted"))}
        values["mark"] = mark
        out = []
        for ckey, _label, width in COLUMNS:
            width = self._name_width if ckey == "name" else width
            if width:
                out.append(column_cell(values[ckey], width))
        return tuple(out)

    def sync(self) -> None:
        if self.snapshot is None:
            return
        self._columns()
        look = self.look()
        summaries = owner_summaries(self.snapshot.manifest, list(self.snapshot.states))
        rows: dict[str, tuple[Text, ...]] = {ALL: self._row(ALL, None, look)}
        for summary in summaries:
            rows[row_key(summary.handle)] = self._row(row_key(summary.handle), summary, look)
        keys = [c for c, _l, w in COLUMNS if w or (c == "name" and self._name_width)]
        apply_rows(self, self._cells, rows, keys)

    def on_resize(self) -> None:
        if self._columns():
            self.sync()

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value
        if key is None:
            return
        owner = None if key == ALL else ("" if key == "@none" else key)
        if owner == self.active:
            owner = None  # choosing the active owner again clears the filter
        self.post_message(self.Chosen(owner))
