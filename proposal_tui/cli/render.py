"""Plain-text renderings for the CLI: stable columns, user text cleaned of control codes."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence

from proposal_tui.domain.model import CommitRef, SectionState
from proposal_tui.domain.rounds import Round, order_rounds
from proposal_tui.domain.status import (
    MILESTONE_SYMBOLS,
    SCHEDULE_SYMBOLS,
    STALE_SYMBOL,
    due_label,
    schedule_state,
)
from proposal_tui.domain.text import one_line
from proposal_tui.domain.timeline import Span, ago, schedule_span, time_left
from proposal_tui.services.snapshot import Snapshot


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if
               unicodedata.combining(c) else 1 for c in text)


def fit(text: str, size: int) -> str:
    text = one_line(text)
    if width(text) <= size:
        return text + " " * (size - width(text))
    out = ""
    for char in text:
        if width(out + char) > size - 1:
            break
        out += char
    return out + "…" + " " * (size - 1 - width(out))


def words_cell(state: SectionState, words_per_page: int) -> str:
    limit = state.section.word_limit
    if limit is None and state.section.page_limit is not None:
        return f"{state.pages:.1f}/{state.section.page_limit:g}p"
    return f"{state.words}/{limit}" if limit else f"{state.words}"


def flags(state: SectionState) -> str:
    marks = []
    when = schedule_state(state)
    if when in ("overdue", "at-risk"):
        marks.append(f"{SCHEDULE_SYMBOLS[when]} {when.replace('-', ' ')}")
    if state.stale:
        marks.append(f"{STALE_SYMBOL} stale")
    if state.over_limit:
        marks.append("▲ over limit")
    if state.uncommitted_words is not None:
        marks.append(f"✎ edited, not committed ({state.uncommitted_words} words)")
    if state.error:
        marks.append(f"! {state.error}")
    return ", ".join(marks)


def last_edit(ref: CommitRef | None, now: dt.datetime, handles: dict[str, str]) -> str:
    """Who and when, by handle where the author is a known person (shorter than names)."""
    if ref is None:
        return "never"
    return f"{handles.get(ref.email.lower(), ref.author)} {ago(ref.date, now)}"


def status_table(snap: Snapshot) -> str:
    info = snap.manifest.proposal
    zone = info.timezone
    head = [one_line(f"{info.title} · {info.client} · {info.solicitation}".strip(" ·")),
            f"due {info.due.astimezone(zone).strftime('%a %d %b %Y %H:%M %Z') if info.due else '—'}"
            f" · {time_left(info.due, snap.now)}"]
    cols = [("id", 16), ("title", 26), ("owner", 8), ("status", 18), ("words", 11),
            ("due", 10), ("last edit", 16), ("💬", 3)]
    lines = head + ["", "  ".join(fit(name, size) for name, size in cols) + "  flags"]
    handles = {p.email.lower(): p.handle for p in snap.manifest.people if p.email}
    for s in snap.states:
        cells = [s.section.id, s.section.title, s.section.owner or "—",
                 f"{s.status.symbol} {s.status.label}", words_cell(s, info.words_per_page),
                 due_label(s, snap.now, zone), last_edit(s.history.last,
                                                                         snap.now, handles),
                 str(s.open_comments)]
        row = "  ".join(fit(c, size) for c, (_n, size) in zip(cells, cols))
        lines.append((row + "  " + flags(s)).rstrip())
    return "\n".join(lines)


def timeline_text(snap: Snapshot, columns: int = 100, rounds: Sequence[Round] = ()) -> str:
    """A text Gantt chart: one row per section, a bar up to its due date, today marked; then
    one row per review round, after the section rows so that those keep their place."""
    zone = snap.manifest.proposal.timezone
    today = snap.now.astimezone(zone).date()
    span = schedule_span(snap.manifest, today)
    label_w = 18
    avail = max(10, columns - label_w - 12)
    scale = max(1, -(-span.days // avail))
    n = span.columns(scale)
    unit = "day" if scale == 1 else f"{scale} days"
    ruler = [" "] * n
    for col in range(0, n, max(1, 7 // scale) if scale < 7 else 1):
        day = span.start + dt.timedelta(days=col * scale)
        label = day.strftime("%d %b") if scale < 7 else day.strftime("%d%b")
        for i, ch in enumerate(label):
            if col + i < n and all(ruler[col + j] == " " for j in range(i + 1)):
                ruler[col + i] = ch
    lines = [f"{span.start:%d %b %Y} → {span.end:%d %b %Y} (one column = {unit}; ┆ today)",
             " " * label_w + "".join(ruler)]
    marks = [" "] * n
    for m in snap.manifest.milestones:
        col = span.column(m.date.astimezone(zone).date(), scale)
        if 0 <= col < n:
            marks[col] = MILESTONE_SYMBOLS.get(m.kind, MILESTONE_SYMBOLS["other"])
    if snap.manifest.proposal.due:
        col = span.column(snap.manifest.proposal.due.astimezone(zone).date(), scale)
        if 0 <= col < n:
            marks[col] = MILESTONE_SYMBOLS["deadline"]
    lines.append(fit("milestones", label_w) + "".join(marks))
    names = ", ".join(one_line(f"{m.name} {m.date.astimezone(zone):%d %b}")
                      for m in snap.manifest.milestones)
    if names:
        lines.append(" " * label_w + names)
    today_col = span.column(today, scale)
    glyph = {"done": "█", "on-track": "━", "at-risk": "╍", "overdue": "━"}
    for s in snap.states:
        row = [" "] * n
        if s.section.due:
            end = min(n - 1, max(0, span.column(s.section.due.astimezone(zone).date(), scale)))
            for col in range(0, end):
                row[col] = glyph[schedule_state(s)]
            row[end] = "┫"
        if 0 <= today_col < n and row[today_col] == " ":
            row[today_col] = "┆"
        state = schedule_state(s)
        lines.append(fit(s.section.id, label_w) + "".join(row) + f"  {state}")
    for rnd in order_rounds(list(rounds)):
        lines.append(round_row(rnd, span, scale, today, zone, label_w))
    return "\n".join(lines)


def round_row(rnd: Round, span: Span, scale: int, today: dt.date, zone: dt.tzinfo,
              label_w: int) -> str:
    """'round pink        [─────]  20 Nov → 24 Nov': ``[`` on the day it started, ``]`` on the
    day it closed; an open round runs to today and says so."""
    n = span.columns(scale)
    start = rnd.started_at.astimezone(zone).date()
    end = rnd.closed_at.astimezone(zone).date() if rnd.closed_at else None
    first = span.column(start, scale)
    last = span.column(end or max(today, start), scale)
    row = [" "] * n
    for col in range(max(0, first + 1), min(n, last)):
        row[col] = "─"
    if rnd.open and 0 <= last < n and last > first:
        row[last] = "─"
    if 0 <= first < n:
        row[first] = "["
    if end is not None and 0 <= max(last, first + 1) < n:
        row[max(last, first + 1)] = "]"  # a round closed on the day it started: "[]"
    today_col = span.column(today, scale)
    if 0 <= today_col < n and row[today_col] == " ":
        row[today_col] = "┆"
    when = f"{start:%d %b} → " + (f"{end:%d %b}" if end else "open")
    return fit(f"round {rnd.name}", label_w) + "".join(row) + f"  {when}"
