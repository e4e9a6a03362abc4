"""Review comments for the demo, from a sample's `comments.toml`.

Each `[[comments]]` entry is one event: `ref` (a label, for comments others reply to),
`action` (comment, reply, resolve, reopen; default comment), `thread` (the ref it belongs
to, for the others), `day` and `time` like demo.toml, `author`, `section`, `body`, and for
comments optionally `kind`, `round`, `line` and `quote`. Dates shift with the demo.
"""

from __future__ import annotations

import datetime as dt
import random
import tomllib
from pathlib import Path

from proposal_tui.domain.comments import Anchor, make_event
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.store.comments import CommentStore

COMMENTS_FILE = "comments.toml"


def replay_comments(sample_root: Path, dest: Path, people: dict[str, dict], anchor: dt.date,
                    today: dt.date, zone: dt.tzinfo, now: dt.datetime) -> int:
    """Append the sample's comment events to the demo's comments branch; return how many."""
    path = sample_root / COMMENTS_FILE
    if not path.exists():
        return 0
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8")).get("comments", [])
    except tomllib.TOMLDecodeError as exc:
        raise ProposalError(f"invalid TOML: {exc}", path=str(path)) from None
    rng = random.Random(f"{sample_root.name}-{today}")
    store = CommentStore(dest)
    threads: dict[str, str] = {}
    limit = now - dt.timedelta(minutes=1)
    for i, entry in enumerate(entries):
        where = f"{path.name} comment #{i + 1}"
        author = entry.get("author")
        if author not in people:
            raise ProposalError(f"{where}: unknown author {author!r}", path=str(path))
        hours, minutes = (int(x) for x in str(entry.get("time", "12:00")).split(":"))
        day = anchor + dt.timedelta(days=int(entry.get("day", 0))) + (today - anchor)
        when = min(dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=zone), limit)
        action = entry.get("action", "comment")
        thread = None
        if action != "comment":
            thread = threads.get(entry.get("thread", ""))
            if thread is None:
                raise ProposalError(f"{where}: unknown thread {entry.get('thread')!r}",
                                    path=str(path))
        anchor_obj = None
        if "line" in entry or "quote" in entry:
            anchor_obj = Anchor(line_start=entry.get("line"), line_end=entry.get("line"),
                                quote=entry.get("quote"))
        event = make_event(action, entry["section"], author, when, rng,
                           body=entry.get("body", ""), thread=thread,
                           kind=entry.get("kind") if action == "comment" else None,
                           round=entry.get("round"), anchor=anchor_obj)
        if "ref" in entry:
            threads[entry["ref"]] = event.id
        person = people[author]
        store.append(event, Identity(person["name"], person.get("email") or
                                     f"{author}@proposal.invalid"))
    return len(entries)
