"""Property-based tests: no input makes the loaders or the rules raise anything but a
ProposalError that names where and why."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposal_tui.domain.comments import from_json, replay
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.manifest import ManifestErrors, parse_manifest
from proposal_tui.domain.model import SectionHistory, Status
from proposal_tui.domain.status import effective_status
from tests.fixtures import MANIFEST

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
toml_scalars = st.one_of(st.text(max_size=20), st.integers(-5, 10**6), st.booleans(),
                         st.dates().map(lambda d: d.isoformat()), st.floats(allow_nan=False))


@SETTINGS
@given(st.text(max_size=400))
def test_any_text_as_manifest(text: str) -> None:
    try:
        parse_manifest(text)
    except ManifestErrors as exc:
        assert exc.path == "proposal.toml" and exc.message
        assert all(p.path == "proposal.toml" for p in exc.problems)


@SETTINGS
@given(st.integers(0, len(MANIFEST) - 1), st.integers(1, 40), st.text(max_size=12))
def test_mutated_manifest(position: int, cut: int, insert: str) -> None:
    text = MANIFEST[:position] + insert + MANIFEST[position + cut:]
    try:
        parse_manifest(text)
    except ManifestErrors as exc:
        assert str(exc).startswith("proposal.toml")
        if exc.line is not None:
            assert 1 <= exc.line <= text.count("\n") + 2


@SETTINGS
@given(st.sampled_from(["owner", "status", "due", "word_limit", "page_limit", "file", "id",
                        "requirements", "order", "title"]), toml_scalars)
def test_any_value_for_a_section_key(key: str, value: object) -> None:
    rendered = json.dumps(value) if not isinstance(value, bool) else str(value).lower()
    lines = [f"{key} = {rendered}" if line.startswith(f"{key} =") and i > 48 else line
             for i, line in enumerate(MANIFEST.splitlines())]
    text = "\n".join(lines) + "\n"
    try:
        parse_manifest(text)
    except ManifestErrors as exc:
        assert exc.line is not None and exc.message


event_values = st.one_of(st.none(), st.text(max_size=30), st.integers(), st.booleans(),
                         st.lists(st.integers(), max_size=2))


@SETTINGS
@given(st.dictionaries(st.sampled_from(["v", "id", "action", "section", "thread", "author",
                                        "created", "body", "kind", "round", "anchor"]),
                       event_values, max_size=11))
def test_any_json_object_as_comment_event(obj: dict) -> None:
    try:
        event = from_json(json.dumps(obj).encode(), "comments/x/y.json")
    except ProposalError as exc:
        assert exc.path == "comments/x/y.json" and exc.message
    else:
        assert replay([event])


@SETTINGS
@given(st.binary(max_size=200))
def test_any_bytes_as_comment_event(data: bytes) -> None:
    try:
        from_json(data, "comments/a/b.json")
    except ProposalError as exc:
        assert exc.path == "comments/a/b.json"


@SETTINGS
@given(st.sampled_from(list(Status)), st.integers(-1, 50),
       st.one_of(st.none(), st.sampled_from(list(Status))), st.integers(-1, 50),
       st.integers(-1, 50))
def test_status_rules_are_total_and_monotone(declared: Status, declared_seq: int,
                                            trailer: Status | None, trailer_seq: int,
                                            last_seq: int) -> None:
    history = SectionHistory(trailer_status=trailer, trailer_seq=trailer_seq if trailer else -1,
                             last_seq=last_seq)
    status, source = effective_status(declared, declared_seq, history)
    assert source in ("manifest", "trailer", "first-commit")
    newest = max(declared_seq, trailer_seq if trailer else -1)
    if last_seq <= newest:
        # No commit newer than every signal: the newest signal decides, nothing is inferred.
        assert source != "first-commit"
    if source == "first-commit":
        assert status is Status.DRAFTING


def test_dates_far_apart_do_not_break_the_rules() -> None:
    text = MANIFEST.replace("due = 2026-12-08", "due = 9999-12-31").replace(
        "due = 2026-12-01", "due = 0001-01-01")
    manifest = parse_manifest(text)
    assert manifest.section("summary").due.year == 9999  # type: ignore[union-attr]
    assert dt.date(1, 1, 1) <= manifest.section("staffing").due.date()  # type: ignore[union-attr]
