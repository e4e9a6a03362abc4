"""Review rounds as use cases: start and close (manager only), list with coverage, and the
per-section diff between two rounds that the CLI prints and the TUI's round screen shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from proposal_tui.domain.clock import Clock
from proposal_tui.domain.comments import CommentEvent
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.manifest import MANIFEST_NAME
from proposal_tui.domain.model import Manifest, Person
from proposal_tui.domain.permissions import require
from proposal_tui.domain.rounds import (
    CLOSE_PREFIX,
    Coverage,
    Round,
    SectionAt,
    SectionDiff,
    coverage,
    current_round,
    find_round,
    pair_sections,
    round_name,
    round_threads,
    sections_at,
    thread_outcomes,
    word_changes,
)
from proposal_tui.domain.wordcount import count_words, format_for_path
from proposal_tui.services.identity import identity_of
from proposal_tui.store.comments import CommentStore
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.store.rounds import create_tag, files_at, list_rounds, resolve_commit

HEAD = "HEAD"


@dataclass(frozen=True)
class Point:
    """One end of a round diff: a round's tagged commit, or HEAD now."""

    label: str
    commit: str
    moment: dt.datetime
    round: Round | None = None


@dataclass(frozen=True)
class RoundDiff:
    a: Point
    b: Point
    sections: tuple[SectionDiff, ...]

    def to_json(self) -> dict[str, Any]:
        def point(p: Point) -> dict[str, Any]:
            return {"name": p.label, "commit": p.commit, "date": p.moment.isoformat()}

        return {"a": point(self.a), "b": point(self.b), "sections": [{
            "id": s.section, "title": s.title, "file_a": s.file_a, "file_b": s.file_b,
            "words_a": s.words_a, "words_b": s.words_b, "added": s.added, "removed": s.removed,
            "changed": s.changed, "renamed_from": s.renamed_from,
            "comments": {"total": len(s.threads),
                         "resolved_by_edit": s.count("resolved-by-edit"),
                         "resolved_without_edit": s.count("resolved-without-edit"),
                         "open": s.count("open")},
            "threads": [{"id": t.thread, "author": t.author, "kind": t.kind, "body": t.body,
                         "outcome": t.outcome, "quote_gone": t.quote_gone}
                        for t in s.threads],
        } for s in self.sections]}


def round_json(r: Round, cover: list[Coverage] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": r.name, "tag": r.tag, "commit": r.commit, "started_at": r.started_at.isoformat(),
        "started_by": r.started_by, "message": r.message, "open": r.open,
        "closed_commit": r.closed_commit,
        "closed_at": r.closed_at.isoformat() if r.closed_at else None, "closed_by": r.closed_by}
    if cover is not None:
        data["coverage"] = [{"section": c.section, "reviewed": c.reviewed, "threads": c.threads,
                             "reviewers": list(c.reviewers)} for c in cover]
    return data


@dataclass
class RoundService:
    repo: ProposalRepo
    clock: Clock
    comments: CommentStore

    # -- reading ---------------------------------------------------------------------------
    def rounds(self) -> list[Round]:
        return list_rounds(self.repo)

    def current(self) -> Round | None:
        """The round comments made now belong to (the review front ends default to it)."""
        return current_round(self.rounds())

    def get(self, name: str) -> Round:
        key = round_name(name)
        found = find_round(key, self.rounds())
        if found is None:
            known = ", ".join(r.name for r in self.rounds()) or "none yet"
            raise ProposalError(f"no round '{key}' (rounds: {known}; start one with "
                                f"'proposal round start {key}')")
        return found

    def events(self) -> list[CommentEvent]:
        return self.comments.events()

    def coverage(self, rnd: Round, manifest: Manifest,
                 events: list[CommentEvent] | None = None) -> list[Coverage]:
        """Per section (in order): was it reviewed in this round? For the timeline."""
        events = self.events() if events is None else events
        return coverage(events, rnd, [s.id for s in manifest.ordered_sections],
                        until=None if rnd.open else rnd.closed_at)

    # -- writing ---------------------------------------------------------------------------
    def start(self, manifest: Manifest, actor: Person, name: str, rev: str = HEAD,
              note: str = "") -> Round:
        require(actor, "manage-rounds")
        key = round_name(name)
        taken = find_round(key, self.rounds())
        if taken is not None:
            raise ProposalError(f"round '{taken.name}' was already started; pick another "
                                f"name (e.g. {key}-2)")
        commit = resolve_commit(self.repo, rev)
        message = f"Start {key} review round\n\n{note.strip()}\n\nProposal-Round: {key}" \
            if note.strip() else f"Start {key} review round\n\nProposal-Round: {key}"
        create_tag(self.repo, "round/" + key, commit, message, identity_of(actor),
                   self.clock.now())
        return self.get(key)

    def close(self, manifest: Manifest, actor: Person, name: str, rev: str = HEAD,
              note: str = "") -> Round:
        require(actor, "manage-rounds")
        rnd = self.get(name)
        if not rnd.open:
            raise ProposalError(f"round '{rnd.name}' was already closed on "
                                f"{rnd.closed_at.isoformat() if rnd.closed_at else '?'}")
        commit = resolve_commit(self.repo, rev)
        message = f"Close {rnd.name} review round\n\n" + (note.strip() + "\n\n" if note.strip()
                                                         else "") + f"Proposal-Round: {rnd.name}"
        create_tag(self.repo, CLOSE_PREFIX + rnd.name, commit, message, identity_of(actor),
                   self.clock.now())
        return self.get(rnd.name)

    # -- the diff --------------------------------------------------------------------------
    def _point(self, label: str) -> Point:
        if label.strip().upper() == HEAD:
            head = self.repo.head()
            if head is None:
                raise ProposalError("the repository has no commits yet")
            return Point(HEAD, head, self.clock.now())
        rnd = self.get(label)
        return Point(rnd.name, rnd.commit, rnd.started_at, rnd)

    def diff(self, a: str, b: str, section: str | None = None) -> RoundDiff:
        """Per section: words at A and B, words added/removed, and what became of round A's
        comments by B (resolved by an edit, resolved without one, still open)."""
        pa, pb = self._point(a), self._point(b)
        if pa.round is None:
            raise ProposalError("the first round of a diff must be a round name, not HEAD")
        man_a, man_b = (files_at(self.repo, p.commit, [MANIFEST_NAME])[MANIFEST_NAME]
                        for p in (pa, pb))
        at_a = sections_at((man_a or b"").decode("utf-8", "replace"))
        at_b = sections_at((man_b or b"").decode("utf-8", "replace"))
        pairs = pair_sections(at_a, at_b)
        if section is not None:
            pairs = [(ia, ib) for ia, ib in pairs if section in (ia, ib)
                     or (ib is not None and section in at_b[ib].renamed_from)]
            if not pairs:
                raise ProposalError(f"unknown section '{section}' (in neither {pa.label} nor "
                                    f"{pb.label})")
        texts_a = self._texts(pa.commit, {ia: at_a[ia].file for ia, _ in pairs if ia})
        texts_b = self._texts(pb.commit, {ib: at_b[ib].file for _, ib in pairs if ib})
        owners = _thread_owners(pairs, at_b)
        threads = round_threads(self.events(), pa.round, until=pb.moment)
        result = []
        for index, (ia, ib) in enumerate(pairs):
            old, new = texts_a.get(ia or "", ""), texts_b.get(ib or "", "")
            file_a = at_a[ia].file if ia else None
            file_b = at_b[ib].file if ib else None
            sid = ib or ia or ""
            title = (at_b[ib] if ib else at_a[sid]).title
            added, removed = word_changes(old, new)
            words_a = count_words(old, format_for_path(file_a)) if file_a else 0
            words_b = count_words(new, format_for_path(file_b)) if file_b else 0
            outcomes = thread_outcomes([t for t in threads if owners.get(t.section) == index],
                                       added > 0 or removed > 0, new)
            result.append(SectionDiff(section=sid, title=title, file_a=file_a, file_b=file_b,
                                      words_a=words_a, words_b=words_b, added=added,
                                      removed=removed, threads=tuple(outcomes),
                                      renamed_from=ia if ia and ib and ia != ib else None))
        return RoundDiff(a=pa, b=pb, sections=tuple(result))

    def _texts(self, commit: str, files: dict[str, str]) -> dict[str, str]:
        blobs = files_at(self.repo, commit, list(dict.fromkeys(files.values())))
        return {sid: (blobs.get(path) or b"").decode("utf-8", "replace")
                for sid, path in files.items()}


def _thread_owners(pairs: list[tuple[str | None, str | None]],
                   at_b: dict[str, SectionAt]) -> dict[str, int]:
    """Section id a comment was written with -> the pair it belongs to: its id at either end,
    else one of its former ids (comment events keep the id they were written with)."""
    owners: dict[str, int] = {}
    for index, ids in enumerate(pairs):
        for sid in ids:
            if sid is not None:
                owners.setdefault(sid, index)
    for index, (_, ib) in enumerate(pairs):
        for former in at_b[ib].renamed_from if ib else ():
            owners.setdefault(former, index)
    return owners
