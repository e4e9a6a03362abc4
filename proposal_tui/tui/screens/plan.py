"""The plan screen (``P``): people, milestones and sections as proposal.toml has them, and for
managers the edits `proposal person/milestone/section` make: ``a`` add, ``e`` change, ``n``
rename a section, ``x`` remove. Each is one commit made by a service (``workspace.plan``,
``workspace.edits``); this screen only collects the values and shows what was refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.model import Manifest, Person
from proposal_tui.domain.permissions import can
from proposal_tui.services.dashboard_data import DashboardData
from proposal_tui.services.edits import parse_due
from proposal_tui.services.plan import keys_going
from proposal_tui.tui.cells import plain
from proposal_tui.tui.screens.dialogs import PickDialog
from proposal_tui.tui.screens.plan_dialogs import Field, FormDialog, Values
from proposal_tui.tui.screens.views import ViewScreen
from proposal_tui.tui.widgets.footer import KeyFooter

Job = Callable[[Manifest, Person, Values], str]
TABLES = ("people", "milestones", "sections")
_EDITS = {"add", "change", "rename", "remove"}


def _limit(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _changed(values: Values, key: str, before: str, cleared: str | None = None) -> str | None:
    """The field's new value, None if untouched; ``cleared`` stands for an emptied field."""
    now = values[key].strip()
    if now == before:
        return None
    return cleared if not now and cleared is not None else now


class PlanScreen(ViewScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "add", id="plan-add"),
        Binding("e", "change", "change", id="plan-change"),
        Binding("n", "rename", "rename section", id="plan-rename"),
        Binding("x", "remove", "remove", id="plan-remove"),
    ]

    def __init__(self) -> None:
        super().__init__(id="plan-screen")
        self.manifest: Manifest | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="plan-body"):
            for name in TABLES:
                with Vertical(id=f"plan-{name}-pane", classes="pane plan-pane"):
                    yield DataTable(id=f"plan-{name}", cursor_type="row", zebra_stripes=True)
            yield Static("", id="plan-warnings")
        yield KeyFooter()

    def on_mount(self) -> None:
        columns = {"people": ("Handle", "Name", "E-mail", "Role", "Sections"),
                   "milestones": ("Name", "Date", "Kind"),
                   "sections": ("Id", "Title", "Owner", "File", "Words", "Pages",
                                "Requirements")}
        for name in TABLES:
            self.table(name).add_columns(*columns[name])
            self.query_one(f"#plan-{name}-pane").border_title = name.capitalize()
        self.table("sections").focus()
        self.show(self.papp.data)

    def table(self, name: str) -> DataTable:
        return self.query_one(f"#plan-{name}", DataTable)

    # -- showing --------------------------------------------------------------------------
    def show(self, data: DashboardData) -> None:
        if data.snapshot is None or data.snapshot.manifest is self.manifest:
            return
        self.manifest = manifest = data.snapshot.manifest
        zone = manifest.proposal.timezone
        owned = {p.handle: sum(1 for s in manifest.sections if s.owner == p.handle)
                 for p in manifest.people}
        self._fill("people", {p.handle: (plain(p.handle, "bold"), plain(p.name, limit=30),
                                         plain(p.email, limit=30), Text(p.role.value),
                                         Text(str(owned[p.handle])))
                              for p in manifest.people})
        self._fill("milestones", {str(i): (plain(m.name, limit=40),
                                           Text(f"{m.date.astimezone(zone):%a %d %b %Y}"),
                                           Text(m.kind))
                                  for i, m in enumerate(manifest.milestones)})
        self._fill("sections", {s.id: (plain(s.id, "bold"), plain(s.title, limit=40),
                                       plain(s.owner or "—"), plain(s.file, limit=40),
                                       Text(str(s.word_limit or "")),
                                       Text(_limit(s.page_limit)),
                                       plain(", ".join(s.requirements), limit=30))
                                for s in manifest.ordered_sections})
        warnings = self.query_one("#plan-warnings", Static)
        warnings.display = bool(manifest.warnings)
        warnings.update(Text("\n".join(manifest.warnings), style="bold"))
        self.refresh_bindings()

    def _fill(self, name: str, rows: dict[str, tuple[Text, ...]]) -> None:
        table = self.table(name)
        current = self.cursor_key(name)
        table.clear()
        for key, cells in rows.items():
            table.add_row(*cells, key=key)
        if current in rows:
            table.move_cursor(row=list(rows).index(current))

    def restyle(self) -> None:
        """Cells carry no theme colours."""

    def cursor_key(self, name: str) -> str | None:
        table = self.table(name)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def focused_table(self) -> str:
        focused = self.focused
        for name in TABLES:
            if focused is self.table(name):
                return name
        return "sections"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in _EDITS:
            return True
        person = self.papp.data.actor.person
        if person is None or not can(person, "edit-plan"):
            return False  # the plan is the managers' to change
        if action == "rename":
            return self.focused_table() == "sections" or None
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    # -- edits ----------------------------------------------------------------------------
    def _form(self, title: str, fields: list[Field], job: Job, done: str) -> None:
        workspace = self.papp.workspace

        def save(values: Values) -> str:
            manifest = workspace.proposals.manifest()
            actor = workspace.resolve_actor(manifest)
            if actor.person is None:
                raise ProposalError(f"read-only: {actor.how}")
            return job(manifest, actor.person, values)

        def finished(sha: str | None) -> None:
            if sha:
                self.notify(f"{done} ({sha[:10]})", title="done", markup=False)
                self.papp.request_refresh("edit")

        self.app.push_screen(FormDialog(Text(title), fields, save), finished)

    def action_add(self) -> None:
        plan, edits = self.papp.workspace.plan, self.papp.workspace.edits
        name = self.focused_table()
        if name == "people":
            self._form("Add a person", [
                Field("handle", "handle", placeholder="lower-case, e.g. ana"),
                Field("name", "name"), Field("email", "e-mail"),
                Field("role", "role", "writer", "manager, writer or reviewer")],
                lambda m, p, v: plan.add_person(m, p, v["handle"].strip(), name=v["name"],
                                                email=v["email"].strip(),
                                                role=v["role"].strip()), "person added")
        elif name == "milestones":
            self._form("Add a milestone", [
                Field("name", "name"), Field("date", "date", placeholder="YYYY-MM-DD"),
                Field("kind", "kind", "review",
                      "kickoff, review, production, deadline or other")],
                lambda m, p, v: plan.add_milestone(m, p, v["name"].strip(),
                                                   parse_due(v["date"].strip()),
                                                   v["kind"].strip()), "milestone added")
        else:
            self._form("Add a section", [
                Field("id", "id", placeholder="lower-case, e.g. risk"), Field("title", "title"),
                Field("owner", "owner", placeholder="a handle (optional)"),
                Field("due", "due", placeholder="YYYY-MM-DD (optional)")],
                lambda m, p, v: edits.add_section(
                    m, p, section_id=v["id"].strip(), title=v["title"].strip(),
                    owner=v["owner"].strip() or None,
                    due=parse_due(v["due"].strip()) if v["due"].strip() else None),
                "section added")

    def action_change(self) -> None:
        manifest, name = self.manifest, self.focused_table()
        key = self.cursor_key(name)
        if manifest is None or key is None:
            return
        plan = self.papp.workspace.plan
        if name == "people":
            person = manifest.person(key)
            assert person is not None
            before = (person.name, person.email, person.role.value)
            self._form(f"Change {key}", [
                Field("name", "name", before[0]), Field("email", "e-mail", before[1]),
                Field("role", "role", before[2], "manager, writer or reviewer")],
                lambda m, p, v: plan.set_person(
                    m, p, key, name=_changed(v, "name", before[0]),
                    email=_changed(v, "email", before[1], ""),
                    role=_changed(v, "role", before[2])), f"{key} changed")
        elif name == "milestones":
            milestone = manifest.milestones[int(key)]
            day = milestone.date.astimezone(manifest.proposal.timezone).date().isoformat()
            self._form(f"Move {milestone.name}", [Field("date", "date", day)],
                       lambda m, p, v: plan.move_milestone(m, p, milestone.name,
                                                           parse_due(v["date"].strip())),
                       f"{milestone.name} moved")
        else:
            section = manifest.section(key)
            assert section is not None
            before_values = {"title": section.title, "file": section.file,
                             "words": str(section.word_limit or ""),
                             "pages": _limit(section.page_limit),
                             "reqs": ", ".join(section.requirements)}
            self._form(f"Change {key}", [
                Field("title", "title", before_values["title"]),
                Field("file", "file", before_values["file"]),
                Field("words", "word limit", before_values["words"], "a whole number"),
                Field("pages", "page limit", before_values["pages"], "a number"),
                Field("reqs", "requirements", before_values["reqs"], "L.1, M.2")],
                lambda m, p, v: plan.set_section(
                    m, p, key, title=_changed(v, "title", before_values["title"]),
                    file=_changed(v, "file", before_values["file"]),
                    word_limit=_changed(v, "words", before_values["words"], "none"),
                    page_limit=_changed(v, "pages", before_values["pages"], "none"),
                    requirements=None if _changed(v, "reqs", before_values["reqs"]) is None
                    else [r.strip() for r in v["reqs"].split(",") if r.strip()]),
                f"{key} changed")

    def action_rename(self) -> None:
        key = self.cursor_key("sections")
        if key is None or self.focused_table() != "sections":
            return
        plan = self.papp.workspace.plan
        self._form(f"Rename section {key}", [Field("id", "new id", key)],
                   lambda m, p, v: plan.rename_section(m, p, key, v["id"].strip()),
                   f"{key} renamed (its comments and history stay with it)")

    def action_remove(self) -> None:
        manifest, name = self.manifest, self.focused_table()
        key = self.cursor_key(name)
        if manifest is None or key is None:
            return
        plan = self.papp.workspace.plan
        choices: list[tuple[str, Text]] = [("keep", Text("keep it (cancel)"))]
        going = went = ""
        if name == "people":
            going, went = (keys_going(manifest, key, done=done) for done in (False, True))
            owned = [s.id for s in manifest.sections if s.owner == key]
            if owned:
                choices += [(f"to:{p.handle}", plain(f"remove; give {len(owned)} section(s) "
                                                     f"to {p.handle}"))
                            for p in manifest.people if p.handle != key]
                choices.append(("force", Text(f"remove; leave {len(owned)} section(s) "
                                              "without owner")))
            else:
                choices.append(("remove", plain(f"remove {key}")))

            def job(choice: str) -> Callable[[Manifest, Person], str]:
                return lambda m, p: plan.remove_person(
                    m, p, key, reassign=choice[3:] if choice.startswith("to:") else None,
                    force=choice == "force")
        elif name == "milestones":
            milestone = manifest.milestones[int(key)].name
            choices.append(("remove", plain(f"remove {milestone}")))

            def job(choice: str) -> Callable[[Manifest, Person], str]:
                return lambda m, p: plan.remove_milestone(m, p, milestone)
        else:
            choices += [("remove", Text("remove from the plan; keep its file")),
                        ("delete", Text("remove, and delete its file (kept in history)"))]

            def job(choice: str) -> Callable[[Manifest, Person], str]:
                return lambda m, p: plan.remove_section(m, p, key,
                                                        delete_file=choice == "delete")

        def done(choice: str | None) -> None:
            if choice and choice != "keep":
                self.papp.run_edit(job(choice), f"removed {key}" + (f" ({went})" if went else ""))

        title = plain(f"Remove {key}?" + (f" {going}." if going else ""))
        self.app.push_screen(PickDialog(title, choices, "keep"), done)
