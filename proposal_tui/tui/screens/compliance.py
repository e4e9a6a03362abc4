"""The compliance matrix: each requirement, the sections answering it and their status, and
what needs attention (unanswered requirements, unknown references, mandatory requirements
answered only by sections not started yet).

The matrix is :meth:`ComplianceService.matrix` on the app's current snapshot, computed in a
thread worker, again after each of the app's loads (so a commit or a save made while the screen
is open shows); rows update in place and the cursor stays on its requirement. ``enter`` on a
requirement filters the dashboard to its sections (``req:ID``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from proposal_tui.domain.compliance import Matrix, MatrixRow
from proposal_tui.domain.text import one_line
from proposal_tui.tui.cells import Look, plain, status_name, style
from proposal_tui.tui.screens.views import ViewFailed, ViewLoaded, ViewScreen
from proposal_tui.tui.widgets.footer import KeyFooter
from proposal_tui.tui.widgets.keyed import apply_rows
from proposal_tui.tui.widgets.look import LookMixin

if TYPE_CHECKING:
    from proposal_tui.services.dashboard_data import DashboardData
    from proposal_tui.services.snapshot import Snapshot

COLUMNS = ("requirement", "m", "answered", "text")


def mandatory_cell(row: MatrixRow, look: Look) -> Text:
    if not row.requirement.mandatory:
        return Text("", end="")
    if not row.answered:
        return Text("!", style=style(look, "error"), end="")
    if row.only_not_started:
        return Text("⚠", style=style(look, "warning"), end="")
    return Text("*", end="")


def answers_cell(row: MatrixRow, look: Look) -> Text:
    if not row.answers:
        return Text("— none", style=style(look, "error" if row.requirement.mandatory
                                          else "warning"), end="")
    out = Text(end="")
    for i, answer in enumerate(row.answers):
        if i:
            out.append(", ")
        out.append(answer.status.symbol + " ", style=style(look, status_name(answer.status)))
        out.append_text(plain(answer.section, limit=30))
    return out


def matrix_rows(matrix: Matrix, look: Look) -> dict[str, tuple[Text, ...]]:
    rows: dict[str, tuple[Text, ...]] = {}
    for row in matrix.rows:
        rows.setdefault(row.requirement.id, (
            plain(row.requirement.id, limit=24), mandatory_cell(row, look),
            answers_cell(row, look), plain(row.requirement.text, limit=200)))
    return rows


def problems_text(matrix: Matrix, look: Look) -> Text:
    """What needs attention, one line each; requirement ids and texts are literal."""
    if not matrix.has_requirements_file:
        return Text("No requirements.toml yet: import the solicitation's requirements with "
                    "'proposal requirements import FILE.csv'.", style=style(look, "muted"))
    answered = sum(1 for r in matrix.rows if r.answered)
    out = Text(f"{answered}/{len(matrix.rows)} requirements answered by at least one section",
               style=style(look, "strong"))
    for requirement in matrix.unanswered:
        out.append("\n")
        mandatory = requirement.mandatory
        out.append("✖ unanswered " if mandatory else "· unanswered ",
                   style=style(look, "error" if mandatory else "warning"))
        out.append("(mandatory) " if mandatory else "(optional) ")
        out.append_text(plain(requirement.id, style(look, "strong"), limit=30))
        out.append(": ")
        out.append_text(plain(requirement.text, limit=90))
    for row in matrix.mandatory_not_started:
        out.append("\n")
        out.append("⚠ only not-started sections answer ", style=style(look, "warning"))
        out.append_text(plain(row.requirement.id, style(look, "strong"), limit=30))
        out.append(": ")
        out.append_text(plain(", ".join(a.section for a in row.answers), limit=90))
    for ref in matrix.unknown:
        out.append("\n")
        out.append("? unknown requirement ", style=style(look, "error"))
        out.append_text(plain(ref.requirement, style(look, "strong"), limit=30))
        out.append(" named by section ")
        out.append_text(plain(ref.section, limit=30))
        if ref.line:
            out.append(f" (proposal.toml:{ref.line})", style=style(look, "muted"))
    return out


class ComplianceTable(LookMixin, DataTable[Text]):
    """The matrix, its cells coloured with the app's look."""


class ComplianceScreen(ViewScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the table would otherwise take enter (and hide it from footer and palette)
        Binding("enter", "open_requirement", "its sections", id="compliance-sections",
                priority=True),
        Binding("L", "library", "library", id="compliance-library", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="compliance-screen")
        self.matrix: Matrix | None = None
        self.error: str | None = None
        self._asked = -1  # the app's load generation the newest read answers
        self._shown: dict[str, tuple[Text, ...]] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="compliance-body", classes="pane"):
            yield ComplianceTable(id="compliance-table", cursor_type="row", zebra_stripes=True)
            yield Static(Text("reading the requirements…"), id="compliance-problems")
        yield KeyFooter()

    def on_mount(self) -> None:
        body = self.query_one("#compliance-body")
        body.border_title = "Compliance matrix"
        body.border_subtitle = "enter: its sections · esc back"
        table = self.query_one(ComplianceTable)
        for key, label in zip(COLUMNS, ("Requirement", "M", "Answered by (status)", "Text")):
            table.add_column(label, key=key)
        table.focus()
        self.show(self.papp.data)

    def show(self, data: DashboardData) -> None:
        """The app loaded new data: recompute (requirements.toml is re-read too, and only the
        minute timer notices its edits)."""
        if data.generation != self._asked:
            self._asked = data.generation
            self._load(data.snapshot, data.generation)

    def restyle(self) -> None:
        self.render_matrix()

    @work(thread=True, exclusive=True, group="compliance", exit_on_error=False)
    def _load(self, snapshot: Snapshot | None, generation: int) -> None:
        compliance = self.papp.workspace.compliance
        self.post_answer(generation, lambda: compliance.matrix(snapshot)[0])

    @on(ViewLoaded)
    def _loaded(self, message: ViewLoaded) -> None:
        if message.key != self._asked:  # an older read finishing late
            return
        assert isinstance(message.value, Matrix)
        self.matrix = message.value
        self.error = None
        self.render_matrix()

    @on(ViewFailed)
    def _failed(self, message: ViewFailed) -> None:
        if message.key != self._asked:
            return
        self.error = message.error
        problems = self.query_one("#compliance-problems", Static)
        problems.update(plain(message.error, style(self.query_one(ComplianceTable).look(),
                                                   "error")))

    def render_matrix(self) -> None:
        if self.matrix is None:
            return
        table = self.query_one(ComplianceTable)
        look = table.look()
        current = self._cursor_key()
        rows = matrix_rows(self.matrix, look)
        apply_rows(table, self._shown, rows, list(COLUMNS))
        if current in rows:
            table.move_cursor(row=list(rows).index(current))
        self._show_problems()
        self.query_one("#compliance-body").border_title = \
            f"Compliance matrix · {len(self.matrix.rows)} requirements"

    def _cursor_key(self) -> str | None:
        table = self.query_one(ComplianceTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def selected_requirement(self) -> MatrixRow | None:
        key = self._cursor_key()
        if self.matrix is None or key is None:
            return None
        return next((r for r in self.matrix.rows if r.requirement.id == key), None)

    def _show_problems(self) -> None:
        """The highlighted requirement's whole text first (the column cuts it at narrow
        widths such as 80x24), then what needs attention."""
        if self.matrix is None:
            return
        look = self.query_one(ComplianceTable).look()
        text = Text(end="")
        row = self.selected_requirement()
        if row is not None:
            text.append_text(plain(row.requirement.id, style(look, "strong"), limit=30))
            text.append(": ")
            text.append_text(plain(row.requirement.text or "(no text)"))
            text.append("\n")
        text.append_text(problems_text(self.matrix, look))
        self.query_one("#compliance-problems", Static).update(text)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._show_problems()

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open_requirement()

    def action_library(self) -> None:
        """Past proposals' passages answering the requirement under the cursor."""
        from proposal_tui.tui.screens.library import LibraryScreen, open_library_view

        row = self.selected_requirement()
        if row is not None:
            open_library_view(self.papp, LibraryScreen(requirement_id=row.requirement.id))

    def action_open_requirement(self) -> None:
        row = self.selected_requirement()
        if row is None:
            return
        if not row.answers:
            self.notify(f"{one_line(row.requirement.id, 40)} is answered by no section yet; "
                        "name it in a section's requirements in proposal.toml",
                        title="no sections",
                        severity="warning", markup=False)
            return
        dashboard = self.papp.dashboard
        self.dismiss()
        if dashboard is not None:
            dashboard.set_query(f"req:{row.requirement.id}")
