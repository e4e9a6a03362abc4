"""The library of past proposals: keep its list, index it, search it, find who wrote on a
topic, and reuse a passage in the open proposal with a line saying where it came from.

Front ends reach it through ``Workspace.library`` (the open proposal's) or, for commands that
run with no open proposal, :func:`open_library`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proposal_tui.domain.clock import Clock
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.library import (
    Evidence,
    Expert,
    fts_query,
    provenance_line,
    rank_experts,
    snippet_segments,
    topic_query,
)
from proposal_tui.domain.model import Manifest, Person, ProposalInfo, Section
from proposal_tui.domain.permissions import require
from proposal_tui.domain.text import decode_text
from proposal_tui.domain.wordcount import format_for_path
from proposal_tui.store import library_list
from proposal_tui.store.atomic import write_output
from proposal_tui.store.library_list import LibraryEntry

if TYPE_CHECKING:  # the index (sqlite3, threads) loads on first use, not with `check`
    from proposal_tui.store.library_index import IndexStats, LibraryIndex, StoredPassage

_URL_RE = re.compile(r"^([a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.IGNORECASE)
EXPERT_EVIDENCE = 100  # passages weighed for the expert ranking


@dataclass(frozen=True)
class SearchHit:
    passage: StoredPassage
    score: float
    snippet: tuple[tuple[str, bool], ...]  # (text, highlighted)

    def to_json(self) -> dict[str, Any]:
        text, spans = "", []
        for piece, hit in self.snippet:
            if hit:
                spans.append([len(text), len(text) + len(piece)])
            text += piece
        return {**passage_json(self.passage), "score": round(self.score, 4), "snippet": text,
                "highlights": spans}


@dataclass(frozen=True)
class ExpertHit:
    expert: Expert
    passages: tuple[StoredPassage, ...]  # the ones that earned it, best first

    def to_json(self) -> dict[str, Any]:
        e = self.expert
        return {"name": e.name, "email": e.email, "score": round(e.score, 4), "lines": e.lines,
                "last": e.last.isoformat() if e.last else None, "outcomes": e.outcomes,
                "passages": [passage_json(p, body=False) for p in self.passages]}


def passage_json(p: StoredPassage, body: bool = True) -> dict[str, Any]:
    place, facts = p.placement, p.proposal
    out: dict[str, Any] = {
        "id": p.id, "proposal": facts.name, "title": facts.title, "client": facts.client,
        "solicitation": facts.solicitation, "outcome": facts.outcome or None,
        "date": facts.date or place.date, "ref": place.ref, "commit": place.commit,
        "path": place.path, "section": place.section, "section_title": place.section_title,
        "requirements": list(place.requirements), "heading": p.heading,
        "lines": [p.line_start, p.line_end],
        "authors": [{"name": a.name, "email": a.email, "lines": a.lines} for a in p.authors]}
    if body:
        out["text"] = p.body
    return out


class LibraryService:
    """One library list and its index."""

    def __init__(self, listing: Path, index_path: Path, clones: Path, clock: Clock) -> None:
        self.listing = listing
        self.clones = clones
        self.clock = clock
        self.index_path = index_path

    @cached_property
    def index_store(self) -> LibraryIndex:
        from proposal_tui.store.library_index import LibraryIndex

        return LibraryIndex(self.index_path)

    # -- the list ---------------------------------------------------------------------------
    def entries(self) -> list[LibraryEntry]:
        return library_list.load(self.listing)

    def add(self, target: str, name: str | None = None) -> LibraryEntry:
        """A repository by path (read in place) or URL (cloned into the library's folder)."""
        entries = self.entries()
        is_url = bool(_URL_RE.match(target)) and not Path(target).exists()
        base = re.sub(r"\.git$", "", target.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1])
        name = name or re.sub(r"[^A-Za-z0-9._-]", "-", base).lstrip("._-") or "proposal"
        library_list.check_name(name)
        if any(e.name == name for e in entries):
            raise ProposalError(f"the library already has a repository named {name!r} "
                                "(give another with --name)", str(self.listing))
        if target.startswith("-"):
            raise ProposalError(f"{target!r}: a path or URL may not start with '-'")
        if is_url:
            folder = self.clones / name
            if folder.exists():
                raise ProposalError(f"{folder} exists already; remove it or choose --name")
            library_list.clone(target, folder)
            entry = LibraryEntry(name, str(folder), target)
        else:
            path = Path(target).expanduser().absolute()
            if not library_list.is_repository(path):
                raise ProposalError("not a git repository", str(path))
            entry = LibraryEntry(name, str(path))
        library_list.save(self.listing, [*entries, entry])
        return entry

    def remove(self, name: str) -> LibraryEntry:
        entries = self.entries()
        gone = next((e for e in entries if e.name == name), None)
        if gone is None:
            raise ProposalError(f"no repository named {name!r} in the library",
                                str(self.listing))
        library_list.save(self.listing, [e for e in entries if e.name != name])
        return gone

    # -- the index --------------------------------------------------------------------------
    def index(self, fetch: bool = False) -> IndexStats:
        """Bring the index up to date (``fetch``: cloned repositories fetch first). A fetch
        that fails is that repository's problem: it is indexed as it is, the others too."""
        entries = self.entries()
        fetched, problems = 0, []
        for entry in entries if fetch else ():
            if entry.url:
                try:
                    library_list.fetch(Path(entry.path))
                    fetched += 1
                except ProposalError as exc:
                    problems.append(f"{entry.name}: {exc}")
        stats = self.index_store.update(entries)
        stats.fetched = fetched
        stats.problems[:0] = problems
        return stats

    def ensure_indexed(self) -> None:
        """Index what was never indexed (a new list entry, a rebuilt database); moved
        repositories wait for ``proposal library index``. A list unchanged since the last
        check that found everything indexed is not read again."""
        stamp = library_list.digest(self.listing)
        if stamp and self.index_store.meta("listing") == stamp:
            return
        entries = self.entries()
        names = {e.name for e in entries}
        if names != self.index_store.indexed_repos():
            self.index_store.update(entries)
        if stamp and names == self.index_store.indexed_repos():
            self.index_store.set_meta("listing", stamp)

    # -- reading ----------------------------------------------------------------------------
    def search(self, query: str, limit: int = 10, client: str | None = None,
               outcome: str | None = None) -> list[SearchHit]:
        expression = fts_query(query)
        if expression is None:
            raise ProposalError(f"nothing to search for in {query!r} (give a word)")
        self.ensure_indexed()
        matches = self.index_store.match(expression, limit, client, outcome)
        stored = self.index_store.passages([m.id for m in matches])
        return [SearchHit(stored[m.id], m.score, tuple(snippet_segments(m.snippet)))
                for m in matches if m.id in stored]

    def experts(self, query: str, limit: int = 10, per_person: int = 3,
                index_missing: bool = True) -> list[ExpertHit]:
        expression = fts_query(query)
        if expression is None:
            raise ProposalError(f"nothing to search for in {query!r} (give a word)")
        if index_missing:
            self.ensure_indexed()
        matches = self.index_store.match(expression, EXPERT_EVIDENCE, snippets=False)
        stored = self.index_store.passages([m.id for m in matches])
        evidence = [Evidence(m.id, m.score, stored[m.id].proposal.outcome,
                             stored[m.id].authors) for m in matches if m.id in stored]
        ranked = rank_experts(evidence, self.clock.now(), limit)
        return [ExpertHit(e, tuple(stored[pid] for pid, _ in e.passages[:per_person]))
                for e in ranked]

    def passage(self, passage_id: int) -> StoredPassage | None:
        return self.index_store.passages([passage_id]).get(passage_id)

    def foreign_names(self, own: ProposalInfo) -> list[tuple[str, str]]:
        """Other proposals' clients and solicitations (name, where from), never this
        proposal's own; empty when the library was never indexed."""
        if not self.index_path.exists():
            return []
        mine = {own.client.strip().lower(), own.solicitation.strip().lower(), ""}
        names: dict[str, str] = {}
        for facts in self.index_store.proposals():
            for name in (facts.client, facts.solicitation):
                if name.strip().lower() not in mine and len(name.strip()) >= 4:
                    names.setdefault(name.strip(), f"{facts.name} ({facts.title})")
        return sorted(names.items())

    # -- the open proposal ------------------------------------------------------------------
    def topic(self, manifest: Manifest, requirements: Mapping[str, str],
              section_text: str = "", section_id: str | None = None,
              requirement_id: str | None = None) -> str:
        """The query for a section (title, requirement texts, frequent words) or one
        requirement (its text)."""
        if requirement_id is not None:
            if requirement_id not in requirements:
                raise ProposalError(f"no requirement {requirement_id!r} in requirements.toml")
            return requirements[requirement_id] or requirement_id
        section = _section(manifest, section_id or "")
        parts = [section.title, *(requirements.get(r, "") for r in section.requirements)]
        return topic_query(parts, section_text)

    def team_experts(self, manifest: Manifest, query: str, limit: int = 5
                     ) -> list[tuple[Person, ExpertHit]]:
        """The people of this proposal who wrote on the topic before, best first (from the
        index as it is: a dashboard hint never indexes)."""
        by_email = {p.email.lower(): p for p in manifest.people if p.email}
        hits = self.experts(query, limit=50, per_person=1, index_missing=False)
        return [(by_email[h.expert.email], h) for h in hits
                if h.expert.email in by_email][:limit]

    def append_to_section(self, root: Path, manifest: Manifest, actor: Person,
                          section_id: str, passage_id: int) -> Path:
        """Append a passage to a section's file in the work tree (the owner's or a manager's
        action), under a comment naming its repository, commit and path. Not committed."""
        section = _section(manifest, section_id)
        require(actor, "edit-section", section)
        passage = self.passage(passage_id)
        if passage is None:
            raise ProposalError(f"no passage {passage_id} in the library index")
        target = root / section.file
        try:
            current = decode_text(target.read_bytes(), section.file)
        except FileNotFoundError:
            current = ""
        except OSError as exc:
            raise ProposalError(f"cannot read: {exc.strerror}", section.file) from None
        place = passage.placement
        line = provenance_line(format_for_path(section.file), passage.proposal.name,
                               place.commit, place.path, passage.line_start, passage.line_end)
        if current and not current.endswith("\n"):
            current += "\n"
        gap = "\n" if current.strip() else ""
        block = "\n\n".join(x for x in (passage.heading and _heading(section.file,
                                                                     passage.heading),
                                        passage.body) if x)
        write_output(target, (current + gap + line + "\n" + block + "\n").encode("utf-8"))
        return target


def _section(manifest: Manifest, section_id: str) -> Section:
    section = manifest.section(section_id)
    if section is None:
        raise ProposalError(f"no section {section_id!r} in the plan")
    return section


def _heading(path: str, text: str) -> str:
    fmt = format_for_path(path)
    if fmt == "latex":
        return "\\subsection{" + text + "}"
    if fmt == "rst":
        return f"{text}\n{'-' * max(3, len(text))}"
    if fmt == "markdown":
        return f"## {text}"
    return text


def open_library(explicit: str | None, env: Mapping[str, str], clock: Clock) -> LibraryService:
    """The library for a command with no open proposal: ``--library FILE``, else
    ``PROPOSAL_LIBRARY``, else the user's own list."""
    listing = library_list.list_file(explicit, env)
    return LibraryService(listing, library_list.index_file(listing, env),
                          library_list.clone_folder(env), clock)

