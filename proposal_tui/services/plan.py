"""The plan without a text editor: people, milestones and sections added, changed, renamed
and removed by a manager, each one commit of proposal.toml with its comments and layout kept
(:func:`~proposal_tui.store.manifest_edit.apply_edit`, tomlkit).

A renamed section keeps its id's past in ``renamed_from``: comment events are never rewritten
(they are files on a shared branch), so threads written under a former id are read as the
section's own, and a former id still names the section in every command.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import tomlkit

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.manifest import (
    HANDLE_RE,
    MILESTONE_KINDS,
    SECTION_ID_RE,
    check_section_path,
)
from proposal_tui.domain.model import Manifest, Milestone, Person, Role, Section
from proposal_tui.domain.permissions import require
from proposal_tui.services.edits import find_section, initial_text, toml_number
from proposal_tui.services.identity import identity_of
from proposal_tui.store.manifest_edit import (
    Document,
    apply_edit,
    check_new_file_path,
    insert_table,
    remove_table,
    section_table,
    set_key,
    table_where,
    toml_date,
)
from proposal_tui.store.repo import ProposalRepo

ROLES = tuple(r.value for r in Role)
UNSET = "none"  # what `section set --word-limit none` and friends take to remove a value


def _person(manifest: Manifest, handle: str) -> Person:
    person = manifest.person(handle)
    if person is None:
        known = ", ".join(p.handle for p in manifest.people)
        raise ProposalError(f"unknown person '{handle}' (people: {known})")
    return person


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ProposalError(f"unknown role '{role}' (use {', '.join(ROLES)})")
    return role


def _check_email(email: str) -> str:
    if email and ("@" not in email or any(c.isspace() for c in email)):
        raise ProposalError(f"invalid e-mail address '{email}'")
    return email


def _one_line(value: str, what: str) -> str:
    if not value.strip() or any(c in value for c in "\r\n\x00"):
        raise ProposalError(f"{what} must be one non-empty line")
    return value


def _managers_left(manifest: Manifest, without: str) -> bool:
    return any(p.role is Role.MANAGER for p in manifest.people if p.handle != without)


def keys_going(manifest: Manifest, handle: str, *, done: bool = True) -> str:
    """What removing ``handle`` does to `proposal serve`, for the messages that ask and
    confirm ("" when they hold no SSH key): their ``keys`` go with their [[people]] entry,
    so those keys log nobody in any more."""
    person = manifest.person(handle)
    count = len(person.keys) if person else 0
    if not count:
        return ""
    keys = "1 SSH key" if count == 1 else f"{count} SSH keys"
    verb = "went" if done else "goes" if count == 1 else "go"
    return (f"{handle}'s {keys} {verb} with them: "
            f"{'it' if count == 1 else 'they'} can no longer log in to `proposal serve`")


@dataclass(frozen=True)
class PlanService:
    """``workspace.plan``: each method checks the actor may edit the plan, refuses bad input
    with one line (nothing written), commits once and returns the commit's sha."""

    repo: ProposalRepo
    effective_status: Callable[[str], str | None]  # a section's status now (for renames)

    def _commit(self, actor: Person, edit: Callable[[Document], dict[str, bytes] | None],
                message: str) -> str:
        return apply_edit(self.repo, lambda doc: edit(doc) or {}, message, identity_of(actor))

    # -- people ---------------------------------------------------------------------------
    def add_person(self, manifest: Manifest, actor: Person, handle: str, *, name: str = "",
                   email: str = "", role: str = "writer") -> str:
        require(actor, "edit-plan")
        if not HANDLE_RE.match(handle):
            raise ProposalError(f"invalid handle '{handle}' (lower-case letters, digits, '.', "
                                "'_' or '-', starting with a letter)")
        if manifest.person(handle) is not None:
            raise ProposalError(f"person '{handle}' already exists")
        _check_role(role)
        _check_email(email)
        if name:
            _one_line(name, "a name")

        def edit(doc: Document) -> None:
            table = tomlkit.table()
            table["handle"] = handle
            table["name"] = name or handle
            if email:
                table["email"] = email
            table["role"] = role
            insert_table(doc, "people", table)

        return self._commit(actor, edit, f"Add {role} {handle}")

    def set_person(self, manifest: Manifest, actor: Person, handle: str, *,
                   name: str | None = None, email: str | None = None,
                   role: str | None = None) -> str:
        require(actor, "edit-plan")
        person = _person(manifest, handle)
        if name is None and email is None and role is None:
            raise ProposalError("nothing to change (give --name, --email or --role)")
        if name is not None:
            _one_line(name, "a name")
        if email is not None:
            _check_email(email)
        if role is not None and _check_role(role) != "manager" and \
                person.role is Role.MANAGER and not _managers_left(manifest, handle):
            raise ProposalError(f"{handle} is the only manager; make someone else manager "
                                "first (nothing was changed)")

        def edit(doc: Document) -> None:
            table = table_where(doc, "people", "handle", handle)
            assert table is not None
            for key, value in (("name", name), ("email", email), ("role", role)):
                if value is not None:
                    set_key(table, key, value or None)

        changed = ", ".join(k for k, v in (("name", name), ("email", email), ("role", role))
                            if v is not None)
        return self._commit(actor, edit, f"Change {handle}'s {changed}")

    def remove_person(self, manifest: Manifest, actor: Person, handle: str, *,
                      reassign: str | None = None, force: bool = False) -> str:
        """Refused while they own sections, unless ``reassign`` (their sections go to that
        person, in the same commit) or ``force`` (their sections are left without owner)."""
        require(actor, "edit-plan")
        person = _person(manifest, handle)
        owned = [s.id for s in manifest.ordered_sections if s.owner == handle]
        if reassign is not None:
            if reassign == handle:
                raise ProposalError("--reassign must name someone else")
            _person(manifest, reassign)
        if owned and reassign is None and not force:
            raise ProposalError(f"{handle} owns {len(owned)} section(s): {', '.join(owned)}; "
                                "give --reassign HANDLE or --force (nothing was changed)")
        if person.role is Role.MANAGER and not _managers_left(manifest, handle):
            raise ProposalError(f"{handle} is the only manager; make someone else manager "
                                "first (nothing was changed)")

        def edit(doc: Document) -> None:
            table = table_where(doc, "people", "handle", handle)
            assert table is not None
            remove_table(doc, "people", table)
            for section_id in owned:
                set_key(section_table(doc, section_id), "owner", reassign)

        tail = f"; sections to {reassign}" if reassign and owned else \
            "; their sections have no owner" if owned else ""
        return self._commit(actor, edit, f"Remove {handle}{tail}")

    # -- milestones -----------------------------------------------------------------------
    @staticmethod
    def _milestone(manifest: Manifest, name: str) -> Milestone:
        found = [m for m in manifest.milestones if m.name == name]
        if not found:
            known = ", ".join(m.name for m in manifest.milestones) or "none"
            raise ProposalError(f"unknown milestone '{name}' (milestones: {known})")
        if len(found) > 1:
            raise ProposalError(f"{len(found)} milestones are named '{name}'; edit "
                                f"{manifest.path} by hand")
        return found[0]

    def add_milestone(self, manifest: Manifest, actor: Person, name: str,
                      date: dt.date | dt.datetime, kind: str = "review") -> str:
        require(actor, "edit-plan")
        _one_line(name, "a milestone name")
        if any(m.name == name for m in manifest.milestones):
            raise ProposalError(f"milestone '{name}' already exists (move it with "
                                "'proposal milestone move')")
        if kind not in MILESTONE_KINDS:
            raise ProposalError(f"unknown milestone kind '{kind}' (use "
                                f"{', '.join(MILESTONE_KINDS)})")

        def edit(doc: Document) -> None:
            table = tomlkit.table()
            table["name"] = name
            table["date"] = toml_date(date)
            table["kind"] = kind
            # In date order among the others, so the file reads as the schedule does.
            later = [i for i, t in enumerate(doc.get("milestones") or [])
                     if _sort_key(t.get("date")) > _sort_key(date)]
            insert_table(doc, "milestones", table, later[0] if later else None)

        return self._commit(actor, edit, f"Add milestone {name} on {date.isoformat()}")

    def move_milestone(self, manifest: Manifest, actor: Person, name: str,
                       date: dt.date | dt.datetime) -> str:
        require(actor, "edit-plan")
        self._milestone(manifest, name)

        def edit(doc: Document) -> None:
            table = table_where(doc, "milestones", "name", name)
            assert table is not None
            table["date"] = toml_date(date)

        return self._commit(actor, edit, f"Move milestone {name} to {date.isoformat()}")

    def remove_milestone(self, manifest: Manifest, actor: Person, name: str) -> str:
        require(actor, "edit-plan")
        self._milestone(manifest, name)

        def edit(doc: Document) -> None:
            table = table_where(doc, "milestones", "name", name)
            assert table is not None
            remove_table(doc, "milestones", table)

        return self._commit(actor, edit, f"Remove milestone {name}")

    # -- sections -------------------------------------------------------------------------
    def remove_section(self, manifest: Manifest, actor: Person, section_id: str, *,
                       delete_file: bool = False) -> str:
        """The section leaves the plan; its file stays unless ``delete_file`` (then it is
        removed in the same commit, and stays in history). Its comment threads stay on the
        comment branch."""
        require(actor, "edit-plan")
        section = find_section(manifest, section_id)

        def edit(doc: Document) -> dict[str, bytes | None]:
            remove_table(doc, "sections", section_table(doc, section.id))
            return {section.file: None} if delete_file else {}

        return self._commit(actor, edit, f"Remove section {section.id}"  # type: ignore[arg-type]
                            + (f" and {section.file}" if delete_file else ""))

    def rename_section(self, manifest: Manifest, actor: Person, section_id: str,
                       new_id: str) -> str:
        """A new id; the file, history and comment threads stay with the section (the old id
        goes into ``renamed_from``). The declared status is written as the status in force,
        so a status a commit trailer set is not undone by the rename commit."""
        require(actor, "edit-plan")
        section = find_section(manifest, section_id)
        if not SECTION_ID_RE.match(new_id):
            raise ProposalError(f"invalid section id '{new_id}' (lower-case letters, digits, "
                                "'.', '_' or '-')")
        other = manifest.section(new_id)
        if other is not None and other.id != section.id:
            raise ProposalError(f"'{new_id}' is already section '{other.id}'s id"
                                + ("" if other.id == new_id else " (a former id)"))
        if new_id == section.id:
            raise ProposalError(f"section '{section.id}' already has that id")
        former = [f for f in (*section.renamed_from, section.id) if f != new_id]
        status = self.effective_status(section.id)

        def edit(doc: Document) -> None:
            table = section_table(doc, section.id)
            table["id"] = new_id
            set_key(table, "renamed_from", former)
            if status is not None and status != section.status.value:
                table["status"] = status

        return self._commit(actor, edit, f"Rename section {section.id} to {new_id}")

    def set_section(self, manifest: Manifest, actor: Person, section_id: str, *,
                    title: str | None = None, file: str | None = None,
                    word_limit: int | str | None = None,
                    page_limit: float | str | None = None,
                    requirements: list[str] | None = None) -> str:
        """Change what is given; a limit of :data:`UNSET` removes it. A new ``file`` is
        checked as `section add` checks it (see :meth:`_new_file` for what happens to the
        text)."""
        require(actor, "edit-plan")
        section = find_section(manifest, section_id)
        if title is not None:
            _one_line(title, "a title")
        limits = {"word_limit": _limit(word_limit, "--word-limit", int),
                  "page_limit": _limit(page_limit, "--page-limit", float)}
        files: dict[str, bytes | None] = {}
        if file is not None and file != section.file:
            files = self._new_file(manifest, section, file, title or section.title)
        if all(v is None for v in (title, file, word_limit, page_limit, requirements)):
            raise ProposalError("nothing to change (give --title, --file, --word-limit, "
                                "--page-limit or --requirements)")

        def edit(doc: Document) -> dict[str, bytes | None]:
            table = section_table(doc, section.id)
            for key, value in (("title", title), ("file", file)):
                if value is not None:
                    table[key] = value
            for key, value in limits.items():
                if value is not None:
                    set_key(table, key, None if value == UNSET else value)
            if requirements is not None:
                table["requirements"] = requirements
            return files

        given = [k for k, v in (("title", title), ("file", file), ("word limit", word_limit),
                                ("page limit", page_limit), ("requirements", requirements))
                 if v is not None]
        return self._commit(actor, edit, f"Change {section.id}'s {', '.join(given)}")

    def _new_file(self, manifest: Manifest, section: Section, file: str,
                  title: str) -> dict[str, bytes | None]:
        """What a new ``file`` means: an existing file is pointed at; else the section's text
        moves there in the same commit (git sees the rename, so its history follows), or a
        stub with a heading is made when it has no committed text."""
        if why := check_section_path(file):
            raise ProposalError(f"file '{file}' {why}")
        holder = next((s for s in manifest.sections if s.file == file), None)
        if holder is not None:
            raise ProposalError(f"file '{file}' is already the file of section "
                                f"'{holder.id}'")
        check_new_file_path(self.repo, file)
        contents = self.repo.read_files([file, section.file])
        new, old = contents[file], contents[section.file]
        if new.problem:
            raise ProposalError(new.problem, file)
        if new.committed is not None or new.working is not None:
            return {}
        if old.committed is not None and not old.problem:
            if old.uncommitted:
                raise ProposalError(f"{section.file} has uncommitted changes; commit them "
                                    "first (nothing was changed)")
            return {file: old.committed, section.file: None}
        stub = initial_text(self.repo, file, title)
        return {} if stub is None else {file: stub}


def _limit(value: int | float | str | None, flag: str,
           kind: type[int] | type[float]) -> int | float | str | None:
    """A limit as given on the command line: a positive number, ``none`` or not given."""
    if value is None or value == UNSET:
        return value
    try:
        number = toml_number(float(value) if kind is float else int(value))
    except (TypeError, ValueError):
        noun = "number" if kind is float else "whole number"
        raise ProposalError(f"{flag}: '{value}' is not a {noun} (or '{UNSET}' to remove "
                            "it)") from None
    if number <= 0:
        raise ProposalError(f"{flag} must be positive (or '{UNSET}' to remove it)")
    return number


def _sort_key(value: object) -> str:
    """Dates and date-times of one manifest compare as their ISO text (same zone assumed)."""
    return value.isoformat() if isinstance(value, dt.date) else str(value)
