"""The workspace is the one place the core is wired: each store and service once, shared."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from proposal_tui.domain.clock import FixedClock
from proposal_tui.domain.errors import ProposalError
from proposal_tui.services.workspace import Workspace
from tests.fixtures import make_proposal

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def test_every_service_shares_one_comment_store_cached_in_the_git_dir(tmp_path: Path) -> None:
    workspace = Workspace(make_proposal(tmp_path), FixedClock(NOW), acting="rex", env={})
    store = workspace.comments
    assert workspace.proposals.comments is store
    assert workspace.reviews.comments is store
    assert workspace.rounds.comments is store
    assert workspace.progress.comments is store
    assert workspace.compliance.proposals is workspace.proposals
    assert workspace.export.compliance is workspace.compliance
    assert workspace.reviews is workspace.reviews  # built once
    # A comment written through one service is seen by the others, and the cache is on disk
    # where the next process (and the TUI) reads it.
    manifest = workspace.proposals.manifest()
    event = workspace.reviews.comment(manifest, workspace.actor(manifest), "summary", "Shorter?")
    assert [e.id for e in workspace.rounds.events()] == [event.id]
    state = workspace.proposals.snapshot().state("summary")
    assert state is not None and state.open_comments == 1
    assert (workspace.repo.git_dir / "proposal-tui" / "comments.json").is_file()


def test_a_second_thread_gets_its_own_review_service_on_the_same_store(tmp_path: Path) -> None:
    workspace = Workspace(make_proposal(tmp_path), FixedClock(NOW))
    own = workspace.new_reviews()
    assert own is not workspace.reviews and own.comments is workspace.comments


def test_the_actor_comes_from_the_handle_else_the_environment(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    manifest = Workspace(repo).proposals.manifest()
    assert Workspace(repo, acting="wes", env={}).actor(manifest).handle == "wes"
    assert Workspace(repo, env={"PROPOSAL_USER": "val"}).actor(manifest).handle == "val"
    with pytest.raises(ProposalError, match="unknown person 'zed'"):
        Workspace(repo, acting="zed", env={}).actor(manifest)
    nobody = Workspace(repo, env={"PROPOSAL_USER": "zed"}).resolve_actor(manifest)
    assert nobody.person is None and "zed" in nobody.how  # the dashboard goes read-only


def test_a_bad_path_is_reported_by_the_first_use_not_by_building(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "nowhere")  # nothing read yet
    with pytest.raises(ProposalError):
        workspace.proposals.snapshot()
