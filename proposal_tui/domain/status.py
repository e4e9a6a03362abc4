"""The status rules: how declared status, commit trailers and real commits combine.

Precedence (newest signal wins, compared by position in history, not by clock time, so
same-second commits still order correctly):

1. The manifest's declared status, in force since the commit that last changed it
   (an uncommitted edit of proposal.toml counts as newest of all).
2. A ``Proposal-Status:`` trailer on a commit touching the section file, when that commit is
   newer than the declaration.
3. A section still "not started" after 1 and 2 becomes "drafting" when any commit touching
   its file is newer than the signal that set it (the scaffolding commit that declared it does
   not count).
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import replace

from proposal_tui.domain.clock import Clock
from proposal_tui.domain.model import (
    BadTrailer,
    ProposalInfo,
    Section,
    SectionHistory,
    SectionState,
    Status,
)
from proposal_tui.domain.pages import PageFigure
from proposal_tui.domain.timeline import relative_due

UNCOMMITTED = 1 << 62  # the declaration sequence of a manifest edit not yet committed
AT_RISK_WORKING_DAYS = 2


def effective_status(declared: Status, declared_seq: int,
                     history: SectionHistory) -> tuple[Status, str]:
    status, source, since = declared, "manifest", declared_seq
    if history.trailer_status is not None and history.trailer_seq > declared_seq:
        status, source, since = history.trailer_status, "trailer", history.trailer_seq
    if status is Status.NOT_STARTED and history.last_seq > since:
        status, source = Status.DRAFTING, "first-commit"
    return status, source


def nearest_status(value: str) -> Status | None:
    """The status a mistyped value most likely meant ("in reveiw" -> in-review)."""
    key = value.strip().lower().replace("_", "-").replace(" ", "-")
    near = difflib.get_close_matches(key, [s.value for s in Status], n=1, cutoff=0.6)
    return Status(near[0]) if near else None


def bad_trailer_message(bad: BadTrailer) -> str:
    """Why a commit's Proposal-Status trailer set nothing, and what it probably meant."""
    near = nearest_status(bad.value)
    hint = f"did you mean '{near.value}'?" if near else \
        "valid: " + ", ".join(s.value for s in Status)
    return (f"commit {bad.sha[:7]} (\"{bad.subject}\"): Proposal-Status '{bad.value}' is not "
            f"a status and was ignored; {hint}")


def working_days_until(today: dt.date, day: dt.date) -> int:
    """Weekdays in (today, day]; negative when day is in the past."""
    if day <= today:
        return -sum(1 for n in range((today - day).days)
                    if (day + dt.timedelta(days=n + 1)).weekday() < 5)
    full_weeks, rest = divmod((day - today).days, 7)
    count = full_weeks * 5
    for n in range(rest):
        if (today + dt.timedelta(days=full_weeks * 7 + n + 1)).weekday() < 5:
            count += 1
    return count


def limit_in_words(word_limit: int | None, page_limit: float | None,
                   words_per_page: int) -> int | None:
    """A section's limit as words, for charts and totals: its word limit, else its page
    limit at the proposal's words per page (pages are estimated that way everywhere:
    ``wordcount.estimate_pages``). Page limits count wherever word limits do."""
    if word_limit is not None:
        return word_limit
    if page_limit is not None:
        return round(page_limit * words_per_page)
    return None


def local_today(clock: Clock, info: ProposalInfo) -> dt.date:
    return clock.now().astimezone(info.timezone).date()


def evaluate(section: Section, info: ProposalInfo, clock: Clock, *, words: int,
             history: SectionHistory, declared_seq: int, open_comments: int = 0,
             uncommitted_words: int | None = None, missing: bool = False,
             error: str | None = None) -> SectionState:
    """Everything the dashboard says about one section, from facts gathered by the store."""
    status, source = effective_status(section.status, declared_seq, history)
    now = clock.now()
    today = local_today(clock, info)
    overdue = at_risk = False
    if section.due is not None and not status.delivered:
        overdue = now > section.due
        due_day = section.due.astimezone(info.timezone).date()
        at_risk = not overdue and working_days_until(today, due_day) <= AT_RISK_WORKING_DAYS
    stale = False
    if status is Status.DRAFTING and history.last is not None:
        stale = now - history.last.date > dt.timedelta(days=info.stale_days)
    pages = words / info.words_per_page
    over = (section.word_limit is not None and words > section.word_limit) or (
        section.page_limit is not None and pages > section.page_limit)
    return SectionState(section=section, status=status, status_source=source, words=words,
                        history=history, overdue=overdue, at_risk=at_risk, stale=stale,
                        over_limit=over, pages=pages, open_comments=open_comments,
                        uncommitted_words=uncommitted_words, missing=missing, error=error)


def with_page_figure(state: SectionState, figure: PageFigure) -> SectionState:
    """``state`` with its pages as shown: a measured figure replaces the word estimate in
    its page count and in whether it is over a page limit (the table, the owners' totals)."""
    section = state.section
    over = (section.word_limit is not None and state.words > section.word_limit) or (
        section.page_limit is not None and figure.pages > section.page_limit)
    return replace(state, pages=figure.pages, over_limit=over, page_figure=figure)


# One definition and one symbol per schedule signal, for every front end: the CLI's `status`
# and `timeline`, the JSON (`schedule`, `overdue`, `at_risk`, `stale`), the TUI's table,
# timeline, owners pane and help. Stale is a signal of its own (no recent commit), never
# "at risk" (due soon).
SCHEDULE_SYMBOLS = {"done": "✔", "on-track": "●", "at-risk": "⚠", "overdue": "✖"}
STALE_SYMBOL = "…"
MILESTONE_SYMBOLS = {"kickoff": "●", "review": "▲", "production": "■", "deadline": "◆",
                     "other": "·"}


def signal_meanings(stale_days: int = 3) -> list[tuple[str, str]]:
    """(symbol, what it means) for the help screen and the docs."""
    return [(SCHEDULE_SYMBOLS["overdue"], "overdue: past due and not yet handed over"),
            (SCHEDULE_SYMBOLS["at-risk"],
             f"at risk: not handed over, due within {AT_RISK_WORKING_DAYS} working days"),
            (SCHEDULE_SYMBOLS["done"], "handed over (ready for review or later): due date met"),
            (STALE_SYMBOL, f"stale: drafting, no commit for {stale_days}+ days")]


def schedule_state(state: SectionState) -> str:
    """One word for a section's schedule: done, overdue, at-risk or on-track. Agrees with
    ``state.overdue`` and ``state.at_risk`` by construction (stale is not a schedule state)."""
    if state.status.delivered:
        return "done"
    if state.overdue:
        return "overdue"
    if state.at_risk:
        return "at-risk"
    return "on-track"


def due_label(state: SectionState, now: dt.datetime, zone: dt.tzinfo) -> str:
    """The due column everywhere: '✔ 03 Dec' once handed over (never 'late'), '✖ 4d late',
    '⚠ in 1d', 'in 5d', '—' without a due date."""
    due = state.section.due
    if due is None:
        return "—"
    when = schedule_state(state)
    if when == "done":
        return f"{SCHEDULE_SYMBOLS['done']} {due.astimezone(zone):%d %b}"
    label = relative_due(due, now, zone)
    return label if when == "on-track" else f"{SCHEDULE_SYMBOLS[when]} {label}"
