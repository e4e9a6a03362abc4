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
from proposal_tui.domain.timeline import (
    Span,
    ago,
    milestone_countdown,
    schedule_span,
    time_left,
)
from proposal_tui.services.snapshot import Snapshot


def width_of(text: str) -> int:
    """Terminal cells as terminals count them (glibc's wcwidth, tmux): wide CJK 2, combining
    marks 0, spacing marks such as Devanagari's vowel signs 1 (rich.cells.cell_len says 0
    for those, and a column of Devanagari names would end two cells early)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else
               0 if unicodedata.category(c) in ("Mn", "Me", "Cf") else 1 for c in text)


def fit(text: str, size: int) -> str:
    text = one_line(text)
    if width_of(text) <= size:
        return text + " " * (size - width_of(text))
    out = ""
    for char in text:
        if width_of(out + char) > size - 1:
            break
        out += char
    return out + "…" + " " * (size - 1 - width_of(out))


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
            f" · {time_left(info.due, snap.now)}"
            f" · {'on ' if snap.branch else ''}{one_line(snap.head_label)}"
            f"{' · read-only' if snap.read_only else ''}"
            + (f" · next: {one_line(upcoming)}" if (upcoming := milestone_countdown(
                snap.manifest, snap.now)) else "")]
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
    """A text Gantt chart ``columns`` wide: one row per section, a bar up to its due date,
    today's column marked ``┆`` on every row; then one row per review round, after the
    section rows so that those keep their place. A short schedule spreads over the width
    (up to 3 columns a day); a long one packs several days into a column."""
    zone = snap.manifest.proposal.timezone
    today = snap.now.astimezone(zone).date()
    span = schedule_span(snap.manifest, today)
    label_w = 18
    avail = max(10, columns - label_w - 12)
    scale = max(1, -(-span.days // avail))
    per_day = max(1, min(3, avail // span.days)) if scale == 1 else 1
    n = span.columns(scale) * per_day
    unit = "day" if scale == 1 else f"{scale} days"
    unit = f"{per_day} columns = 1 day" if per_day > 1 else f"one column = {unit}"
    lines = [f"{span.start:%d %b %Y} → {span.end:%d %b %Y} ({unit}; ┆ today "
             f"{today:%d %b})", " " * label_w + ruler(span, scale, per_day)]

    def col(day: dt.date) -> int:
        return span.column(day, scale) * per_day

    today_col = col(today) + per_day // 2
    marks = [" "] * n
    for m in snap.manifest.milestones:
        at = col(m.date.astimezone(zone).date()) + per_day // 2
        if 0 <= at < n:
            marks[at] = MILESTONE_SYMBOLS.get(m.kind, MILESTONE_SYMBOLS["other"])
    if snap.manifest.proposal.due:
        at = col(snap.manifest.proposal.due.astimezone(zone).date()) + per_day // 2
        if 0 <= at < n:
            marks[at] = MILESTONE_SYMBOLS["deadline"]
    lines.append(fit("milestones", label_w) + "".join(with_today(marks, today_col)))
    names = [one_line(f"{MILESTONE_SYMBOLS.get(m.kind, MILESTONE_SYMBOLS['other'])} {m.name} "
                      f"{m.date.astimezone(zone):%d %b}") for m in snap.manifest.milestones]
    lines += [" " * label_w + line for line in wrap_items(names, columns - label_w)]
    glyph = {"done": "█", "on-track": "━", "at-risk": "╍", "overdue": "━"}
    for s in snap.states:
        row = [" "] * n
        state = schedule_state(s)
        if s.section.due:
            end = min(n - 1, max(0, col(s.section.due.astimezone(zone).date()) + per_day - 1))
            for at in range(0, end):
                row[at] = glyph[state]
            row[end] = "┫"
        lines.append(fit(s.section.id, label_w) + "".join(with_today(row, today_col))
                     + f"  {state}")
    for rnd in order_rounds(list(rounds)):
        lines.append(round_row(rnd, span, scale, today, zone, label_w, per_day))
    return "\n".join(lines)


def ruler(span: Span, scale: int, per_day: int = 1) -> str:
    """Day numbers (and the month where it starts or changes) wherever a whole label fits:
    a label is written in full or not at all, never cut to its first digit."""
    n = span.columns(scale) * per_day
    cells = [" "] * n
    month = None
    step = 1 if scale == 1 and per_day >= 3 else max(1, 7 // scale) if scale < 7 else 1
    for index in range(0, span.columns(scale), step):
        day = span.start + dt.timedelta(days=index * scale)
        label = f"{day:%d %b}" if day.month != month else f"{day:%d}"
        at = index * per_day
        if at + len(label) < n + 1 and all(c == " " for c in cells[max(0, at - 1):
                                                                   at + len(label) + 1]):
            cells[at:at + len(label)] = label
            month = day.month
    return "".join(cells)


def with_today(row: list[str], today_col: int) -> list[str]:
    """Today's column on a row: ``┆`` where the row is empty; across a bar, the bar's
    character gives way too (a line that stops at every bar is no line)."""
    if 0 <= today_col < len(row) and row[today_col] not in "┫[]─◆●▲■·":
        row = list(row)
        row[today_col] = "┆"
    return row


def wrap_items(items: list[str], width: int) -> list[str]:
    """Comma-separated items in lines at most ``width`` cells wide (an item longer than a
    line is cut)."""
    lines: list[str] = []
    current = ""
    for item in items:
        item = item if width_of(item) <= width else fit(item, width).rstrip()
        joined = f"{current}, {item}" if current else item
        if current and width_of(joined) > width:
            lines.append(current + ",")
            current = item
        else:
            current = joined
    return [*lines, current] if current else lines


def round_row(rnd: Round, span: Span, scale: int, today: dt.date, zone: dt.tzinfo,
              label_w: int, per_day: int = 1) -> str:
    """'round pink        [─────]  20 Nov → 24 Nov': ``[`` on the day it started, ``]`` on the
    day it closed; an open round runs to today and says so."""
    n = span.columns(scale) * per_day
    start = rnd.started_at.astimezone(zone).date()
    end = rnd.closed_at.astimezone(zone).date() if rnd.closed_at else None
    first = span.column(start, scale) * per_day
    last = span.column(end or max(today, start), scale) * per_day + per_day - 1
    row = [" "] * n
    for col in range(max(0, first + 1), min(n, last)):
        row[col] = "─"
    if rnd.open and 0 <= last < n and last > first:
        row[last] = "─"
    if 0 <= first < n:
        row[first] = "["
    if end is not None and 0 <= max(last, first + 1) < n:
        row[max(last, first + 1)] = "]"  # a round closed on the day it started: "[]"
    row = with_today(row, span.column(today, scale) * per_day + per_day // 2)
    when = f"{start:%d %b} → " + (f"{end:%d %b}" if end else "open")
    return fit(f"round {rnd.name}", label_w) + "".join(row) + f"  {when}"
