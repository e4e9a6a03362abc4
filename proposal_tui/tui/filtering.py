"""The sections table's filter language and sort orders, as plain functions.

A query is words separated by spaces, all of which must match:

- ``@ben`` or ``owner:ben``: owned by ben (``@-`` or ``owner:none``: unassigned);
- ``status:drafting`` / ``is:in-review``: that stage (any spelling ``parse_status`` accepts);
- ``req:L.3.2``: answers that requirement (the compliance screen's enter);
- ``is:overdue`` (also ``late``), ``is:risk``, ``is:stale``, ``is:over`` (over the limit),
  ``is:edited`` (uncommitted work), ``is:open`` (open comments), ``is:error``;
- anything else: a case-insensitive piece of the id or title.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from proposal_tui.domain.model import SectionState, Status, parse_status
from proposal_tui.domain.status import schedule_state

FLAGS: dict[str, Callable[[SectionState], bool]] = {
    "overdue": lambda s: schedule_state(s) == "overdue",
    "risk": lambda s: schedule_state(s) == "at-risk",
    "stale": lambda s: s.stale,
    "over": lambda s: s.over_limit,
    "edited": lambda s: s.uncommitted_words is not None,
    "open": lambda s: s.open_comments > 0,
    "error": lambda s: bool(s.error),
    "done": lambda s: s.status.delivered,
}
FLAG_ALIASES = {"late": "overdue", "at-risk": "risk", "over-limit": "over",
                "uncommitted": "edited", "comments": "open", "delivered": "done"}
NONE_OWNER = ""  # the owner filter value for "unassigned"


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    statuses: tuple[Status, ...] = ()
    flags: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()  # tokens that looked like filters but are not
    requirements: tuple[str, ...] = ()  # req:ID, matched exactly (case-insensitive)

    @property
    def empty(self) -> bool:
        return not (self.words or self.owners or self.statuses or self.flags or self.unknown
                    or self.requirements)


def parse_query(text: str) -> Query:
    words: list[str] = []
    owners: list[str] = []
    statuses: list[Status] = []
    flags: list[str] = []
    unknown: list[str] = []
    requirements: list[str] = []
    for token in text.split():
        low = token.lower()
        key, sep, value = low.partition(":")
        if low.startswith("@"):
            owners.append(NONE_OWNER if low in ("@-", "@none") else low[1:])
        elif sep and key == "req" and value:
            requirements.append(value)
        elif sep and key == "owner":
            owners.append(NONE_OWNER if value in ("-", "none") else value)
        elif sep and key in ("is", "status", "has"):
            flag = FLAG_ALIASES.get(value, value)
            status = parse_status(value)
            if key != "status" and flag in FLAGS:
                flags.append(flag)
            elif status is not None:
                statuses.append(status)
            else:
                unknown.append(token)
        elif low in ("late", "overdue"):
            flags.append("overdue")
        else:
            words.append(low)
    return Query(tuple(words), tuple(owners), tuple(statuses), tuple(flags), tuple(unknown),
                 tuple(requirements))


def matches(state: SectionState, query: Query, owner: str | None = None) -> bool:
    """Whether a row shows under ``query`` and the Owners pane's choice (None = everyone)."""
    section = state.section
    handle = section.owner or NONE_OWNER
    if owner is not None and handle != owner:
        return False
    if query.owners and handle not in query.owners:
        return False
    if query.statuses and state.status not in query.statuses:
        return False
    if any(not FLAGS[f](state) for f in query.flags):
        return False
    if query.requirements and not {r.lower() for r in section.requirements} & \
            set(query.requirements):
        return False
    haystack = f"{section.id}\n{section.title}".lower()
    return all(w in haystack for w in query.words)


def unknown_note(query: Query) -> str:
    """'unknown: is:risky (is: overdue, risk, …)', or '' when every word was understood."""
    if not query.unknown:
        return ""
    return f"unknown: {' '.join(query.unknown)} (is: {', '.join(FLAGS)} or a status)"


def why_nothing(states: list[SectionState], query: Query, owner: str | None) -> str:
    """Why a filter shows no section, when it is the requirement against the owner:
    'req:L.3.1 is answered by exec-summary (ana), not by ben's sections'."""
    if not query.requirements:
        return "no section matches"
    wanted = set(query.requirements)
    answering = [s for s in states if {r.lower() for r in s.section.requirements} & wanted]
    names = " ".join(f"req:{r}" for r in query.requirements)
    if not answering:
        return f"no section answers {names}"
    owners = [o for o in (owner, *query.owners) if o is not None]
    if not owners:
        return "no section matches"
    who = ", ".join(f"{s.section.id} ({s.section.owner or 'unassigned'})" for s in answering)
    mine = " or ".join(f"{o or 'unassigned'}'s" for o in owners)
    return f"{names} is answered by {who}, not by {mine} sections"


_FAR = dt.datetime.max.replace(tzinfo=dt.UTC)
_STAGES = list(Status)


def _due(s: SectionState) -> dt.datetime:
    return s.section.due or _FAR


def _last(s: SectionState) -> float:
    ref = s.history.last
    return -ref.date.timestamp() if ref else 0.0


def _share(s: SectionState) -> float:
    """How full a section is against its limit (0 when it has none)."""
    if s.section.word_limit:
        return s.words / s.section.word_limit
    if s.section.page_limit:
        return s.pages / s.section.page_limit
    return 0.0


# name -> (label, key); every key ends with the plan order so ties stay stable.
SORTS: dict[str, tuple[str, Callable[[SectionState], tuple[object, ...]]]] = {
    "order": ("plan order", lambda s: (s.section.order, s.section.id)),
    "due": ("due date", lambda s: (_due(s), s.section.order)),
    "status": ("status", lambda s: (_STAGES.index(s.status), s.section.order)),
    "owner": ("owner", lambda s: (s.section.owner or "~", s.section.order)),
    "words": ("share of limit", lambda s: (-_share(s), s.section.order)),
    "last": ("last edit", lambda s: (_last(s), s.section.order)),
    "comments": ("open comments", lambda s: (-s.open_comments, s.section.order)),
    "id": ("id", lambda s: (s.section.id,)),
    "title": ("title", lambda s: (s.section.title.lower(), s.section.order)),
}
SORT_CYCLE = ("order", "due", "status", "owner", "words", "last", "comments")


def ordered(states: list[SectionState], sort: str, reverse: bool = False) -> list[SectionState]:
    key = SORTS.get(sort, SORTS["order"])[1]
    return sorted(states, key=key, reverse=reverse)
