"""The manifest's TOML kept under .git/: the same manifest, and the same errors, as a parse."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposal_tui.domain import manifest as manifest_module
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.manifest import ManifestErrors, build_manifest, parse_manifest, read_toml
from proposal_tui.services.snapshot import load_manifest
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.store.toml_cache import TomlCache, decode, encode
from tests.fixtures import MANIFEST, make_proposal

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
zones = st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=-5)),
                         dt.timezone(dt.timedelta(hours=5, minutes=30))])
scalars = st.one_of(
    st.text(max_size=12), st.integers(-2**63, 2**63 - 1), st.booleans(), st.floats(),
    st.dates(), st.times(), st.datetimes(timezones=zones))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20)


def same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to itself and types kept apart (True is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b) and (not isinstance(a, dt.datetime) or a.utcoffset() == b.utcoffset())


@SETTINGS
@given(st.dictionaries(st.text(max_size=8), values, max_size=5))
def test_any_toml_value_comes_back_as_it_went_in(table: dict[str, Any]) -> None:
    assert same(decode(json.loads(json.dumps(encode(table)))), table)


def through_the_cache(text: str) -> Any:
    """What a second process builds from the kept TOML, or the errors it reports."""
    try:
        document = read_toml(text)
        saved = json.loads(json.dumps(encode(document.data)))
        return build_manifest(type(document)(decode(saved), document.lines))
    except ManifestErrors as exc:
        return [str(p) for p in exc.problems]


def parsed(text: str) -> Any:
    try:
        return parse_manifest(text)
    except ManifestErrors as exc:
        return [str(p) for p in exc.problems]


@SETTINGS
@given(st.integers(0, len(MANIFEST) - 1), st.integers(1, 40), st.text(max_size=12))
def test_a_mutated_manifest_reads_the_same_through_the_cache(position: int, cut: int,
                                                             insert: str) -> None:
    text = MANIFEST[:position] + insert + MANIFEST[position + cut:]
    assert through_the_cache(text) == parsed(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def _no_tomllib(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_text: str) -> Any:
        raise AssertionError("tomllib ran")

    monkeypatch.setattr(manifest_module.tomllib, "loads", refuse)


def test_a_new_process_skips_tomllib_and_gets_the_same_manifest(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_manifest(ProposalRepo.open(repo))[0]
    assert first == parse_manifest(MANIFEST)
    assert (repo / ".git/proposal-tui/manifest.json").is_file()
    _no_tomllib(monkeypatch)
    assert load_manifest(ProposalRepo.open(repo))[0] == first


def test_an_edited_manifest_is_read_again(repo: Path) -> None:
    load_manifest(ProposalRepo.open(repo))
    (repo / "proposal.toml").write_text(MANIFEST.replace('owner = "val"', 'owner = "nobody"'))
    with pytest.raises(ProposalError) as caught:
        load_manifest(ProposalRepo.open(repo))
    assert "nobody" in str(caught.value) and caught.value.line
    # The rules run on every read, so the kept TOML of a bad manifest gives the same error.
    with pytest.raises(ProposalError) as again:
        load_manifest(ProposalRepo.open(repo))
    assert str(again.value) == str(caught.value)


@pytest.mark.parametrize("content", [
    b"", b"not json", b'{"version": 1}', b"[]", b"null",
    b'{"version": 99, "blob": "x", "data": {}, "lines": {}}',
    b'{"version": 1, "blob": "BLOB", "data": {"table": 5}, "lines": {}}',
    b'{"version": 1, "blob": "BLOB", "data": {"table": [["a", null]]}, "lines": {}}',
    b'{"version": 1, "blob": "BLOB", "data": {"date": "yesterday"}, "lines": {}}',
    b'{"version": 1, "blob": "BLOB", "data": [1, 2], "lines": {}}',
    b'{"version": 1, "blob": "BLOB", "data": {"table": []}, "lines": {"": [[1]]}}',
    b'{"version": 1, "blob": "BLOB", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
], ids=lambda content: f"{len(content)} bytes")
def test_a_damaged_cache_is_a_miss_and_is_written_again(repo: Path, content: bytes) -> None:
    data = (repo / "proposal.toml").read_bytes()
    blob = ProposalRepo.open(repo).tree_entries()["proposal.toml"][1]
    cache = repo / ".git/proposal-tui/manifest.json"
    cache.parent.mkdir(exist_ok=True)
    cache.write_bytes(content.replace(b"BLOB", blob.encode()))
    assert TomlCache(repo / ".git").get(data) is None
    assert load_manifest(ProposalRepo.open(repo))[0] == parse_manifest(MANIFEST)
    assert TomlCache(repo / ".git").get(data) is not None
