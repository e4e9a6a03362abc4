"""What a repository change means to a person watching the dashboard, in one line each.

The watcher says which refs and files moved; this turns that into notes for the activity
feed ("origin/main has 3 new commits", "main was rewritten (reset or rebase)"). Commits
themselves need no note: they reach the feed through the history index.
"""

from __future__ import annotations

from proposal_tui.store.fingerprint import Change, count_commits
from proposal_tui.store.repo import ProposalRepo


def describe(repo: ProposalRepo, change: Change) -> list[str]:
    notes: list[str] = []
    if change.branch_switched:
        branch = change.new.head_ref or "a detached HEAD"
        notes.append(f"checked out {branch.removeprefix('refs/heads/')}")
    old_head, new_head = change.old.head, change.new.head
    if change.head_moved and not change.branch_switched and old_head and new_head \
            and count_commits(repo, new_head, old_head):
        branch = (change.new.head_ref or "HEAD").removeprefix("refs/heads/")
        notes.append(f"{branch} was rewritten (reset or rebase)")
    for move in change.remotes:
        name = move.name.removeprefix("refs/remotes/")
        if move.new is None:
            notes.append(f"{name} was deleted")
        elif move.old is not None and count_commits(repo, move.new, move.old):
            notes.append(f"{name} was rewritten")
        else:
            n = count_commits(repo, move.old, move.new)
            notes.append(f"{name} has {n} new commit{'s' if n != 1 else ''}")
    if change.manifest:
        notes.append("proposal.toml changed on disk")
    return notes
