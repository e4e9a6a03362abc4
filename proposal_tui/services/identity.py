"""Who is acting: --as, then PROPOSAL_USER, then git identity or the login name.

Unless the server fixed it: a gated SSH key's forced command sets ``PROPOSAL_PUSHER``, and
then that person acts, and a claim to be somebody else (``--as``, ``PROPOSAL_USER``, a git
``user.email`` of another person) is refused, never quietly overridden.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from proposal_tui.domain.errors import PermissionDenied, ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.domain.model import Manifest, Person
from proposal_tui.domain.text import one_line
from proposal_tui.store.repo import ProposalRepo

FIXED_BY_SERVER = "PROPOSAL_PUSHER"


def fixed_identity(env: Mapping[str, str] = os.environ) -> str | None:
    """The handle the server fixed for this session, or None when the user may say."""
    return env.get(FIXED_BY_SERVER, "").strip() or None


def _fixed_person(manifest: Manifest, repo: ProposalRepo, fixed: str, explicit: str | None,
                  env: Mapping[str, str]) -> tuple[Person, str]:
    for source, value in (("--as", explicit), ("PROPOSAL_USER", env.get("PROPOSAL_USER"))):
        if value:
            raise PermissionDenied(f"{source} is refused: the server fixes who you are "
                                   f"('{fixed}', from {FIXED_BY_SERVER})")
    person = manifest.person(fixed)
    if person is None:
        raise PermissionDenied(f"'{fixed}' (from {FIXED_BY_SERVER}) is not in "
                               f"{manifest.path} [[people]]")
    email = repo.git_config("user.email").lower()
    other = next((p for p in manifest.people if p.email and p.email.lower() == email), None)
    if other is not None and other.handle != person.handle:
        raise PermissionDenied(f"git user.email names '{other.handle}', but the server fixes "
                               f"who you are ('{fixed}', from {FIXED_BY_SERVER})")
    return person, FIXED_BY_SERVER


def find_person(manifest: Manifest, repo: ProposalRepo, explicit: str | None,
                env: Mapping[str, str] = os.environ) -> tuple[Person | None, str]:
    """The matching person (or None) and how we looked them up, for messages."""
    fixed = fixed_identity(env)
    if fixed:
        return _fixed_person(manifest, repo, fixed, explicit, env)
    for source, value in (("--as", explicit), ("PROPOSAL_USER", env.get("PROPOSAL_USER"))):
        if value:
            person = manifest.person(value.strip()) or next(
                (p for p in manifest.people if p.email and p.email.lower() == value.lower()),
                None)
            if person is None:
                raise ProposalError(f"unknown person '{value}' (from {source}): not in "
                                    f"{manifest.path} [[people]]")
            return person, source
    email = repo.git_config("user.email").lower()
    if email:
        person = next((p for p in manifest.people if p.email.lower() == email), None)
        if person:
            return person, "git user.email"
    login = env.get("USER") or env.get("LOGNAME") or ""
    if login and (person := manifest.person(login)):
        return person, "$USER"
    return None, f"git user.email '{email}' / $USER '{login}'"


@dataclass(frozen=True)
class Actor:
    """Who is acting, or why nobody is (then the app is read-only)."""

    person: Person | None
    how: str  # "--as", "PROPOSAL_USER", "git user.email", or why the lookup failed

    @property
    def label(self) -> str:
        if self.person is None:
            return "read-only (unknown user)"
        return f"{self.person.handle} ({self.person.role.value})"


def resolve_actor(manifest: Manifest, repo: ProposalRepo, explicit: str | Person | None,
                  env: Mapping[str, str] | None = None) -> Actor:
    """The acting person; an unknown one browses read-only instead of being refused."""
    if isinstance(explicit, Person):
        return Actor(explicit, "given")
    try:
        person, how = find_person(manifest, repo, explicit, os.environ if env is None else env)
    except ProposalError as exc:
        return Actor(None, one_line(exc.message, 80))
    if person is None:
        return Actor(None, one_line(f"{how} match nobody in {manifest.path}", 80))
    return Actor(person, how)


def acting_person(manifest: Manifest, repo: ProposalRepo, explicit: str | None,
                  env: Mapping[str, str] = os.environ) -> Person:
    person, how = find_person(manifest, repo, explicit, env)
    if person is None:
        raise ProposalError(f"cannot tell who you are ({how} match nobody in "
                            f"{manifest.path}); pass --as HANDLE or set PROPOSAL_USER")
    return person


def identity_of(person: Person) -> Identity:
    return Identity(name=person.name or person.handle,
                    email=person.email or f"{person.handle}@proposal.invalid")
