"""Who may do what. The app's checks guard against mistakes; on a shared server the git
hook and file permissions are the real enforcement (see README, "Reviewers over SSH")."""

from __future__ import annotations

from proposal_tui.domain.errors import PermissionDenied
from proposal_tui.domain.model import Person, Role, Section

MANAGER_ONLY = {"assign", "set-due", "add-section", "edit-plan", "manage-rounds",
                "manage-keys"}


def can(person: Person, action: str, section: Section | None = None,
        comment_author: str | None = None) -> bool:
    if person.role is Role.MANAGER:
        return True
    if action in ("comment", "reply"):
        return True
    if action in ("resolve", "reopen"):
        return comment_author == person.handle or person.role is Role.WRITER and \
            section is not None and section.owner == person.handle
    if action in ("set-status", "edit-section"):
        return person.role is Role.WRITER and section is not None and \
            section.owner == person.handle
    return False


def require(person: Person, action: str, section: Section | None = None,
            comment_author: str | None = None) -> None:
    if not can(person, action, section, comment_author):
        target = f" on section '{section.id}'" if section else ""
        raise PermissionDenied(f"{person.handle} ({person.role.value}) may not {action}{target}")
