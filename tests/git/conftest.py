"""Fixtures of the git tests: a committed proposal clone, and watchers stopped after the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from proposal_tui.domain.clock import SystemClock
from proposal_tui.services.setup import init_proposal
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.watch import RepoWatcher
from tests.git.watch_support import Recorder


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A work tree with a proposal (manifest + one section), committed."""
    return init_proposal(tmp_path / "clone", "Watch Test", SystemClock())


@pytest.fixture
def watchers() -> Iterator[Callable[..., tuple[RepoWatcher, Recorder]]]:
    made: list[RepoWatcher] = []

    def make(path: Path, sections: list[str] | None = None,
             **kw: object) -> tuple[RepoWatcher, Recorder]:
        rec = Recorder()
        w = RepoWatcher(ProposalRepo.open(path), (lambda: sections) if sections is not None
                        else None, rec, **kw)  # type: ignore[arg-type]
        made.append(w)
        w.start()
        return w, rec

    yield make
    for w in made:
        w.stop()
