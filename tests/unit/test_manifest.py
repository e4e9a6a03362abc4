"""The manifest loader: what it accepts, and how it names bad input (file, line, reason)."""

from __future__ import annotations

import datetime as dt

import pytest

from proposal_tui.domain.manifest import ManifestErrors, check_section_path, parse_manifest
from proposal_tui.domain.model import Role, Status

GOOD = """\
[proposal]
title = "Smart Transit Fare System"
client = "City of Springfield"
solicitation = "RFP 2026-114"
due = 2026-12-18T17:00:00-05:00
timezone = "America/New_York"
words_per_page = 500

[[people]]
handle = "ana"
name = "Ana Ruiz"
email = "ana@example.com"
role = "writer"

[[people]]
handle = "max"
name = "Max Boss"
role = "manager"

[[milestones]]
name = "Pink Team"
date = 2026-12-04
kind = "review"

[[sections]]
id = "exec-summary"
title = "Executive Summary"
file = "sections/01-executive-summary.md"
owner = "ana"
due = 2026-12-10
word_limit = 800
requirements = ["L.3.1", "M.2"]
status = "drafting"
"""


def _error(text: str) -> ManifestErrors:
    with pytest.raises(ManifestErrors) as info:
        parse_manifest(text)
    return info.value


def test_the_issue_example_parses() -> None:
    m = parse_manifest(GOOD)
    assert m.proposal.title == "Smart Transit Fare System"
    assert m.proposal.due == dt.datetime(2026, 12, 18, 22, 0, tzinfo=dt.UTC)
    assert str(m.proposal.timezone) == "America/New_York"
    assert [p.role for p in m.people] == [Role.WRITER, Role.MANAGER]
    section = m.section("exec-summary")
    assert section is not None and section.status is Status.DRAFTING
    assert section.requirements == ("L.3.1", "M.2")
    # A bare due date is the end of that day in the proposal's zone.
    assert section.due is not None
    assert section.due.astimezone(m.proposal.timezone).replace(tzinfo=None) == \
        dt.datetime(2026, 12, 10, 23, 59, 59)
    assert section.line == 25


@pytest.mark.parametrize(("needle", "replacement", "line", "reason"), [
    ('owner = "ana"', 'owner = "bob"', 29, "unknown owner 'bob'"),
    ('status = "drafting"', 'status = "done-ish"', 33, "unknown status 'done-ish'"),
    ("due = 2026-12-10", 'due = "2026-13-45"', 30, "is not a valid date"),
    ('file = "sections/01-executive-summary.md"', 'file = "/etc/passwd"', 28, "is absolute"),
    ('file = "sections/01-executive-summary.md"', 'file = "../x.md"', 28, "contains '..'"),
    ('file = "sections/01-executive-summary.md"', 'file = "a/.git/config"', 28, ".git"),
    ('file = "sections/01-executive-summary.md"', 'file = "a\\\\b.md"', 28, "backslash"),
    ('role = "manager"', 'role = "boss"', 18, "unknown role 'boss'"),
    ("word_limit = 800", "word_limit = -5", 31, "must be positive"),
    ("word_limit = 800", 'word_limit = "800"', 31, "must be a whole number"),
    ('timezone = "America/New_York"', 'timezone = "Mars/Olympus"', 6, "unknown time zone"),
    ('kind = "review"', 'kind = "party"', 23, "unknown kind 'party'"),
])
def test_bad_values_name_file_line_and_reason(needle: str, replacement: str, line: int,
                                              reason: str) -> None:
    assert needle in GOOD
    err = _error(GOOD.replace(needle, replacement))
    assert err.path == "proposal.toml"
    assert err.line == line, str(err)
    assert reason in str(err)
    assert str(err).startswith(f"proposal.toml:{line}: ")


def test_syntax_error_has_line_and_column() -> None:
    err = _error(GOOD.replace('title = "Smart', 'title = Smart'))
    assert err.line == 2 and err.column is not None
    assert "TOML syntax error" in str(err)


def test_duplicate_section_ids_and_files() -> None:
    extra = GOOD + '\n[[sections]]\nid = "exec-summary"\ntitle = "Again"\nfile = "b.md"\n'
    err = _error(extra)
    assert "duplicate section id 'exec-summary'" in str(err) and err.line == 36
    extra = GOOD + '\n[[sections]]\nid = "other"\nfile = "sections/01-executive-summary.md"\n'
    assert "already the file of section 'exec-summary'" in str(_error(extra))


def test_merge_conflict_markers_are_named() -> None:
    text = GOOD.replace('owner = "ana"\n', '<<<<<<< HEAD\nowner = "ana"\n=======\n'
                        'owner = "max"\n>>>>>>> theirs\n')
    err = _error(text)
    assert err.line == 29 and "merge-conflict" in str(err)


def test_every_problem_is_collected() -> None:
    text = GOOD.replace('owner = "ana"', 'owner = "bob"').replace('"drafting"', '"zzz"')
    assert len(_error(text).problems) == 2


def test_missing_proposal_table_and_title() -> None:
    assert "missing the [proposal] table" in str(_error("[[people]]\nhandle = 'a'\n"))
    assert "missing required key 'title'" in str(_error("[proposal]\nclient = 'x'\n"))


def test_defaults_and_unknown_keys_are_tolerated() -> None:
    m = parse_manifest('[proposal]\ntitle = "T"\ncolour = "teal"\n\n[[sections]]\nid = "a"\n'
                       'file = "a.md"\nreviewer_notes = "keep"\n')
    assert m.proposal.words_per_page == 500 and m.proposal.due is None
    assert m.sections[0].status is Status.NOT_STARTED and m.sections[0].order == 10


@pytest.mark.parametrize("path", ["", "/abs", "C:/x", "a/../b", ".git/x", "a/.GIT/b", "a//b",
                                  "./a", "-rf", "a\\b", "a\x00b"])
def test_unsafe_section_paths(path: str) -> None:
    assert check_section_path(path) is not None


@pytest.mark.parametrize("path", ["sections/a.md", "vol 1/ü.tex", "a.b/c-d_e.rst", "x"])
def test_safe_section_paths(path: str) -> None:
    assert check_section_path(path) is None
