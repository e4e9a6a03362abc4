"""One person's work (`proposal mine` and the TUI's mine view): their sections, late first;
their open threads (those they started, and those on their sections awaiting their answer);
and what they still have to read in the review round open now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from proposal_tui.domain.attention import (
    awaits_answer,
    last_speaker,
    late_first,
    to_review,
)
from proposal_tui.domain.comments import Thread
from proposal_tui.domain.model import Person, SectionState
from proposal_tui.domain.rounds import Round, round_threads
from proposal_tui.domain.status import schedule_state
from proposal_tui.services.rounds import RoundService
from proposal_tui.services.snapshot import ProposalService, Snapshot

AWAITING = "awaiting"  # on one of my sections, the last word is somebody else's
OPENED = "opened"  # I started it and it is still open


@dataclass(frozen=True)
class MyThread:
    thread: Thread
    reason: str  # AWAITING or OPENED

    @property
    def must_fix(self) -> bool:
        return self.thread.kind == "must-fix"


@dataclass(frozen=True)
class ReviewDuty:
    """A section to read in the open round, and how many threads I started on it there."""

    state: SectionState
    my_comments: int

    @property
    def reviewed(self) -> bool:
        return self.my_comments > 0


@dataclass(frozen=True)
class Mine:
    person: Person
    now: dt.datetime
    sections: tuple[SectionState, ...]
    threads: tuple[MyThread, ...]
    round: Round | None = None
    duties: tuple[ReviewDuty, ...] = ()

    @property
    def left_to_review(self) -> list[ReviewDuty]:
        return [d for d in self.duties if not d.reviewed]

    def to_json(self) -> dict[str, Any]:
        """The shape of `proposal mine --json` (a public contract: extend, never rename)."""
        p = self.person
        return {
            "person": {"handle": p.handle, "name": p.name, "role": p.role.value},
            "now": self.now.isoformat(),
            "sections": [_section_json(s) for s in self.sections],
            "threads": [_thread_json(t) for t in self.threads],
            "round": None if self.round is None else {
                "name": self.round.name, "commit": self.round.commit,
                "started_at": self.round.started_at.isoformat(),
                "started_by": self.round.started_by},
            "to_review": [{"id": d.state.section.id, "title": d.state.section.title,
                           "owner": d.state.section.owner, "status": d.state.status.value,
                           "reviewed": d.reviewed, "my_comments": d.my_comments}
                          for d in self.duties],
        }


def _section_json(s: SectionState) -> dict[str, Any]:
    sec = s.section
    return {"id": sec.id, "title": sec.title, "file": sec.file, "status": s.status.value,
            "due": sec.due.isoformat() if sec.due else None, "schedule": schedule_state(s),
            "words": s.words, "word_limit": sec.word_limit, "page_limit": sec.page_limit,
            "open_comments": s.open_comments}


def _thread_json(item: MyThread) -> dict[str, Any]:
    t, root = item.thread, item.thread.root
    assert root is not None  # orphans are nobody's to answer
    return {"id": t.id, "section": t.section, "kind": t.kind, "round": root.round,
            "author": root.author, "created": root.created.isoformat(), "body": root.body,
            "replies": len(t.replies), "last_author": last_speaker(t),
            "last_activity": t.last_activity.isoformat() if t.last_activity else None,
            "reason": item.reason}


@dataclass
class MineService:
    proposals: ProposalService
    rounds: RoundService

    def mine(self, person: Person, snapshot: Snapshot | None = None) -> Mine:
        """``person``'s work in ``snapshot`` (read now if not given, with its threads)."""
        snap = snapshot if snapshot is not None else self.proposals.snapshot()
        handle = person.handle
        own = [s for s in snap.states if s.section.owner == handle]
        owned = {s.section.id for s in own}
        threads = []
        for t in snap.threads:
            if t.root is None or t.resolved:
                continue
            if t.section in owned and awaits_answer(t, handle):
                threads.append(MyThread(t, AWAITING))
            elif t.root.author == handle:
                threads.append(MyThread(t, OPENED))
        threads.sort(key=lambda m: (m.reason != AWAITING, not m.must_fix,
                                    m.thread.last_activity or snap.now, m.thread.id))
        current = self.rounds.current()
        duties: list[ReviewDuty] = []
        if current is not None:
            in_round = round_threads(self.rounds.events(), current)
            duties = [ReviewDuty(s, n) for s, n in to_review(snap.states, handle, in_round)]
        return Mine(person=person, now=snap.now, sections=tuple(late_first(own)),
                    threads=tuple(threads), round=current, duties=tuple(duties))
