"""What the dashboard's screens show, loaded off the UI thread in one go: the snapshot, each
section's text as the writer sees it (work tree or HEAD, cached by blob), where each comment's
passage is now, and who is acting. Where a limit is in pages, each section's pages are the
last typeset measurement (services/pages.py) or, until one is known, the word estimate; the
TUI measures in a worker of its own and re-applies them with :func:`with_pages`.

Nothing here imports Textual: the TUI's load worker calls :func:`load` and posts the result,
so the whole load can be tested (and timed) without an app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from proposal_tui.domain.anchors import Position
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.model import Manifest, Person, SectionState
from proposal_tui.domain.status import with_page_figure
from proposal_tui.domain.text import clean_for_display, decode_text, one_line
from proposal_tui.services.identity import Actor, resolve_actor
from proposal_tui.services.reviews import ReviewService
from proposal_tui.services.snapshot import Activity, ProposalService, Snapshot
from proposal_tui.store.repo import ProposalRepo, blob_sha

if TYPE_CHECKING:  # typesetting is imported by the first measure, not at start-up
    from proposal_tui.services.pages import PageService

PREVIEW_LIMIT = 256_000  # bytes of a section shown in the preview; the rest is elided


@dataclass(frozen=True)
class DashboardData:
    """One consistent view: a snapshot plus what the widgets need beside it.

    ``error`` is a fatal load problem (bad manifest, unreadable repository) as one line naming
    file:line; the last good ``snapshot`` is kept so the screen stays useful meanwhile.
    """

    snapshot: Snapshot | None = None
    texts: Mapping[str, str] = field(default_factory=dict)
    positions: Mapping[str, Position] = field(default_factory=dict)  # thread id -> anchor now
    actor: Actor = Actor(None, "not loaded yet")
    error: str | None = None
    generation: int = 0
    notes: tuple[Activity, ...] = ()  # what the watcher saw that is not a commit (fetches...)

    @property
    def activity(self) -> tuple[Activity, ...]:
        """Commits, comment events and repository notes, newest first."""
        items = self.snapshot.activity if self.snapshot else ()
        if not self.notes:
            return items
        # Notes are kept oldest first; a stable sort keeps same-moment notes newest first.
        return tuple(sorted((*reversed(self.notes), *items), key=lambda a: a.when,
                            reverse=True))

    @property
    def manifest(self) -> Manifest | None:
        return self.snapshot.manifest if self.snapshot else None

    def state(self, section_id: str | None) -> SectionState | None:
        if self.snapshot is None or section_id is None:
            return None
        return self.snapshot.state(section_id)

    @property
    def unmeasured(self) -> frozenset[tuple[str, int]]:
        """(section id, words) of each section with a page limit still shown as an estimate:
        what a measuring worker has to typeset."""
        if self.snapshot is None:
            return frozenset()
        return frozenset((s.section.id, s.words) for s in self.snapshot.states
                         if s.page_figure is not None and not s.page_figure.measured
                         and not s.error and not s.missing)


def note_activity(text: str, when: dt.datetime) -> Activity:
    """A watcher note ("origin/main has 3 new commits") as an activity feed item."""
    return Activity(when=when, who="", what="note", subject=text)


class TextCache:
    """Display texts by blob id (of the bytes shown): a blob never changes, so neither does
    its cleaned text. A refresh after one commit then reads and cleans one file, not all.
    Used by one thread at a time (the app's exclusive load worker)."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}

    def text(self, sha: str, data: bytes | None, path: str) -> str | None:
        """The cleaned text of blob ``sha``; ``data`` is needed only on a miss."""
        cached = self._texts.get(sha)
        if cached is None and data is not None:
            cached = self._texts[sha] = display_text(data, path)
        return cached

    def __contains__(self, sha: object) -> bool:
        return sha in self._texts

    def keep_only(self, shas: set[str]) -> None:
        """Forget texts no section shows any more, so the cache stays section-sized."""
        self._texts = {k: v for k, v in self._texts.items() if k in shas}


def display_text(data: bytes, path: str) -> str:
    """A section's bytes as preview text: decoded, cut at PREVIEW_LIMIT, controls removed."""
    elided = len(data) > PREVIEW_LIMIT
    try:
        text = decode_text(data[:PREVIEW_LIMIT], path)
    except ProposalError:
        text = data[:PREVIEW_LIMIT].decode("utf-8", "replace")
    if elided:
        text += "\n\n… (preview cut; open the file with e to see it all)\n"
    return clean_for_display(text)


def read_texts(repo: ProposalRepo, snapshot: Snapshot,
               cache: TextCache | None = None) -> dict[str, str]:
    """Each section's text as the writer sees it (work tree first), cleaned for display.

    Work-tree files are read only where the snapshot says they may differ from HEAD, and
    committed blobs only when ``cache`` does not know them yet.
    """
    cache = TextCache() if cache is None else cache
    states = [s for s in snapshot.states if not s.error and not s.missing]
    changed = snapshot.worktree_changed
    from_work = [s.section.file for s in states if not repo.bare and (
        changed is None or s.section.file in changed or s.section.file not in snapshot.blob_ids)]
    working = repo.read_files(from_work, {}) if from_work else {}  # {}: work tree only
    wanted: dict[str, tuple[str, bytes | None]] = {}  # path -> (sha, bytes if just read)
    for state in states:
        path = state.section.file
        content = working.get(path)
        if content is not None and content.problem:
            continue
        if content is not None and content.working is not None:
            wanted[path] = (blob_sha(content.working), content.working)
        elif path in snapshot.blob_ids:  # unchanged, or deleted from the work tree only
            wanted[path] = (snapshot.blob_ids[path], None)
    blobs = repo.read_committed({path: sha for path, (sha, data) in wanted.items()
                                 if data is None and sha not in cache})
    texts: dict[str, str] = {}
    for state in states:
        path = state.section.file
        if path not in wanted:
            continue
        sha, data = wanted[path]
        text = cache.text(sha, data if data is not None else blobs.get(sha), path)
        if text is not None:
            texts[state.section.id] = text
    cache.keep_only({sha for sha, _data in wanted.values()})
    return texts


def anchor_positions(reviews: ReviewService, snapshot: Snapshot) -> dict[str, Position]:
    """Where each anchored comment's passage is now (or that it is outdated)."""
    positions: dict[str, Position] = {}
    for thread in snapshot.threads:
        if thread.root is None or thread.root.anchor is None:
            continue
        try:
            position = reviews.position(snapshot.manifest, thread)
        except ProposalError:
            continue
        if position is not None:
            positions[thread.id] = position
    return positions


def with_pages(snapshot: Snapshot, pages: PageService) -> Snapshot:
    """The snapshot with each page-limited section's pages as last measured, else estimated
    (never typesets: answers from what the measuring worker left)."""
    manifest = snapshot.manifest
    states = tuple(with_page_figure(s, pages.pages_for_section(manifest, s.section, s.words))
                   if s.section.page_limit is not None else s for s in snapshot.states)
    return replace(snapshot, states=states)


def load(service: ProposalService, explicit: str | Person | None,
         env: Mapping[str, str] | None, generation: int,
         reviews: ReviewService | None = None, texts: TextCache | None = None,
         pages: PageService | None = None) -> DashboardData:
    """Everything for one refresh. Raises ProposalError when the proposal cannot be read.

    ``reviews`` (used by this thread only: it caches section texts by commit) locates
    comment anchors in today's text; ``texts`` (same thread) keeps cleaned section texts
    between refreshes; ``pages`` gives page-limited sections their measured pages.
    """
    snapshot = service.snapshot()
    if pages is not None:
        pages.recall(snapshot.manifest, snapshot.states)
        snapshot = with_pages(snapshot, pages)
    return DashboardData(snapshot=snapshot, texts=read_texts(service.repo, snapshot, texts),
                         positions=anchor_positions(reviews, snapshot) if reviews else {},
                         actor=resolve_actor(snapshot.manifest, service.repo, explicit, env),
                         generation=generation)


def error_line(exc: BaseException) -> str:
    """A fatal load error as one safe line: 'proposal.toml:12: unknown status ...'."""
    if isinstance(exc, ProposalError):
        text = str(exc)
        extra = len(getattr(exc, "problems", ())) - 1
        if extra > 0:
            text += f" (+{extra} more)"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return one_line(text, 300)
