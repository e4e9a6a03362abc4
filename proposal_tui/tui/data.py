"""What the screens show, loaded off the UI thread in one go.

Nothing here imports Textual: a worker thread calls :func:`load` and posts the result, so the
whole load can be tested (and timed) without an app.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from proposal_tui.domain.anchors import Position
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.model import Manifest, Person, SectionState
from proposal_tui.domain.text import clean_for_display, one_line
from proposal_tui.services.dashboard import ProposalService, Snapshot, decode_text
from proposal_tui.services.identity import find_person
from proposal_tui.services.reviews import ReviewService
from proposal_tui.store.repo import ProposalRepo

PREVIEW_LIMIT = 256_000  # bytes of a section shown in the preview; the rest is elided


@dataclass(frozen=True)
class Actor:
    """Who is acting, or why nobody is (then the app is read-only)."""

    person: Person | None
    how: str  # "--as", "PROPOSAL_USER", "git user.email", or why the lookup failed

    @property
    def label(self) -> str:
        if self.person is None:
            return "read-only (unknown user)"
        return f"{self.person.handle} ({self.person.role.value})"


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

    @property
    def manifest(self) -> Manifest | None:
        return self.snapshot.manifest if self.snapshot else None

    def state(self, section_id: str | None) -> SectionState | None:
        if self.snapshot is None or section_id is None:
            return None
        return self.snapshot.state(section_id)


def resolve_actor(manifest: Manifest, repo: ProposalRepo, explicit: str | Person | None,
                  env: Mapping[str, str] | None = None) -> Actor:
    """The acting person; an unknown one browses read-only instead of being refused."""
    if isinstance(explicit, Person):
        return Actor(explicit, "given")
    try:
        person, how = find_person(manifest, repo, explicit, os.environ if env is None else env)
    except ProposalError as exc:
        return Actor(None, one_line(exc.message, 80))
    if person is None:
        return Actor(None, one_line(f"{how} match nobody in {manifest.path}", 80))
    return Actor(person, how)


def read_texts(repo: ProposalRepo, snapshot: Snapshot) -> dict[str, str]:
    """Each section's text as the writer sees it (work tree first), cleaned for display."""
    paths = [s.section.file for s in snapshot.states if not s.error and not s.missing]
    if not paths:
        return {}
    files = repo.read_files(paths)
    texts: dict[str, str] = {}
    for state in snapshot.states:
        content = files.get(state.section.file)
        if content is None or content.problem:
            continue
        data = content.working if content.working is not None else content.committed
        if data is None:
            continue
        elided = len(data) > PREVIEW_LIMIT
        try:
            text = decode_text(data[:PREVIEW_LIMIT], state.section.file)
        except ProposalError:
            text = data[:PREVIEW_LIMIT].decode("utf-8", "replace")
        if elided:
            text += "\n\n… (preview cut; open the file with e to see it all)\n"
        texts[state.section.id] = clean_for_display(text)
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


def load(service: ProposalService, explicit: str | Person | None,
         env: Mapping[str, str] | None, generation: int,
         reviews: ReviewService | None = None) -> DashboardData:
    """Everything for one refresh. Raises ProposalError when the proposal cannot be read.

    ``reviews`` (used by this thread only: it caches section texts by commit) locates
    comment anchors in today's text.
    """
    snapshot = service.snapshot()
    return DashboardData(snapshot=snapshot, texts=read_texts(service.repo, snapshot),
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
