"""The composition root: one proposal repository, one clock and one acting person, with each
store and service built once and shared by whoever asks.

Every front end (the CLI, the TUI, the SSH server) builds one :class:`Workspace` and takes
everything from it, so the services share one comment store (one cache folder, in the git
dir) and one history index instead of each building its own. Members are built on first use:
`proposal status` never builds the review or export services, and importing this module
imports none of them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proposal_tui.domain.clock import Clock, SystemClock
from proposal_tui.domain.model import Manifest, Person
from proposal_tui.store.repo import ProposalRepo

if TYPE_CHECKING:
    from proposal_tui.services.calendar import CalendarEvent
    from proposal_tui.services.compliance import ComplianceService
    from proposal_tui.services.digest import DigestService
    from proposal_tui.services.edits import PlanEdits
    from proposal_tui.services.export import ExportService
    from proposal_tui.services.identity import Actor
    from proposal_tui.services.keys import KeyEdits
    from proposal_tui.services.library import LibraryService
    from proposal_tui.services.mine import MineService
    from proposal_tui.services.pages import PageService
    from proposal_tui.services.plan import PlanService
    from proposal_tui.services.progress import ProgressService
    from proposal_tui.services.reviews import ReviewService
    from proposal_tui.services.rounds import RoundService
    from proposal_tui.services.snapshot import ProposalService
    from proposal_tui.services.sync import SyncResult
    from proposal_tui.services.verify import Report
    from proposal_tui.store.comments import CommentStore
    from proposal_tui.store.fingerprint import Change


class _built_once(cached_property):
    """A cached_property that builds its value once even when two threads ask for it first
    at the same time (Python 3.12 dropped cached_property's own lock): two comment stores
    would each cache the branch, and a service could hold the one nobody else uses."""

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        with instance._building:  # noqa: SLF001 - the Workspace's own lock
            return super().__get__(instance, owner)


class Workspace:
    """``Workspace(path, clock, acting=handle, env=os.environ)``.

    ``path`` is the repository (None: the one enclosing the current folder; a bare one works
    too) or an already open :class:`ProposalRepo`. ``acting`` is who acts: a handle (as
    ``--as`` gives it), a Person, or None to look them up from ``env`` (PROPOSAL_USER) and
    git's user.email. The repository is opened on first use, so a bad path is reported by
    the first command that needs it.

    Members may be used from several threads (the TUI reads in workers): the comment store
    and the proposal service lock what they cache. A :class:`ReviewService` caches section
    texts for one thread; a second thread gets its own from :meth:`new_reviews`.
    """

    def __init__(self, path: Path | str | ProposalRepo | None = None,
                 clock: Clock | None = None, acting: str | Person | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        self.path = path
        self.clock: Clock = clock or SystemClock()
        self.acting = acting
        self.env: Mapping[str, str] = os.environ if env is None else env
        self._building = threading.RLock()

    @property
    def served(self) -> bool:
        """Run by `proposal serve` for a remote person (``PROPOSAL_SERVED=1``): nothing may
        start a program on the server for them (the editor is not offered)."""
        return self.env.get("PROPOSAL_SERVED") == "1"

    # -- stores ---------------------------------------------------------------------------
    @_built_once
    def repo(self) -> ProposalRepo:
        from proposal_tui.store.signing import signer_from_env

        repo = self.path if isinstance(self.path, ProposalRepo) else \
            ProposalRepo.open(self.path)
        repo.signer = signer_from_env(self.env)  # set only by `proposal serve`
        return repo

    @_built_once
    def comments(self) -> CommentStore:
        """The comment branch, cached in memory and in ``<git dir>/proposal-tui/``."""
        from proposal_tui.store.comments import CommentStore

        return CommentStore(self.repo.root, cache_dir=self.repo.git_dir)

    # -- services -------------------------------------------------------------------------
    @_built_once
    def proposals(self) -> ProposalService:
        """The plan and its state now (:meth:`ProposalService.snapshot`)."""
        from proposal_tui.services.snapshot import ProposalService

        return ProposalService(self.repo, self.clock, self.comments)

    @_built_once
    def reviews(self) -> ReviewService:
        """Comments: write them, list them, locate their passages (one thread at a time)."""
        return self.new_reviews()

    def new_reviews(self) -> ReviewService:
        """A review service of its own, for a thread that locates anchors beside the one
        using :attr:`reviews` (it caches section texts by commit, unlocked); it shares the
        comment store."""
        from proposal_tui.services.reviews import ReviewService

        return ReviewService(self.repo, self.clock, self.comments)

    @_built_once
    def rounds(self) -> RoundService:
        from proposal_tui.services.rounds import RoundService

        return RoundService(self.repo, self.clock, self.comments)

    @_built_once
    def compliance(self) -> ComplianceService:
        from proposal_tui.services.compliance import ComplianceService

        # Served: the server account's library is other teams' proposals, not for this one.
        return ComplianceService(self.repo, self.clock, self.proposals, self.pages,
                                 None if self.served else self.library)

    @_built_once
    def pages(self) -> PageService:
        """Pages per section, typeset in each one's profile (cached by content)."""
        from proposal_tui.services.pages import PageService

        return PageService(self.repo)

    @_built_once
    def export(self) -> ExportService:
        from proposal_tui.services.export import ExportService

        return ExportService(self.repo, self.clock, self.compliance)

    @_built_once
    def progress(self) -> ProgressService:
        from proposal_tui.services.progress import ProgressService

        return ProgressService(self.repo, self.clock, self.comments)

    @_built_once
    def mine(self) -> MineService:
        """One person's sections, open threads and review duties (`proposal mine`)."""
        from proposal_tui.services.mine import MineService

        return MineService(self.proposals, self.rounds)

    @_built_once
    def digest(self) -> DigestService:
        """What changed since a moment, and what needs attention (`proposal digest`)."""
        from proposal_tui.services.digest import DigestService

        return DigestService(self.repo, self.proposals)

    @_built_once
    def edits(self) -> PlanEdits:
        """Plan edits (assign, set status, set due, add a section), each one commit."""
        from proposal_tui.services.edits import PlanEdits

        return PlanEdits(self.repo)

    @_built_once
    def plan(self) -> PlanService:
        """People, milestones and sections added, changed, renamed, removed: one commit each."""
        from proposal_tui.services.plan import PlanService

        def status_now(section_id: str) -> str | None:
            state = self.proposals.snapshot(threads=False).state(section_id)
            return state.status.value if state else None

        return PlanService(self.repo, status_now)

    @_built_once
    def keys(self) -> KeyEdits:
        """SSH key edits (people's keys, the server's keys), each one commit."""
        from proposal_tui.services.keys import KeyEdits

        return KeyEdits(self.repo)

    @_built_once
    def library(self) -> LibraryService:
        """Past proposals (``PROPOSAL_LIBRARY`` or the user's list): search, experts, reuse."""
        from proposal_tui.services.library import open_library

        return open_library(None, self.env, self.clock)

    def library_topic(self, section_id: str | None = None,
                      requirement_id: str | None = None) -> str:
        """The library query for one of this proposal's sections or requirements."""
        from proposal_tui.services.compliance import read_requirements

        manifest = self.proposals.manifest()
        texts = {r.id: r.text for r in read_requirements(self.repo) or []}
        body = ""
        section = manifest.section(section_id) if section_id else None
        if section is not None:
            content = self.repo.read_files([section.file])[section.file]
            raw = content.working if content.working is not None else content.committed
            body = (raw or b"").decode("utf-8", "replace")
        return self.library.topic(manifest, texts, body, section_id, requirement_id)

    # -- who is acting ----------------------------------------------------------------------
    def actor(self, manifest: Manifest) -> Person:
        """The acting person, or a ProposalError saying how to name one (for commands)."""
        if isinstance(self.acting, Person):
            return self.acting
        from proposal_tui.services.identity import acting_person

        return acting_person(manifest, self.repo, self.acting, self.env)

    def identity_fixed(self) -> bool:
        """Whether the server fixed who acts (the SSH server or the gate): then nothing the
        user sends, a Word file's comment authors included, may name somebody else."""
        from proposal_tui.services.identity import fixed_identity

        return fixed_identity(self.env) is not None

    def resolve_actor(self, manifest: Manifest) -> Actor:
        """The acting person, or why nobody is: then a dashboard browses read-only."""
        from proposal_tui.services.identity import resolve_actor

        return resolve_actor(manifest, self.repo, self.acting, self.env)

    # -- one-call use cases -----------------------------------------------------------------
    def calendar_events(self, manifest: Manifest, person: str | None = None
                        ) -> list[CalendarEvent]:
        """Due dates, milestones and review rounds (only ``person``'s, if given)."""
        from proposal_tui.services.calendar import calendar_events

        return calendar_events(manifest, self.rounds.rounds(), person)

    def verify(self) -> Report:
        """Every comment event and plan commit: signed by a trusted server, for a key its
        author held at the time (`proposal verify`)."""
        from proposal_tui.services.verify import verify

        return verify(self.repo)

    def sync(self, remote: str = "origin") -> SyncResult:
        """Exchange comment events with ``remote`` (fetch, rebuild ours on its tip, push)."""
        from proposal_tui.services.sync import sync_comments

        return sync_comments(self.repo, remote)

    def install_hook(self, force: bool = False, python: str | None = None) -> Path:
        """The pre-receive hook that enforces roles on pushes into this repository: the
        owner's or a manager's action (a manager's only when the server fixes who acts)."""
        from proposal_tui.domain.errors import ProposalError
        from proposal_tui.services.gate import check_hook_installer
        from proposal_tui.services.setup import install_hook

        try:
            manifest = self.proposals.manifest()
        except ProposalError:
            manifest = None  # no plan yet (or a broken one): only the owner may install
        acting = self.acting.handle if isinstance(self.acting, Person) else self.acting
        check_hook_installer(self.repo, manifest, acting, self.env)
        return install_hook(self.repo, force=force, python=python)

    def describe(self, change: Change) -> list[str]:
        """A watcher's change as notes for the activity feed ("origin/main has 3 new
        commits")."""
        from proposal_tui.services.live import describe

        return describe(self.repo, change)
