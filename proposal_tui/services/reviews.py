"""Comment threads as use cases: who may do what, and the event that records it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from proposal_tui.domain.clock import Clock, SystemClock
from proposal_tui.domain.comments import KINDS, Anchor, CommentEvent, Thread, make_event
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.model import Manifest, Person
from proposal_tui.domain.permissions import require
from proposal_tui.services.identity import identity_of
from proposal_tui.store.comments import CommentStore
from proposal_tui.store.repo import ProposalRepo


@dataclass
class ReviewService:
    repo: ProposalRepo
    clock: Clock = field(default_factory=SystemClock)
    rng: random.Random = field(default_factory=random.SystemRandom)

    def __post_init__(self) -> None:
        self.store = CommentStore(self.repo.root)

    def threads(self) -> list[Thread]:
        return self.store.threads()

    def thread(self, thread_id: str) -> Thread:
        matches = [t for t in self.threads() if t.id == thread_id or
                   (len(thread_id) >= 6 and t.id.startswith(thread_id))]
        if not matches:
            raise ProposalError(f"no comment thread '{thread_id}'")
        if len(matches) > 1:
            raise ProposalError(f"comment id '{thread_id}' is ambiguous; give more of it")
        return matches[0]

    def _save(self, event: CommentEvent, actor: Person) -> CommentEvent:
        self.store.append(event, identity_of(actor))
        return event

    def comment(self, manifest: Manifest, actor: Person, section_id: str, body: str, *,
                kind: str = "comment", round: str | None = None,
                anchor: Anchor | None = None) -> CommentEvent:
        section = manifest.section(section_id)
        if section is None:
            raise ProposalError(f"unknown section '{section_id}'")
        if kind not in KINDS:
            raise ProposalError(f"unknown comment kind '{kind}' (use {', '.join(KINDS)})")
        require(actor, "comment", section)
        event = make_event("comment", section_id, actor.handle, self.clock.now(), self.rng,
                           body=body, kind=kind, round=round, anchor=anchor)
        return self._save(event, actor)

    def reply(self, manifest: Manifest, actor: Person, thread_id: str,
              body: str) -> CommentEvent:
        thread = self.thread(thread_id)
        require(actor, "reply", manifest.section(thread.section))
        event = make_event("reply", thread.section, actor.handle, self.clock.now(), self.rng,
                           body=body, thread=thread.id)
        return self._save(event, actor)

    def set_resolved(self, manifest: Manifest, actor: Person, thread_id: str,
                     resolved: bool, note: str = "") -> CommentEvent:
        thread = self.thread(thread_id)
        action = "resolve" if resolved else "reopen"
        if thread.resolved == resolved:
            raise ProposalError(f"thread {thread.id} is already "
                                f"{'resolved' if resolved else 'open'}")
        author = thread.root.author if thread.root else None
        require(actor, action, manifest.section(thread.section), comment_author=author)
        event = make_event(action, thread.section, actor.handle, self.clock.now(), self.rng,
                           body=note, thread=thread.id)
        return self._save(event, actor)
