"""`proposal digest`: what changed since a moment (commits touching sections, status changes,
comments started and resolved), what is late or at risk, and who owes an answer to a
must-fix comment. Written for a cron job that mails it, so it depends on nothing but the
repository and the workspace's clock: the same repository and clock give the same digest.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from proposal_tui.domain.attention import awaits_answer, is_at_risk, is_late, late_first
from proposal_tui.domain.comments import Thread
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.manifest import MANIFEST_NAME, manifest_statuses
from proposal_tui.domain.model import Manifest, SectionState, parse_status
from proposal_tui.domain.status import schedule_state
from proposal_tui.services.snapshot import ProposalService, Snapshot
from proposal_tui.store.changes import before_and_after, commits_between
from proposal_tui.store.history import Commit, HistoryIndex
from proposal_tui.store.repo import ProposalRepo

_DURATION = re.compile(r"(\d{1,5})\s*([hdw])")
_UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}


def parse_since(text: str, now: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """``12h``, ``1d``, ``2w`` before ``now``; or an ISO date (its midnight in the proposal's
    time zone) or date-time (without an offset: in that zone)."""
    value = text.strip().lower()
    if match := _DURATION.fullmatch(value):
        return now - int(match.group(1)) * _UNITS[match.group(2)]
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), zone)
        at = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ProposalError(f"--since: expected a duration (12h, 1d, 2w) or an ISO date, got "
                            f"'{text}'") from None
    return at if at.tzinfo else at.replace(tzinfo=zone)


@dataclass(frozen=True)
class SectionCommit:
    sha: str
    author: str
    email: str
    when: dt.datetime
    subject: str
    sections: tuple[str, ...]


@dataclass(frozen=True)
class StatusChange:
    section: str
    before: str | None  # the declared status before a plan edit; None for a trailer
    after: str
    by: str
    when: dt.datetime
    sha: str
    source: str  # "plan" (proposal.toml) or "trailer" (Proposal-Status: on a commit)


@dataclass(frozen=True)
class OwedAnswers:
    """Open must-fix threads on ``owner``'s sections whose last word is somebody else's."""

    owner: str | None  # None: sections nobody owns
    name: str
    threads: tuple[Thread, ...]


@dataclass(frozen=True)
class Digest:
    manifest: Manifest
    since: dt.datetime
    now: dt.datetime
    head: str | None
    commits: tuple[SectionCommit, ...]
    status_changes: tuple[StatusChange, ...]
    new_threads: tuple[Thread, ...]
    resolved_threads: tuple[Thread, ...]
    late: tuple[SectionState, ...]
    at_risk: tuple[SectionState, ...]
    must_fix: tuple[OwedAnswers, ...]

    def to_json(self) -> dict[str, Any]:
        """The shape of `proposal digest --json` (a public contract: extend, never rename)."""
        info = self.manifest.proposal
        return {
            "proposal": {"title": info.title, "timezone": str(info.timezone)},
            "since": self.since.isoformat(), "now": self.now.isoformat(), "head": self.head,
            "commits": [{"sha": c.sha, "author": c.author, "email": c.email,
                         "date": c.when.isoformat(), "subject": c.subject,
                         "sections": list(c.sections)} for c in self.commits],
            "status_changes": [{"section": c.section, "from": c.before, "to": c.after,
                                "by": c.by, "date": c.when.isoformat(), "sha": c.sha,
                                "source": c.source} for c in self.status_changes],
            "comments": {"new": [thread_json(t) for t in self.new_threads],
                         "resolved": [thread_json(t) for t in self.resolved_threads]},
            "late": [_state_json(s) for s in self.late],
            "at_risk": [_state_json(s) for s in self.at_risk],
            "must_fix": [{"owner": o.owner, "name": o.name,
                          "threads": [thread_json(t) for t in o.threads]}
                         for o in self.must_fix],
        }


def thread_json(t: Thread) -> dict[str, Any]:
    root = t.root
    assert root is not None  # the digest leaves orphans out: nobody can answer them
    return {"id": t.id, "section": t.section, "kind": t.kind, "round": root.round,
            "author": root.author, "created": root.created.isoformat(), "body": root.body,
            "resolved": t.resolved, "resolved_by": t.resolved_by,
            "resolved_at": t.resolved_at.isoformat() if t.resolved_at else None}


def _state_json(s: SectionState) -> dict[str, Any]:
    sec = s.section
    return {"id": sec.id, "title": sec.title, "owner": sec.owner, "status": s.status.value,
            "due": sec.due.isoformat() if sec.due else None, "schedule": schedule_state(s)}


@dataclass
class DigestService:
    """The digest of one repository; "now" is the snapshot's, from the workspace's clock."""

    repo: ProposalRepo
    proposals: ProposalService

    def digest(self, since: dt.datetime) -> Digest:
        snap = self.proposals.snapshot()
        now = snap.now
        if since > now:
            raise ProposalError(f"--since: {since.isoformat()} is after now "
                                f"({now.isoformat()})")
        commits = commits_between(self.repo.root, snap.head, since, now) \
            if snap.head is not None else []
        index = self.proposals.history_index(snap.head)
        section_of = _paths_to_sections(snap.manifest, index)
        return Digest(
            manifest=snap.manifest, since=since, now=now, head=snap.head,
            commits=tuple(_section_commits(commits, section_of)),
            status_changes=tuple(self._status_changes(commits, section_of)),
            new_threads=tuple(t for t in snap.threads if t.root is not None
                              and since < t.root.created <= now),
            resolved_threads=tuple(sorted(
                (t for t in snap.threads if t.root is not None and t.resolved_at is not None
                 and since < t.resolved_at <= now), key=lambda t: (t.resolved_at, t.id))),
            late=tuple(s for s in late_first(snap.states) if is_late(s)),
            at_risk=tuple(s for s in late_first(snap.states) if is_at_risk(s)),
            must_fix=tuple(_owed(snap)))

    def _status_changes(self, commits: list[Commit], section_of: dict[str, str]
                        ) -> list[StatusChange]:
        plans = before_and_after(self.repo.root, [c.sha for c in commits
                                                  if MANIFEST_NAME in c.paths], MANIFEST_NAME)
        changes = []
        for c in commits:
            when = dt.datetime.fromtimestamp(c.timestamp, dt.UTC)
            if c.sha in plans:
                before, after = (_statuses(data) for data in plans[c.sha])
                changes += [StatusChange(sid, before[sid], status, c.author, when, c.sha, "plan")
                            for sid, status in after.items()
                            if sid in before and before[sid] != status]
            status = parse_status(c.trailer) if c.trailer else None
            if status is not None:
                changes += [StatusChange(sid, None, status.value, c.author, when, c.sha,
                                         "trailer")
                            for sid in _touched(c, section_of)]
        return changes


def _statuses(data: bytes | None) -> dict[str, str]:
    return manifest_statuses(data.decode("utf-8", "replace")) if data is not None else {}


def _paths_to_sections(manifest: Manifest, index: HistoryIndex) -> dict[str, str]:
    """Every path a section's file had (renames followed) -> the section id."""
    section_of: dict[str, str] = {}
    for section in manifest.ordered_sections:
        for path in index.lineage(section.file):
            section_of.setdefault(path, section.id)
    return section_of


def _touched(commit: Commit, section_of: dict[str, str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(section_of[p] for p in commit.paths if p in section_of))


def _section_commits(commits: list[Commit], section_of: dict[str, str]
                     ) -> list[SectionCommit]:
    return [SectionCommit(c.sha, c.author, c.email,
                          dt.datetime.fromtimestamp(c.timestamp, dt.UTC), c.subject, touched)
            for c in commits if (touched := _touched(c, section_of))]


def _owed(snap: Snapshot) -> list[OwedAnswers]:
    """Who owes an answer to an open must-fix comment, in the plan's order of people."""
    manifest = snap.manifest
    by_owner: dict[str | None, list[Thread]] = {}
    for t in snap.threads:
        if t.root is None or t.resolved or t.kind != "must-fix":
            continue
        section = manifest.section(t.section)
        owner = section.owner if section else None
        if owner is None or awaits_answer(t, owner):
            by_owner.setdefault(owner, []).append(t)
    order = [p.handle for p in manifest.people] + sorted(
        h for h in by_owner if h is not None and manifest.person(h) is None)
    result = []
    for handle in [*order, None]:
        if handle in by_owner:
            person = manifest.person(handle)
            name = person.name if person else handle or "(unassigned)"
            result.append(OwedAnswers(handle, name, tuple(by_owner[handle])))
    return result
