"""Comment events: ids, JSON round trip, readable errors, deterministic replay."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from proposal_tui.domain.comments import (
    Anchor,
    CommentEvent,
    event_path,
    from_json,
    make_event,
    new_event_id,
    open_counts,
    replay,
    to_json,
)
from proposal_tui.domain.errors import ProposalError

UTC = dt.UTC
T0 = dt.datetime(2024, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_new_event_id_is_pure_and_sortable() -> None:
    a = new_event_id(T0, random.Random(7))
    assert a == new_event_id(T0, random.Random(7))
    assert a.startswith("20240301T090000123456-") and len(a.split("-")[1]) == 8
    later = new_event_id(T0.astimezone(dt.timezone(dt.timedelta(hours=2))) +
                         dt.timedelta(microseconds=1), random.Random(1))
    assert later > a  # UTC stamp regardless of the caller's zone


def test_round_trip_with_everything() -> None:
    rng = random.Random(3)
    event = make_event("comment", "tech-approach", "ann", T0, rng, body="  Zürich — «ok»?\n",
                       kind="must-fix", round="Pink Team",
                       anchor=Anchor(3, 5, "the quoted\ttext", "a" * 40))
    data = to_json(event)
    assert json.loads(data)["v"] == 1 and "Zürich" in data.decode("utf-8")
    assert list(json.loads(data)) == sorted(json.loads(data))
    assert from_json(data, "x.json") == event
    assert event_path(event) == f"comments/tech-approach/{event.id}.json"


def test_created_normalised_to_utc() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    event = make_event("comment", "s", "ann", T0.astimezone(paris), random.Random(1), body="b")
    assert event.created == T0 and event.created.tzinfo == UTC
    assert from_json(to_json(event), "p").created.utcoffset() == dt.timedelta(0)


def valid() -> dict[str, object]:
    return json.loads(to_json(make_event("comment", "s1", "ann", T0, random.Random(2), body="b")))


@pytest.mark.parametrize("mutate, reason", [
    (lambda o: o.pop("author"), "missing field 'author'"),
    (lambda o: o.update(author=3), "field 'author' has the wrong type"),
    (lambda o: o.update(action="edit"), "unknown action 'edit'"),
    (lambda o: o.update(kind="nitpick"), "unknown kind 'nitpick'"),
    (lambda o: o.update(v=2), "unsupported version 2"),
    (lambda o: o.update(created="yesterday"), "not an ISO date"),
    (lambda o: o.update(created="2024-03-01T09:00:00"), "timezone-aware"),
    (lambda o: o.update(section="Bad Section"), "invalid section id"),
    (lambda o: o.update(id="../../etc"), "invalid event id"),
    (lambda o: o.update(thread="other"), "thread must equal id"),
    (lambda o: o.update(body="  "), "needs a body"),
    (lambda o: o.update(anchor={"line_start": 5, "line_end": 2}), "line_end is before"),
    (lambda o: o.update(anchor={"line_start": True}), "wrong type"),
    (lambda o: o.update(anchor={"commit": "HEAD"}), "anchor commit"),
    (lambda o: o.update(anchor=[1]), "field 'anchor' has the wrong type"),
])
def test_malformed_fields_name_file_and_reason(mutate, reason: str) -> None:  # type: ignore[no-untyped-def]
    obj = valid()
    mutate(obj)
    with pytest.raises(ProposalError) as info:
        from_json(json.dumps(obj).encode(), "comments/s1/x.json")
    assert info.value.path == "comments/s1/x.json"
    assert reason in info.value.message
    assert str(info.value).startswith("comments/s1/x.json: ")


def test_bad_bytes_and_bad_json() -> None:
    with pytest.raises(ProposalError, match="not UTF-8") as info:
        from_json(b'{"v": 1, "body": "\xff"}', "f.json")
    assert info.value.path == "f.json"
    with pytest.raises(ProposalError, match="invalid JSON") as info:
        from_json(b'{\n  "v": 1,\n  oops\n}', "f.json")
    assert info.value.line == 3
    with pytest.raises(ProposalError, match="one JSON object"):
        from_json(b"[1, 2]", "f.json")


def test_reply_rules() -> None:
    rng = random.Random(5)
    with pytest.raises(ProposalError, match="needs the thread"):
        make_event("reply", "s", "bob", T0, rng, body="x")
    with pytest.raises(ProposalError, match="only the first comment"):
        make_event("reply", "s", "bob", T0, rng, body="x", thread="t1", kind="praise")
    resolve = make_event("resolve", "s", "bob", T0, rng, thread="t1")
    assert resolve.body == "" and from_json(to_json(resolve), "p") == resolve
    with pytest.raises(ProposalError, match="invalid section id"):
        CommentEvent(id="x1", action="comment", section="-x", thread="x1", author="a",
                     created=T0, body="b", kind="comment")


def conversation() -> list[CommentEvent]:
    rng = random.Random(11)
    root = make_event("comment", "intro", "ann", at(0), rng, body="Too long", kind="must-fix")
    other = make_event("comment", "budget", "cy", at(1), rng, body="Numbers?", kind="question")
    return [
        root, other,
        make_event("reply", "intro", "bob", at(2), rng, body="Cut it", thread=root.id),
        make_event("resolve", "intro", "bob", at(3), rng, thread=root.id),
        make_event("reopen", "intro", "ann", at(4), rng, thread=root.id, body="Still long"),
        make_event("reply", "intro", "bob", at(5), rng, body="Cut more", thread=root.id),
        make_event("resolve", "intro", "ann", at(6), rng, thread=root.id),
        # Its root was never seen (malformed file, or not fetched yet): an orphan thread.
        make_event("reply", "budget", "dee", at(7), rng, body="Lost?",
                   thread="20240101T000000000000-deadbeef"),
    ]


def test_replay_threads() -> None:
    events = conversation()
    threads = replay(events)
    # Ordered by each thread's first known event; the orphan's is its reply at minute 7.
    assert [t.id for t in threads] == [events[0].id, events[1].id, events[7].thread]
    intro, budget, orphan = threads
    assert orphan.orphan and orphan.section == "budget" and orphan.replies == [events[7]]
    assert intro.root == events[0] and intro.kind == "must-fix"
    assert [r.body for r in intro.replies] == ["Cut it", "Cut more"]
    assert [e.action for e in intro.events] == ["reply", "resolve", "reopen", "reply", "resolve"]
    assert intro.resolved and intro.resolved_by == "ann" and intro.resolved_at == at(6)
    assert intro.last_activity == at(6)
    assert not budget.resolved and budget.resolved_by is None and budget.last_activity == at(1)
    assert open_counts(threads) == {"budget": 2}


def test_replay_reopen_wins_when_last() -> None:
    events = conversation()[:5]
    intro = replay(events)[0]
    assert not intro.resolved and intro.resolved_by is None and intro.resolved_at is None


def test_replay_is_order_independent_and_deduplicates() -> None:
    events = conversation()
    expected = replay(events)
    for seed in range(20):
        shuffled = events + [events[2], events[3]]  # a copied file repeats an event
        random.Random(seed).shuffle(shuffled)
        assert replay(shuffled) == expected


def test_same_timestamp_ties_broken_by_id() -> None:
    root = CommentEvent(id="r", action="comment", section="s", thread="r", author="a",
                        created=T0, body="b", kind="comment")
    resolve = CommentEvent(id="b-resolve", action="resolve", section="s", thread="r",
                           author="a", created=T0)
    reopen = CommentEvent(id="a-reopen", action="reopen", section="s", thread="r",
                          author="a", created=T0)
    for order in ([root, resolve, reopen], [reopen, resolve, root]):
        (thread,) = replay(order)
        assert thread.resolved  # "b-resolve" sorts after "a-reopen" at the same instant
