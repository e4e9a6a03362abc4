"""The proposal as plain data: what proposal.toml says, with no git and no UI in sight."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from proposal_tui.domain.keys import PublicKey
from proposal_tui.domain.pages import BUILTIN_PROFILES, DEFAULT_PROFILE, PageFigure, PageProfile


class Status(str, enum.Enum):
    """Section stages, in the order a section normally moves through them."""

    NOT_STARTED = "not-started"
    DRAFTING = "drafting"
    READY_FOR_REVIEW = "ready-for-review"
    IN_REVIEW = "in-review"
    REVISING = "revising"
    APPROVED = "approved"
    NOT_APPLICABLE = "n/a"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def symbol(self) -> str:
        """A glyph so status reads without colour (256-colour SSH, monochrome terminals)."""
        return _SYMBOLS[self]

    @property
    def delivered(self) -> bool:
        """The writer has handed the section over: its due date is met."""
        return self in _DELIVERED


_LABELS = {
    Status.NOT_STARTED: "not started",
    Status.DRAFTING: "drafting",
    Status.READY_FOR_REVIEW: "ready for review",
    Status.IN_REVIEW: "in review",
    Status.REVISING: "revising",
    Status.APPROVED: "approved",
    Status.NOT_APPLICABLE: "n/a",
}
_SYMBOLS = {
    Status.NOT_STARTED: "○",
    Status.DRAFTING: "◐",
    Status.READY_FOR_REVIEW: "◑",
    Status.IN_REVIEW: "◕",
    Status.REVISING: "↻",
    Status.APPROVED: "✔",
    Status.NOT_APPLICABLE: "–",
}
_DELIVERED = frozenset(
    {Status.READY_FOR_REVIEW, Status.IN_REVIEW, Status.REVISING, Status.APPROVED,
     Status.NOT_APPLICABLE}
)
STATUS_VALUES = tuple(s.value for s in Status)


def parse_status(value: str) -> Status | None:
    """Accept the canonical value plus common spellings ("ready_for_review", "Approved", "na")."""
    key = value.strip().lower().replace("_", "-").replace(" ", "-")
    aliases = {"na": "n/a", "not-applicable": "n/a", "in-progress": "drafting",
               "ready": "ready-for-review", "review": "in-review"}
    key = aliases.get(key, key)
    try:
        return Status(key)
    except ValueError:
        return None


class Role(str, enum.Enum):
    MANAGER = "manager"
    WRITER = "writer"
    REVIEWER = "reviewer"


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    email: str = ""
    role: Role = Role.WRITER
    keys: tuple[PublicKey, ...] = ()  # SSH keys that log in as this person (`proposal serve`)


@dataclass(frozen=True)
class Milestone:
    name: str
    date: dt.datetime  # aware, in the proposal's time zone
    kind: str = "review"  # review, deadline, kickoff, production, other


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    file: str  # POSIX path relative to the repository root, validated
    owner: str | None = None
    due: dt.datetime | None = None  # aware; a bare date means the end of that day (23:59:59)
    word_limit: int | None = None
    page_limit: float | None = None
    requirements: tuple[str, ...] = ()
    status: Status = Status.NOT_STARTED
    order: int = 0
    line: int | None = None  # where its [[sections]] table starts in proposal.toml
    page_profile: str | None = None  # how its pages are typeset (None: the [pages] profile)
    renamed_from: tuple[str, ...] = ()  # its former ids: their comment threads are its own


@dataclass(frozen=True)
class ProposalInfo:
    title: str
    client: str = ""
    solicitation: str = ""
    due: dt.datetime | None = None  # aware submission deadline
    timezone: dt.tzinfo = dt.UTC
    words_per_page: int = 500
    kickoff: dt.date | None = None
    stale_days: int = 3
    outcome: str = ""  # after the decision: won, lost, ... (read by the library)


@dataclass(frozen=True)
class Manifest:
    proposal: ProposalInfo
    people: tuple[Person, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    sections: tuple[Section, ...] = ()
    path: str = "proposal.toml"
    server_keys: tuple[PublicKey, ...] = ()  # [server] keys: whose signatures we trust
    page_profile: str = DEFAULT_PROFILE  # [pages] profile: how sections are typeset
    page_profiles: tuple[PageProfile, ...] = ()  # [pages.profiles.NAME]: custom ones
    warnings: tuple[str, ...] = ()  # "file:line: unknown key ..." : reported, never fatal

    @property
    def aliases(self) -> dict[str, str]:
        """A renamed section's former ids to its id now (``renamed_from``)."""
        return {old: s.id for s in self.sections for old in s.renamed_from}

    def person(self, handle: str | None) -> Person | None:
        if handle is None:
            return None
        return next((p for p in self.people if p.handle == handle), None)

    def section(self, section_id: str) -> Section | None:
        """The section with this id, or with it among its former ids (``renamed_from``)."""
        found = next((s for s in self.sections if s.id == section_id), None)
        return found or next((s for s in self.sections if section_id in s.renamed_from), None)

    def person_for_key(self, fingerprint: str) -> Person | None:
        """Who holds the SSH key with this fingerprint (validation keeps it to one person)."""
        return next((p for p in self.people if any(k.fingerprint == fingerprint
                                                   for k in p.keys)), None)

    def profiles(self) -> dict[str, PageProfile]:
        """Every page profile by name: the built-in ones and this proposal's own."""
        return {**BUILTIN_PROFILES, **{p.name: p for p in self.page_profiles}}

    def profile_for(self, section: Section) -> PageProfile:
        """The profile a section is typeset in (validation guarantees it exists)."""
        profiles = self.profiles()
        return profiles.get(section.page_profile or self.page_profile) or \
            profiles[DEFAULT_PROFILE]

    @property
    def ordered_sections(self) -> list[Section]:
        return sorted(self.sections, key=lambda s: (s.order, s.id))


@dataclass(frozen=True)
class CommitRef:
    """Who touched a section and when: one commit as the history index remembers it."""

    sha: str
    author: str
    email: str
    date: dt.datetime  # aware (UTC)
    subject: str = ""


@dataclass(frozen=True)
class BadTrailer:
    """A Proposal-Status trailer whose value is no status, and the commit that carries it."""

    value: str
    sha: str
    subject: str


@dataclass(frozen=True)
class SectionHistory:
    """What git knows about one section file (renames followed)."""

    commits: int = 0
    first: CommitRef | None = None
    last: CommitRef | None = None
    contributors: tuple[str, ...] = ()  # author emails, most recent first
    trailer_status: Status | None = None  # newest Proposal-Status trailer
    trailer_at: dt.datetime | None = None
    trailer_sha: str | None = None
    last_seq: int = -1  # position of the newest commit in history order (higher is newer)
    trailer_seq: int = -1
    # the newest Proposal-Status trailer that names no status (a typo), when newer than any
    # valid one: it was meant to set the status and was ignored
    bad_trailer: BadTrailer | None = None


@dataclass(frozen=True)
class SectionState:
    """A section as the dashboard shows it: the manifest entry plus everything derived."""

    section: Section
    status: Status
    status_source: str  # "manifest", "trailer" or "first-commit"
    words: int
    history: SectionHistory = field(default_factory=SectionHistory)
    overdue: bool = False
    at_risk: bool = False
    stale: bool = False
    over_limit: bool = False
    pages: float = 0.0
    open_comments: int = 0
    uncommitted_words: int | None = None  # set when the work tree differs from HEAD
    missing: bool = False  # file named in the manifest but absent from the tree
    error: str | None = None  # e.g. undecodable bytes; shown in place
    # pages as shown where the limit is in pages: measured once known, else the estimate
    page_figure: PageFigure | None = None
