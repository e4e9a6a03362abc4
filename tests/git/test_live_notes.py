"""Repository changes described for people: fetches, rewrites, checkouts."""

from __future__ import annotations

from pathlib import Path

from proposal_tui.services.live import describe
from proposal_tui.store.fingerprint import diff, fingerprint
from proposal_tui.store.repo import ProposalRepo
from tests.fixtures import commit_as, make_proposal
from tests.gitutil import git


def test_fetch_rewrite_and_checkout_are_described(tmp_path: Path) -> None:
    origin = make_proposal(tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    repo = ProposalRepo.open(clone)
    before = fingerprint(repo, [])
    for n in range(3):
        commit_as(origin, "Wes Writer", "wes@example.com", f"2026-12-0{n + 1}T10:00:00Z",
                  f"edit {n}", {"sections/summary.md": f"# S\n\n{n}\n"})
    git(clone, "fetch", "-q")
    after = fingerprint(repo, [])
    assert describe(repo, diff(before, after)) == ["origin/main has 3 new commits"]
    git(origin, "reset", "-q", "--hard", "HEAD~2")
    commit_as(origin, "Val Writer", "val@example.com", "2026-12-05T10:00:00Z", "redo")
    git(clone, "fetch", "-q")
    rewritten = fingerprint(repo, [])
    assert describe(repo, diff(after, rewritten)) == ["origin/main was rewritten"]
    git(clone, "checkout", "-q", "-b", "pink-fixes")
    assert describe(repo, diff(rewritten, fingerprint(repo, []))) == ["checked out pink-fixes"]


def test_a_reset_of_the_current_branch_is_described(tmp_path: Path) -> None:
    origin = make_proposal(tmp_path)
    repo = ProposalRepo.open(origin)
    commit_as(origin, "Wes Writer", "wes@example.com", "2026-12-01T10:00:00Z", "edit",
              {"sections/summary.md": "# S\n\nmore\n"})
    before = fingerprint(repo, [])
    git(origin, "reset", "-q", "--hard", "HEAD~1")
    assert describe(repo, diff(before, fingerprint(repo, []))) == \
        ["main was rewritten (reset or rebase)"]
    after_reset = fingerprint(repo, [])
    commit_as(origin, "Wes Writer", "wes@example.com", "2026-12-02T10:00:00Z", "again",
              {"sections/summary.md": "# S\n\nagain\n"})
    assert describe(repo, diff(after_reset, fingerprint(repo, []))) == []  # a plain commit
