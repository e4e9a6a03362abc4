"""Status precedence and derived facts, with an injected clock and time zones honoured."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from proposal_tui.domain.clock import FixedClock
from proposal_tui.domain.model import CommitRef, ProposalInfo, Section, SectionHistory, Status
from proposal_tui.domain.status import (
    UNCOMMITTED,
    effective_status,
    evaluate,
    schedule_state,
    working_days_until,
)

NY = zoneinfo.ZoneInfo("America/New_York")
INFO = ProposalInfo(title="T", timezone=NY, words_per_page=500, stale_days=3)


def hist(last_seq: int = -1, trailer: Status | None = None, trailer_seq: int = -1,
         last_date: dt.datetime | None = None) -> SectionHistory:
    last = CommitRef("a" * 40, "A", "a@x", last_date or dt.datetime(2026, 12, 1,
                                                                   tzinfo=dt.UTC))
    return SectionHistory(commits=max(0, last_seq), last=last if last_seq >= 0 else None,
                          last_seq=last_seq, trailer_status=trailer, trailer_seq=trailer_seq)


def test_first_commit_after_declaration_makes_drafting() -> None:
    assert effective_status(Status.NOT_STARTED, 5, hist(last_seq=6)) == (Status.DRAFTING,
                                                                         "first-commit")


def test_scaffold_commit_does_not_count() -> None:
    # The commit that declared not-started also created the file: same sequence number.
    assert effective_status(Status.NOT_STARTED, 5, hist(last_seq=5))[0] is Status.NOT_STARTED


def test_newer_trailer_beats_declared_status() -> None:
    got = effective_status(Status.DRAFTING, 3, hist(last_seq=7, trailer=Status.READY_FOR_REVIEW,
                                                    trailer_seq=7))
    assert got == (Status.READY_FOR_REVIEW, "trailer")


def test_newer_declaration_beats_older_trailer() -> None:
    got = effective_status(Status.APPROVED, 9, hist(last_seq=7, trailer=Status.READY_FOR_REVIEW,
                                                    trailer_seq=7))
    assert got == (Status.APPROVED, "manifest")


def test_uncommitted_manifest_edit_wins_over_everything() -> None:
    got = effective_status(Status.REVISING, UNCOMMITTED,
                           hist(last_seq=10**6, trailer=Status.APPROVED, trailer_seq=10**6))
    assert got == (Status.REVISING, "manifest")


def test_trailer_not_started_then_commit_is_drafting() -> None:
    got = effective_status(Status.DRAFTING, 1, hist(last_seq=9, trailer=Status.NOT_STARTED,
                                                    trailer_seq=4))
    assert got == (Status.DRAFTING, "first-commit")


def _section(due: dt.datetime | None, **kw: object) -> Section:
    return Section(id="s", title="S", file="s.md", due=due, **kw)  # type: ignore[arg-type]


def test_overdue_uses_the_proposal_time_zone() -> None:
    due = dt.datetime(2026, 12, 10, 23, 59, 59, tzinfo=NY)
    # 03:00 UTC on the 11th is still the evening of the 10th in New York: not overdue yet.
    clock = FixedClock(dt.datetime(2026, 12, 11, 3, 0, tzinfo=dt.UTC))
    state = evaluate(_section(due), INFO, clock, words=0, history=hist(), declared_seq=0)
    assert not state.overdue and state.at_risk
    clock.advance(dt.timedelta(hours=2))  # 05:00 UTC = 00:00 on the 11th in New York
    state = evaluate(_section(due), INFO, clock, words=0, history=hist(), declared_seq=0)
    assert state.overdue and not state.at_risk and schedule_state(state) == "overdue"


def test_delivered_sections_are_never_overdue() -> None:
    due = dt.datetime(2026, 12, 1, tzinfo=NY)
    clock = FixedClock(dt.datetime(2026, 12, 20, tzinfo=NY))
    state = evaluate(_section(due, status=Status.READY_FOR_REVIEW), INFO, clock, words=10,
                     history=hist(), declared_seq=0)
    assert not state.overdue and schedule_state(state) == "done"


@pytest.mark.parametrize(("today", "due", "expected"), [
    (dt.date(2026, 12, 4), dt.date(2026, 12, 8), 2),   # Fri -> Tue: Mon, Tue
    (dt.date(2026, 12, 4), dt.date(2026, 12, 9), 3),
    (dt.date(2026, 12, 7), dt.date(2026, 12, 7), 0),
    (dt.date(2026, 12, 7), dt.date(2026, 12, 21), 10),
    (dt.date(2026, 12, 9), dt.date(2026, 12, 7), -2),
])
def test_working_days(today: dt.date, due: dt.date, expected: int) -> None:
    assert working_days_until(today, due) == expected


def test_at_risk_is_two_working_days_over_a_weekend() -> None:
    friday = FixedClock(dt.datetime(2026, 12, 4, 9, 0, tzinfo=NY))
    tuesday_due = dt.datetime(2026, 12, 8, 17, 0, tzinfo=NY)
    wednesday_due = dt.datetime(2026, 12, 9, 17, 0, tzinfo=NY)
    assert evaluate(_section(tuesday_due), INFO, friday, words=0, history=hist(),
                    declared_seq=0).at_risk
    assert not evaluate(_section(wednesday_due), INFO, friday, words=0, history=hist(),
                        declared_seq=0).at_risk


def test_stale_and_over_limit() -> None:
    clock = FixedClock(dt.datetime(2026, 12, 10, tzinfo=dt.UTC))
    old = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    state = evaluate(_section(None, status=Status.DRAFTING, word_limit=100), INFO, clock,
                     words=101, history=hist(last_seq=1, last_date=old), declared_seq=0)
    assert state.stale and state.over_limit
    pages = evaluate(_section(None, page_limit=1), INFO, clock, words=501, history=hist(),
                     declared_seq=0)
    assert pages.over_limit and pages.pages == pytest.approx(1.002)
    fine = evaluate(_section(None, page_limit=1), INFO, clock, words=500, history=hist(),
                    declared_seq=0)
    assert not fine.over_limit
