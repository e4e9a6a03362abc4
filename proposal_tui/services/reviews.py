"""Comment threads as use cases: who may do what, and the event that records it.

Anchors are computed here against the section text in git (the domain does the text work):
a new comment's quote must exist in the committed text, and each thread reports where its
passage is now, or that it is outdated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from proposal_tui.domain.anchors import Position, locate, make_anchor
from proposal_tui.domain.clock import Clock
from proposal_tui.domain.comments import (
    KINDS,
    Anchor,
    CommentEvent,
    Thread,
    event_path,
    follow_renames,
    make_event,
    to_json,
)
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.model import Manifest, Person, Section
from proposal_tui.domain.permissions import require
from proposal_tui.domain.rounds import find_round
from proposal_tui.domain.text import decode_text
from proposal_tui.services.identity import identity_of
from proposal_tui.store.comments import COMMENTS_REF, CommentStore
from proposal_tui.store.fastappend import Unsupported, append_file, checked_out_branches
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.store.rounds import list_rounds


@dataclass
class ReviewService:
    """Comments as use cases, on the workspace's comment store. It caches section texts by
    commit for one thread: a second thread that locates anchors gets its own instance
    (:meth:`~.workspace.Workspace.new_reviews`)."""

    repo: ProposalRepo
    clock: Clock
    comments: CommentStore
    rng: random.Random = field(default_factory=random.SystemRandom)

    def __post_init__(self) -> None:
        self._texts: dict[tuple[str, str], str | None] = {}

    def threads(self) -> list[Thread]:
        return self.comments.threads()

    def thread(self, thread_id: str) -> Thread:
        thread_id = thread_id.strip()
        threads = self.threads()
        exact = [t for t in threads if t.id == thread_id]
        # A prefix (the id starts with the time) or the random tail the listing shows.
        matches = exact or [t for t in threads if len(thread_id) >= 6 and (
            t.id.startswith(thread_id) or t.id.rsplit("-", 1)[-1].startswith(thread_id))]
        if not matches:
            raise ProposalError(f"no comment thread '{thread_id}'")
        if len(matches) > 1:
            raise ProposalError(f"comment id '{thread_id}' is ambiguous; give more of it")
        return matches[0]

    def _after(self, thread: Thread) -> dt.datetime:
        """Now, but strictly after the thread's last event: replay orders by (time, id), so a
        skewed or pinned clock must not put a resolve before the reply it answers."""
        now = self.clock.now()
        last = thread.last_activity
        if last is not None and now <= last:
            return last + dt.timedelta(microseconds=1)
        return now

    def _save(self, event: CommentEvent, actor: Person) -> CommentEvent:
        """Two git processes per comment where possible (a review-day burst queues on every
        one of them); the general eight-process path otherwise. Same commit either way."""
        identity = identity_of(actor)
        if COMMENTS_REF in checked_out_branches(self.repo.root, self.repo.bare):
            raise ProposalError("the comments branch is checked out in this repository; "
                                "switch back first (git switch main): moving a checked-out "
                                "branch would leave its index stale")
        try:
            append_file(self.repo.root, COMMENTS_REF, event_path(event), to_json(event),
                        f"comment: {event.section} {event.action} {event.id}", identity,
                        event.created, signer=self.repo.signer)
        except Unsupported:
            self.comments.append(event, identity, signer=self.repo.signer)
        return event

    def comment(self, manifest: Manifest, actor: Person, section_id: str, body: str, *,
                kind: str = "comment", round: str | None = None,
                anchor: Anchor | None = None, line_start: int | None = None,
                line_end: int | None = None, quote: str | None = None) -> CommentEvent:
        """``line_start``/``quote`` build an anchor against the committed text at HEAD."""
        section = manifest.section(section_id)
        if section is None:
            ids = [s.id for s in manifest.ordered_sections]
            known = ", ".join(ids[:12]) + (f", … ({len(ids)} in all)" if len(ids) > 12 else "")
            raise ProposalError(f"unknown section '{section_id}' (sections: {known})")
        if kind not in KINDS:
            raise ProposalError(f"unknown comment kind '{kind}' (use {', '.join(KINDS)})")
        check_text(body, "comment")
        if round is not None:
            check_text(round, "round", one_line=True)
            round = self._round(round) if round.strip() else None
        if quote is not None:
            check_text(quote, "quote")
        require(actor, "comment", section)
        if anchor is None and (line_start is not None or quote is not None):
            head = self.repo.head()
            text = self.section_text(section, head) if head else None
            if text is None:
                raise ProposalError(f"section '{section.id}' has no committed text to anchor "
                                    f"to ({section.file})")
            anchor = make_anchor(text, head, line_start, line_end, quote)
        event = make_event("comment", section.id, actor.handle, self.clock.now(), self.rng,
                           body=body, kind=kind, round=round, anchor=anchor)
        return self._save(event, actor)

    def _round(self, label: str) -> str:
        """The round a comment names, by the one rule for round names: it must exist
        (a label naming no round was accepted once, then counted nowhere)."""
        rounds = list_rounds(self.repo)
        found = find_round(label, rounds)
        if found is None:
            known = ", ".join(r.name for r in rounds) or "none started yet"
            raise ProposalError(f"no review round {label.strip()!r} (rounds: {known}; a "
                                "manager starts one with 'proposal round start NAME')")
        return found.name

    def reply(self, manifest: Manifest, actor: Person, thread_id: str,
              body: str) -> CommentEvent:
        check_text(body, "reply")
        thread = self.thread(thread_id)
        require(actor, "reply", manifest.section(thread.section))
        event = make_event("reply", thread.section, actor.handle, self._after(thread),
                           self.rng, body=body, thread=thread.id)
        return self._save(event, actor)

    def set_resolved(self, manifest: Manifest, actor: Person, thread_id: str,
                     resolved: bool, note: str = "") -> CommentEvent:
        check_text(note, "note")
        thread = self.thread(thread_id)
        action = "resolve" if resolved else "reopen"
        if thread.resolved == resolved:
            raise ProposalError(f"thread {thread.id} is already "
                                f"{'resolved' if resolved else 'open'}")
        author = thread.root.author if thread.root else None
        require(actor, action, manifest.section(thread.section), comment_author=author)
        event = make_event(action, thread.section, actor.handle, self._after(thread), self.rng,
                           body=note, thread=thread.id)
        return self._save(event, actor)

    # -- reading --------------------------------------------------------------------------
    def section_text(self, section: Section, commit: str | None) -> str | None:
        """The section file at ``commit`` (cached: commits never change), or None if absent."""
        if commit is None:
            return None
        key = (commit, section.file)
        if key not in self._texts:
            self._texts[key] = None
            try:
                entries = self.repo.tree_entries(commit)
            except ProposalError:
                return None  # e.g. a commit this clone has not fetched
            entry = entries.get(section.file)
            if entry is not None and entry[0] in ("100644", "100755"):
                data = self.repo.read_blobs([entry[1]]).get(entry[1])
                if data is not None:
                    with contextlib.suppress(ProposalError):
                        self._texts[key] = decode_text(data, section.file)
        return self._texts[key]

    def position(self, manifest: Manifest, thread: Thread) -> Position | None:
        """Where the thread's anchor is in the committed text at HEAD (None: no anchor)."""
        anchor = thread.root.anchor if thread.root else None
        section = manifest.section(thread.section)
        if anchor is None:
            return None
        if section is None:
            return Position(None, None, True)
        head = self.repo.head()
        return locate(anchor, self.section_text(section, anchor.commit),
                      self.section_text(section, head))

    def select(self, manifest: Manifest, section: str | None = None, open_only: bool = False,
               mine: Person | None = None) -> list[Thread]:
        """Threads filtered as `proposal comments` offers; ``mine``: started or joined."""
        if section is not None:
            found = manifest.section(section)  # a former id names the renamed section
            if found is None:
                raise ProposalError(f"unknown section '{section}'")
            section = found.id
        out = []
        for t in follow_renames(self.threads(), manifest.aliases):
            if section is not None and t.section != section:
                continue
            if open_only and t.resolved:
                continue
            if mine is not None and not _involves(t, mine.handle):
                continue
            out.append(t)
        return out

    def thread_json(self, manifest: Manifest, thread: Thread) -> dict[str, Any]:
        root = thread.root
        anchor: dict[str, Any] | None = None
        if root is not None and root.anchor is not None:
            a, pos = root.anchor, self.position(manifest, thread)
            anchor = {"line_start": a.line_start, "line_end": a.line_end, "quote": a.quote,
                      "commit": a.commit,
                      "current_line": pos.line_start if pos else None,
                      "current_line_end": pos.line_end if pos else None,
                      "outdated": pos.outdated if pos else False}
        return {
            "id": thread.id, "section": thread.section,
            "author": root.author if root else None,
            "created": _iso(root.created) if root else None,
            "body": root.body if root else None,
            "kind": thread.kind, "round": root.round if root else None,
            "resolved": thread.resolved, "resolved_by": thread.resolved_by,
            "resolved_at": _iso(thread.resolved_at),
            "anchor": anchor,
            "outdated": bool(anchor and anchor["outdated"]),
            "orphan": thread.orphan,
            "last_activity": _iso(thread.last_activity),
            "replies": [{"id": e.id, "author": e.author, "created": _iso(e.created),
                         "body": e.body} for e in thread.replies],
            "events": [{"id": e.id, "action": e.action, "author": e.author,
                        "created": _iso(e.created), "body": e.body} for e in thread.events],
        }


def _involves(thread: Thread, handle: str) -> bool:
    if thread.root is not None and thread.root.author == handle:
        return True
    return any(e.author == handle for e in thread.events)


def _iso(when: dt.datetime | None) -> str | None:
    return None if when is None else when.isoformat(timespec="microseconds").replace(
        "+00:00", "Z")


def check_text(text: str, what: str, one_line: bool = False) -> None:
    """Refuse text git or JSON would mangle: undecodable bytes (surrogates from a non-UTF-8
    argv) and NUL; everything else is stored exactly as written."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ProposalError(f"the {what} text is not valid UTF-8") from None
    if "\0" in text:
        raise ProposalError(f"the {what} text contains a NUL character")
    if one_line and ("\n" in text or "\r" in text):
        raise ProposalError(f"the {what} must be one line")
