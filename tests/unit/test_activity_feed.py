"""The activity feed keeps the newest commits and comment events, ties in their own order."""

from __future__ import annotations

import datetime as dt

from proposal_tui.domain.comments import CommentEvent, replay
from proposal_tui.domain.manifest import parse_manifest
from proposal_tui.services.snapshot import ACTIVITY_KEPT, Activity, ProposalService
from proposal_tui.store.history import HistoryIndex
from tests.fixtures import MANIFEST

START = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def _events() -> list[CommentEvent]:
    """Threads on three sections; many events share a minute, so ties are common."""
    events = []
    for n in range(260):
        thread = f"t{n % 40:03d}"
        events.append(CommentEvent(
            id=thread if n < 40 else f"e{n:03d}", action="comment" if n < 40 else "reply",
            section=("summary", "approach", "staffing")[n % 3], thread=thread,
            author=f"p{n % 7}", created=START + dt.timedelta(minutes=(n * 7) % 90),
            body=f"line one of {n}\nline two", kind="comment" if n < 40 else None))
    return events


def test_the_feed_is_the_newest_of_all_commits_and_events() -> None:
    manifest = parse_manifest(MANIFEST)
    recent = [{"sha": f"{n:040x}", "author": "Mia", "subject": f"commit {n}",
               "paths": ["sections/summary.md"],
               "ts": (START + dt.timedelta(minutes=(n * 11) % 90)).timestamp()}
              for n in range(30)]
    index = HistoryIndex(recent=recent)
    threads = replay(_events())
    feed = ProposalService._activity(manifest, index, threads)
    # Every event built, then all sorted: what the feed was before it picked the newest.
    everything = [Activity(when=dt.datetime.fromtimestamp(c["ts"], dt.UTC),
                           who=c["author"], what="commit", subject=c["subject"],
                           sections=("summary",), sha=c["sha"]) for c in recent]
    everything += [Activity(when=e.created, who=e.author, what=e.action,
                            subject=e.body.splitlines()[0], sections=(e.section,), sha=e.id)
                   for t in threads for e in ([t.root] if t.root else []) + t.events]
    everything.sort(key=lambda a: a.when, reverse=True)
    assert len(everything) > ACTIVITY_KEPT
    assert feed == everything[:ACTIVITY_KEPT]
