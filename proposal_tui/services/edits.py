"""Plan changes a manager (or a writer, for their own status) makes from the CLI or the TUI."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import tomlkit

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.manifest import SECTION_ID_RE, check_section_path
from proposal_tui.domain.model import (
    STATUS_VALUES,
    Manifest,
    Person,
    Section,
    Status,
    parse_status,
)
from proposal_tui.domain.permissions import require
from proposal_tui.services.identity import identity_of
from proposal_tui.store.manifest_edit import (
    Document,
    apply_edit,
    check_new_file_path,
    insert_table,
    section_table,
    set_key,
    toml_date,
)
from proposal_tui.store.repo import ProposalRepo


def find_section(manifest: Manifest, section_id: str) -> Section:
    """The section with this id (or former id), or a one-line error naming some that exist."""
    section = manifest.section(section_id)
    if section is None:
        known = ", ".join(s.id for s in manifest.ordered_sections[:8])
        raise ProposalError(f"unknown section '{section_id}' (known: {known}"
                            f"{', ...' if len(manifest.sections) > 8 else ''})")
    return section


def assign(repo: ProposalRepo, manifest: Manifest, actor: Person, section_id: str,
           handle: str) -> str:
    section = find_section(manifest, section_id)
    require(actor, "assign", section)
    if manifest.person(handle) is None:
        raise ProposalError(f"unknown person '{handle}' (not in {manifest.path} [[people]])")

    def edit(doc: Document) -> dict[str, bytes]:
        set_key(section_table(doc, section.id), "owner", handle)
        return {}

    return apply_edit(repo, edit, f"Assign {section_id} to {handle}", identity_of(actor))


def set_status(repo: ProposalRepo, manifest: Manifest, actor: Person, section_id: str,
               status_text: str) -> str:
    section = find_section(manifest, section_id)
    status = parse_status(status_text)
    if status is None:
        raise ProposalError(f"unknown status '{status_text}' (use {', '.join(STATUS_VALUES)})")
    require(actor, "set-status", section)

    def edit(doc: Document) -> dict[str, bytes]:
        set_key(section_table(doc, section.id), "status", status.value)
        return {}

    return apply_edit(repo, edit, f"Set {section_id} status to {status.value}",
                      identity_of(actor))


def parse_due(text: str) -> dt.date | dt.datetime:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
    except ValueError:
        raise ProposalError(f"invalid date '{text}' (use YYYY-MM-DD or an ISO date-time "
                            "such as 2026-12-18T17:00-05:00)") from None


def set_due(repo: ProposalRepo, manifest: Manifest, actor: Person, section_id: str,
            due: dt.date | dt.datetime | None) -> str:
    section = find_section(manifest, section_id)
    require(actor, "set-due", section)

    def edit(doc: Document) -> dict[str, bytes]:
        set_key(section_table(doc, section.id), "due", toml_date(due) if due else None)
        return {}

    label = due.isoformat() if due else "none"
    return apply_edit(repo, edit, f"Set {section_id} due date to {label}", identity_of(actor))


def default_file(section_id: str, order: int) -> str:
    return f"sections/{order:03d}-{section_id}.md"


def add_section(repo: ProposalRepo, manifest: Manifest, actor: Person, *, section_id: str,
                title: str, file: str | None = None, owner: str | None = None,
                due: dt.date | dt.datetime | None = None, word_limit: int | None = None,
                page_limit: float | None = None, requirements: list[str] | None = None,
                order: int | None = None) -> str:
    require(actor, "add-section")
    if not SECTION_ID_RE.match(section_id):
        raise ProposalError(f"invalid section id '{section_id}' (lower-case letters, digits, "
                            "'.', '_' or '-')")
    if manifest.section(section_id):
        raise ProposalError(f"section '{section_id}' already exists")
    if owner is not None and manifest.person(owner) is None:
        raise ProposalError(f"unknown person '{owner}' (not in {manifest.path} [[people]])")
    if order is None:
        order = max((s.order for s in manifest.sections), default=0) + 10
    file = file or default_file(section_id, order)
    if why := check_section_path(file):
        raise ProposalError(f"file '{file}' {why}")
    check_new_file_path(repo, file)  # before reading or writing anything through it
    stub = initial_text(repo, file, title)

    def edit(doc: Document) -> dict[str, bytes]:
        table = tomlkit.table()
        for key, value in (("id", section_id), ("title", title), ("file", file),
                           ("owner", owner), ("due", toml_date(due) if due else None),
                           ("word_limit", word_limit),
                           ("page_limit", toml_number(page_limit) if page_limit else None),
                           ("requirements", requirements or []), ("status",
                                                                 Status.NOT_STARTED.value),
                           ("order", order)):
            if value is not None:
                table[key] = value
        insert_table(doc, "sections", table)
        return {} if stub is None else {file: stub}

    return apply_edit(repo, edit, f"Add section {section_id}: {title}", identity_of(actor))


def toml_number(value: float) -> int | float:
    """A whole number as an integer: ``page_limit = 1``, not ``1.0``."""
    return int(value) if float(value).is_integer() else value


def initial_text(repo: ProposalRepo, file: str, title: str) -> bytes | None:
    """The file to commit with a new section: existing text if the writer already has it."""
    content = repo.read_files([file])[file]
    if content.problem:
        raise ProposalError(content.problem, file)
    if content.committed is not None:
        return None
    if content.working is not None:
        return content.working
    heading = re.sub(r"\s+", " ", title).strip()
    if file.endswith(".tex"):
        return f"\\section{{{heading}}}\n\n".encode()
    if file.endswith(".rst"):
        return f"{heading}\n{'=' * max(3, len(heading))}\n\n".encode()
    if file.endswith(".md") or file.endswith(".markdown"):
        return f"# {heading}\n\n".encode()
    return f"{heading}\n\n".encode()


@dataclass(frozen=True)
class PlanEdits:
    """The plan edits above, bound to one repository (what a workspace hands its front ends:
    ``workspace.edits.assign(manifest, actor, "risk", "raj")``)."""

    repo: ProposalRepo

    def assign(self, manifest: Manifest, actor: Person, section_id: str, handle: str) -> str:
        return assign(self.repo, manifest, actor, section_id, handle)

    def set_status(self, manifest: Manifest, actor: Person, section_id: str,
                   status_text: str) -> str:
        return set_status(self.repo, manifest, actor, section_id, status_text)

    def set_due(self, manifest: Manifest, actor: Person, section_id: str,
                due: dt.date | dt.datetime | None) -> str:
        return set_due(self.repo, manifest, actor, section_id, due)

    def add_section(self, manifest: Manifest, actor: Person, **fields: Any) -> str:
        """Keyword arguments as :func:`add_section` takes them."""
        return add_section(self.repo, manifest, actor, **fields)
