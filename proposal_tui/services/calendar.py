"""`proposal ics`: the schedule as an iCalendar (RFC 5545) file that any calendar imports.

Events: each section's due date (for its owner), milestones, review rounds (start, close) and
the submission deadline. UIDs are stable (built from the proposal and the item), so importing
a newer file updates events instead of duplicating them. A bare-date due ("2026-12-10", stored
as 23:59:59 local) becomes an all-day event; a due with a time is a timed event in UTC.
The file is written by the `icalendar` package (TEXT escaping, CRLF, line folding at 75
octets without splitting a character); we only drop control characters first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

import icalendar

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.model import Manifest
from proposal_tui.domain.rounds import Round

PRODID = "-//proposal-tui//proposal ics//EN"
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    start: dt.datetime
    description: str = ""
    categories: str = ""
    all_day: bool = False


def _text(value: str) -> icalendar.vText:
    """RFC 5545 TEXT without control codes (icalendar escapes the rest, newlines included)."""
    return icalendar.vText(_CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")))


def _is_end_of_day(moment: dt.datetime, zone: dt.tzinfo) -> bool:
    local = moment.astimezone(zone)
    return (local.hour, local.minute, local.second) == (23, 59, 59)


def _uid(proposal: Manifest, *parts: str) -> str:
    """Stable across exports; hashed so no user text lands in the UID."""
    base = _SLUG.sub("-", (proposal.proposal.solicitation or proposal.proposal.title).lower())
    digest = hashlib.sha1("\0".join((base, *parts)).encode("utf-8")).hexdigest()[:20]
    return f"{digest}@proposal-tui"


def calendar_events(manifest: Manifest, rounds: list[Round],
                    person: str | None = None) -> list[CalendarEvent]:
    """The events for everyone, or only what concerns ``person``: their sections' due dates,
    plus milestones, rounds and the deadline, which concern the whole team."""
    if person is not None and manifest.person(person) is None:
        raise ProposalError(f"unknown person '{person}' (not in {manifest.path} [[people]])")
    info = manifest.proposal
    zone = info.timezone
    title = info.title
    events: list[CalendarEvent] = []
    for s in manifest.ordered_sections:
        if s.due is None or (person is not None and s.owner != person):
            continue
        owner = manifest.person(s.owner)
        who = f"{owner.name} ({owner.handle})" if owner else "unassigned"
        limits = ", ".join(x for x in (f"{s.word_limit} words" if s.word_limit else "",
                                       f"{s.page_limit:g} pages" if s.page_limit else "") if x)
        description = f"Section '{s.id}' of {title}\nOwner: {who}\nFile: {s.file}"
        if limits:
            description += f"\nLimit: {limits}"
        if s.requirements:
            description += f"\nAnswers: {', '.join(s.requirements)}"
        events.append(CalendarEvent(uid=_uid(manifest, "section", s.id),
                                    summary=f"Due: {s.title}", start=s.due,
                                    description=description, categories="section due",
                                    all_day=_is_end_of_day(s.due, zone)))
    for m in manifest.milestones:
        events.append(CalendarEvent(uid=_uid(manifest, "milestone", m.name, m.kind),
                                    summary=m.name, start=m.date,
                                    description=f"{m.kind.capitalize()} milestone of {title}",
                                    categories=m.kind, all_day=_is_end_of_day(m.date, zone)))
    for r in rounds:
        events.append(CalendarEvent(uid=_uid(manifest, "round-start", r.name),
                                    summary=f"{r.name.capitalize()} review round starts",
                                    start=r.started_at,
                                    description=f"Reviewers read commit {r.commit[:10]} "
                                                f"(tag round/{r.name})", categories="review"))
        if r.closed_at is not None:
            events.append(CalendarEvent(uid=_uid(manifest, "round-close", r.name),
                                        summary=f"{r.name.capitalize()} review round closed",
                                        start=r.closed_at, categories="review",
                                        description=f"Closed at commit "
                                                    f"{(r.closed_commit or '')[:10]}"))
    deadline_milestone = any(m.kind == "deadline" and m.date == info.due
                             for m in manifest.milestones)
    if info.due is not None and not deadline_milestone:
        events.append(CalendarEvent(uid=_uid(manifest, "deadline"),
                                    summary=f"Submission deadline: {title}", start=info.due,
                                    description=f"{info.solicitation} for {info.client}".strip(),
                                    categories="deadline"))
    return sorted(events, key=lambda e: (e.start, e.uid))


def to_ics(events: list[CalendarEvent], now: dt.datetime, name: str) -> str:
    """The VCALENDAR text with CRLF line endings, as RFC 5545 requires."""
    calendar = icalendar.Calendar()
    for key, value in (("version", "2.0"), ("prodid", PRODID), ("calscale", "GREGORIAN"),
                       ("method", "PUBLISH"), ("x-wr-calname", _text(name))):
        calendar.add(key, value)
    stamp = now.astimezone(dt.UTC)
    for e in events:
        event = icalendar.Event()
        event.add("uid", e.uid)
        event.add("dtstamp", stamp)
        if e.all_day:
            day = e.start.date()  # bare dates are stored in the proposal's zone: local day
            event.add("dtstart", day)
            event.add("dtend", day + dt.timedelta(days=1))
        else:  # no DTEND: a moment, not a span
            event.add("dtstart", e.start.astimezone(dt.UTC))
        event.add("summary", _text(e.summary))
        if e.description:
            event.add("description", _text(e.description))
        if e.categories:
            event.add("categories", [_text(e.categories)])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    # Insertion order (not icalendar's alphabetical one): VERSION and PRODID first, as usual.
    return calendar.to_ical(sorted=False).decode("utf-8")
