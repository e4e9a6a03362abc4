"""What needs somebody's attention: the rules `proposal mine` (and its TUI view) and
`proposal digest` share, so a section is late, a thread awaits an answer and a section is
still to review by one definition wherever it is shown.

Late and at risk are the dashboard's own signal (``domain.status.schedule_state``), never
a second reading of due dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from proposal_tui.domain.comments import Thread
from proposal_tui.domain.model import SectionState, Status
from proposal_tui.domain.status import schedule_state

_FAR = dt.datetime.max.replace(tzinfo=dt.UTC)


def is_late(state: SectionState) -> bool:
    return schedule_state(state) == "overdue"


def is_at_risk(state: SectionState) -> bool:
    return schedule_state(state) == "at-risk"


def late_first(states: Iterable[SectionState]) -> list[SectionState]:
    """Late sections first, then at risk, then by due date (none last), then plan order."""
    rank = {"overdue": 0, "at-risk": 1, "on-track": 2, "done": 3}
    return sorted(states, key=lambda s: (rank.get(schedule_state(s), 2), s.section.due or _FAR,
                                         s.section.order, s.section.id))


def last_speaker(thread: Thread) -> str | None:
    """Who spoke last in ``thread``: the newest reply or reopening, else its first comment
    (resolving ends a thread; it asks nobody for anything)."""
    spoken = [e for e in thread.events if e.action in ("reply", "reopen")]
    if spoken:
        return spoken[-1].author
    return thread.root.author if thread.root else None


def awaits_answer(thread: Thread, handle: str | None) -> bool:
    """An open thread whose last word is somebody else's: ``handle`` owes the answer."""
    return handle is not None and not thread.resolved and thread.root is not None and \
        last_speaker(thread) != handle


def to_review(states: Iterable[SectionState], handle: str,
              round_threads: Iterable[Thread]) -> list[tuple[SectionState, int]]:
    """In an open review round, each section ``handle`` reads: everyone else's, except those
    marked n/a; with how many threads ``handle`` started on it in the round (0: not yet
    reviewed)."""
    mine: dict[str, int] = {}
    for thread in round_threads:
        if thread.root is not None and thread.root.author == handle:
            mine[thread.section] = mine.get(thread.section, 0) + 1
    return [(s, mine.get(s.section.id, 0)) for s in states
            if s.section.owner != handle and s.status is not Status.NOT_APPLICABLE]
