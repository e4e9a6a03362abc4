"""Duplicate event ids on the comments branch (item 2 of issue 16): readers keep the event
written first (by commit order on the branch, not by the ``created`` field the writer of the
later one chose) and report the later copy as an error, which `proposal validate` names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from proposal_tui.domain.comments import CommentEvent
from proposal_tui.domain.identity import Identity
from proposal_tui.store.comments import CommentStore
from tests.command import run
from tests.fixtures import make_proposal


def test_first_written_event_wins_and_the_copy_is_reported(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    res = run("--repo", str(repo), "--as", "rex", "comment", "summary", "-m", "rex's point")
    assert res.code == 0, res.err
    theirs = res.out.split()[1]
    forged = CommentEvent(id=theirs, action="comment", section="approach", thread=theirs,
                          author="wes", created=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                          body="taken over", kind="comment")
    CommentStore(repo).append(forged, Identity("Wes Writer", "wes@example.com"))
    for _ in range(2):  # the second read comes from the on-disk cache
        (thread,) = run("--repo", str(repo), "comments", "--json").json()
        assert (thread["author"], thread["body"], thread["section"]) == \
            ("rex", "rex's point", "summary")
    res = run("--repo", str(repo), "validate")
    assert res.code == 2
    assert f"comments/approach/{theirs}.json" in res.err and \
        f"duplicate event id {theirs}" in res.err and \
        f"comments/summary/{theirs}.json" in res.err, res.err
