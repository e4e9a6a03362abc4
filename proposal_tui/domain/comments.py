"""Review comments as an append-only log of events, replayed into threads.

Each event is its own file (``comments/<section>/<id>.json``) and is never edited: two people
commenting offline only ever add different files, so their branches merge without conflicts.
State such as "resolved" is derived by replaying the events in (created, id) order.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.nesting import TooDeep, loads_json

VERSION = 1
ACTIONS = ("comment", "reply", "resolve", "reopen")
KINDS = ("comment", "must-fix", "question", "praise")
SECTION_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
EVENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # what new_event_id makes is stricter
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


class RandomSource(Protocol):
    def getrandbits(self, k: int, /) -> int: ...


@dataclass(frozen=True)
class Anchor:
    """Where a comment points; the commit lets the UI tell when the quoted text has moved."""

    line_start: int | None = None
    line_end: int | None = None
    quote: str | None = None
    commit: str | None = None

    def __post_init__(self) -> None:
        for name in ("line_start", "line_end"):
            value = getattr(self, name)
            if value is not None and (type(value) is not int or value < 1):
                raise ProposalError(f"anchor {name} must be a positive integer")
        if (self.line_start is not None and self.line_end is not None
                and self.line_end < self.line_start):
            raise ProposalError("anchor line_end is before line_start")
        if self.quote is not None and not isinstance(self.quote, str):
            raise ProposalError("anchor quote must be a string")
        if self.commit is not None and not (isinstance(self.commit, str)
                                            and _SHA.fullmatch(self.commit)):
            raise ProposalError("anchor commit must be a full hexadecimal object name")


@dataclass(frozen=True)
class CommentEvent:
    id: str
    action: str
    section: str
    thread: str
    author: str
    created: dt.datetime
    body: str = ""
    kind: str | None = None
    round: str | None = None
    anchor: Anchor | None = None

    def __post_init__(self) -> None:
        # Validated on construction so a bad event can neither be written nor read back.
        for name in ("id", "action", "section", "thread", "author", "body"):
            if not isinstance(getattr(self, name), str):
                raise ProposalError(f"field {name!r} must be a string")
        if not EVENT_ID.fullmatch(self.id):
            raise ProposalError(f"invalid event id {self.id!r}")
        check_section_id(self.section)
        if self.action not in ACTIONS:
            raise ProposalError(f"unknown action {self.action!r} (expected {', '.join(ACTIONS)})")
        if not self.author.strip():
            raise ProposalError("author is empty")
        if not isinstance(self.created, dt.datetime) or self.created.utcoffset() is None:
            raise ProposalError("created must be a timezone-aware date and time")
        if self.created.utcoffset() != dt.timedelta(0):
            object.__setattr__(self, "created", self.created.astimezone(dt.UTC))
        if self.action == "comment":
            if self.thread != self.id:
                raise ProposalError("a comment starts its own thread: thread must equal id")
            if self.kind not in KINDS:
                raise ProposalError(f"unknown kind {self.kind!r} (expected {', '.join(KINDS)})")
        else:
            if not EVENT_ID.fullmatch(self.thread) or self.thread == self.id:
                raise ProposalError(f"invalid thread {self.thread!r} for a {self.action}")
            if self.kind is not None:
                raise ProposalError("only the first comment of a thread has a kind")
        if self.action in ("comment", "reply") and not self.body.strip():
            raise ProposalError(f"a {self.action} needs a body")
        if self.round is not None and not isinstance(self.round, str):
            raise ProposalError("round must be a string")
        if self.anchor is not None and not isinstance(self.anchor, Anchor):
            raise ProposalError("anchor must be an Anchor")


def check_section_id(section: object) -> None:
    if not isinstance(section, str) or not SECTION_ID.fullmatch(section):
        raise ProposalError(f"invalid section id {section!r} (expected [a-z0-9][a-z0-9._-]*)")


def new_event_id(now: dt.datetime, rng: RandomSource) -> str:
    """Sortable by time, unique by 32 random bits; clock and randomness are injected."""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{stamp}-{rng.getrandbits(32):08x}"


def make_event(action: str, section: str, author: str, now: dt.datetime, rng: RandomSource,
               *, body: str = "", thread: str | None = None, kind: str | None = None,
               round: str | None = None, anchor: Anchor | None = None) -> CommentEvent:
    """New event; a "comment" starts a thread (kind defaults to "comment"), others need one."""
    event_id = new_event_id(now, rng)
    if action == "comment":
        thread, kind = event_id, kind or "comment"
    elif thread is None:
        raise ProposalError(f"a {action} needs the thread it belongs to")
    return CommentEvent(id=event_id, action=action, section=section, thread=thread,
                        author=author, created=now.astimezone(dt.UTC), body=body,
                        kind=kind, round=round, anchor=anchor)


def event_path(event: CommentEvent) -> str:
    check_section_id(event.section)
    return f"comments/{event.section}/{event.id}.json"


def to_json(event: CommentEvent) -> bytes:
    anchor = None
    if event.anchor is not None:
        a = event.anchor
        anchor = {"line_start": a.line_start, "line_end": a.line_end, "quote": a.quote,
                  "commit": a.commit}
    obj = {"v": VERSION, "id": event.id, "action": event.action, "section": event.section,
           "thread": event.thread, "author": event.author,
           "created": event.created.isoformat(timespec="microseconds").replace("+00:00", "Z"),
           "body": event.body, "kind": event.kind, "round": event.round, "anchor": anchor}
    return (json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def from_json(data: bytes, origin: str) -> CommentEvent:
    """Parse one event file; every problem becomes a ProposalError naming ``origin``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProposalError(f"not UTF-8 (byte {exc.start})", path=origin) from None
    try:
        obj = loads_json(text)
    except TooDeep as exc:
        raise ProposalError(str(exc), path=origin) from None
    except json.JSONDecodeError as exc:
        raise ProposalError(f"invalid JSON: {exc.msg}", path=origin, line=exc.lineno,
                            column=exc.colno) from None
    try:
        return _from_obj(obj)
    except ProposalError as exc:
        raise ProposalError(exc.message, path=origin) from None


def _field(obj: dict[str, Any], name: str, types: type | tuple[type, ...],
           required: bool = True) -> Any:
    if name not in obj:
        if required:
            raise ProposalError(f"missing field {name!r}")
        return None
    value = obj[name]
    if value is None and not required:
        return None
    if not isinstance(value, types) or isinstance(value, bool):
        raise ProposalError(f"field {name!r} has the wrong type ({type(value).__name__})")
    return value


def _from_obj(obj: object) -> CommentEvent:
    if not isinstance(obj, dict):
        raise ProposalError("expected one JSON object")
    version = obj.get("v")
    if version != VERSION:
        raise ProposalError(f"unsupported version {version!r} (this program reads v{VERSION})")
    created_text = _field(obj, "created", str)
    try:
        created = dt.datetime.fromisoformat(created_text)
    except ValueError:
        raise ProposalError(f"field 'created' is not an ISO date and time: {created_text!r}") \
            from None
    anchor = None
    raw = _field(obj, "anchor", dict, required=False)
    if raw is not None:
        anchor = Anchor(line_start=_field(raw, "line_start", int, required=False),
                        line_end=_field(raw, "line_end", int, required=False),
                        quote=_field(raw, "quote", str, required=False),
                        commit=_field(raw, "commit", str, required=False))
    return CommentEvent(
        id=_field(obj, "id", str), action=_field(obj, "action", str),
        section=_field(obj, "section", str), thread=_field(obj, "thread", str),
        author=_field(obj, "author", str), created=created,
        body=_field(obj, "body", str, required=False) or "",
        kind=_field(obj, "kind", str, required=False),
        round=_field(obj, "round", str, required=False), anchor=anchor)


@dataclass
class Thread:
    """One conversation. ``root`` is None for an orphan: events whose first comment is unknown
    (its file is malformed, deleted, or not fetched yet). Orphans stay visible rather than
    silently vanishing; they carry the section of their earliest event."""

    id: str
    section: str
    root: CommentEvent | None
    replies: list[CommentEvent] = field(default_factory=list)
    events: list[CommentEvent] = field(default_factory=list)  # everything after the root
    resolved: bool = False
    resolved_by: str | None = None
    resolved_at: dt.datetime | None = None
    last_activity: dt.datetime | None = None

    @property
    def orphan(self) -> bool:
        return self.root is None

    @property
    def kind(self) -> str:
        return (self.root.kind or "comment") if self.root else "comment"


def _unique(events: list[CommentEvent]) -> list[CommentEvent]:
    """One event per id, in (created, id) order. A repeated id keeps its first occurrence:
    the store passes events with only the copy written first on the branch (reporting the
    others), because ``created`` is the writer's to choose and must not decide who owns a
    thread; identical copies (a file read twice) are the same either way."""
    by_id: dict[str, CommentEvent] = {}
    for event in events:
        by_id.setdefault(event.id, event)
    return sorted(by_id.values(), key=lambda e: (e.created, e.id))


def replay(events: list[CommentEvent]) -> list[Thread]:
    """Threads in order of their first event; the same output for any input order.

    Duplicate ids count once: the first given (see ``_unique``).
    """
    ordered = _unique(events)
    threads: dict[str, Thread] = {}
    for e in ordered:
        if e.action == "comment":
            threads[e.id] = Thread(id=e.id, section=e.section, root=e, last_activity=e.created)
    for e in ordered:
        if e.action == "comment":
            continue
        t = threads.get(e.thread)
        if t is None:
            t = threads[e.thread] = Thread(id=e.thread, section=e.section, root=None)
        t.events.append(e)
        if e.action == "reply":
            t.replies.append(e)
        else:
            t.resolved = e.action == "resolve"
            t.resolved_by = e.author if t.resolved else None
            t.resolved_at = e.created if t.resolved else None
        if t.last_activity is None or e.created > t.last_activity:
            t.last_activity = e.created

    def first(t: Thread) -> tuple[dt.datetime, str]:
        head = t.root or t.events[0]
        return (head.created, t.id)

    return sorted(threads.values(), key=first)


def open_counts(threads: list[Thread]) -> dict[str, int]:
    """Unresolved threads per section id, for the dashboard's comment column."""
    counts: dict[str, int] = {}
    for t in threads:
        if not t.resolved:
            counts[t.section] = counts.get(t.section, 0) + 1
    return counts


def follow_renames(threads: list[Thread], aliases: dict[str, str]) -> list[Thread]:
    """Threads of a renamed section's former ids (``renamed_from``) as its own: events keep
    the id they were written with, so the branch is never rewritten."""
    if not aliases:
        return threads
    return [replace(t, section=aliases[t.section]) if t.section in aliases else t
            for t in threads]


def renamed_counts(counts: dict[str, int], aliases: dict[str, str]) -> dict[str, int]:
    """:func:`open_counts` with former section ids counted under the id now."""
    if not aliases:
        return counts
    merged: dict[str, int] = {}
    for section, count in counts.items():
        section = aliases.get(section, section)
        merged[section] = merged.get(section, 0) + count
    return merged
