"""Drawing the timeline: the calendar grid, the ruler rows and one bar per section, as
canvases of terminal cells kept as runs of same-styled cells (:class:`Row`), so a frame cuts
out the visible columns as a few segments. The widget (timeline.py) decides what to draw when.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from itertools import groupby

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Span as RichSpan
from rich.text import Text
from textual.strip import Strip

from proposal_tui.domain.model import SectionState
from proposal_tui.domain.status import MILESTONE_SYMBOLS, SCHEDULE_SYMBOLS, schedule_state
from proposal_tui.domain.text import one_line
from proposal_tui.domain.timeline import Span, schedule_span
from proposal_tui.services.snapshot import Snapshot
from proposal_tui.tui.cells import Look, style
from proposal_tui.tui.widgets.timeline_rounds import TimelineRounds


@dataclass(frozen=True)
class Zoom:
    name: str
    days_per_cell: int
    cells_per_day: int


ZOOMS = (Zoom("days", 1, 3), Zoom("weeks", 1, 1), Zoom("months", 7, 1))
HEADER_ROWS = 3
GLYPHS = {"done": ("━", SCHEDULE_SYMBOLS["done"]), "on-track": ("━", "┫"),
          "at-risk": ("╍", SCHEDULE_SYMBOLS["at-risk"]),
          "overdue": ("━", SCHEDULE_SYMBOLS["overdue"])}
MILESTONE_MARKS = MILESTONE_SYMBOLS
LEGEND = "━┫ on track ╍⚠ at risk ━✖ overdue ━✔ done ┆ today"
LABEL_PRIORITY = {"deadline": 0, "review": 1, "production": 2, "kickoff": 3}


def _narrow(text: str) -> bool:
    """Every character one cell wide; cheap for bars (one character repeated) and ASCII."""
    if text.isascii():
        return text.isprintable()
    if text.count(text[0]) == len(text):
        return cell_len(text[0]) == 1
    return all(cell_len(char) == 1 for char in text)


class Canvas:
    """One row of terminal cells; wide characters take two, so columns stay aligned."""

    def __init__(self, width: int) -> None:
        self.chars: list[str] = [" "] * width
        self.styles: list[Style | None] = [None] * width

    def free(self, x: int, width: int) -> bool:
        return x >= 0 and x + width <= len(self.chars) and \
            self.chars[x:x + width].count(" ") == width

    def put(self, x: int, text: str, look_style: Style | None = None) -> int:
        """Write ``text`` from column ``x``, clipped at the edge; returns the end column."""
        if x >= 0 and _narrow(text):  # bars: one slice
            end = min(len(self.chars), x + len(text))
            if end <= x:
                return x
            self.chars[x:end] = text[:end - x]
            self.styles[x:end] = [look_style] * (end - x)
            return end
        for char in text:
            width = cell_len(char)
            if width == 0:
                continue
            if x < 0 or x + width > len(self.chars):
                break
            self.chars[x], self.styles[x] = char, look_style
            for extra in range(1, width):
                self.chars[x + extra], self.styles[x + extra] = "", look_style
            x += width
        return x

    def text(self) -> Text:
        """The Text that appending cell by cell built, with its spans made directly (2x faster)."""
        spans: list[RichSpan] = []
        offset = 0
        for char, char_style in zip(self.chars, self.styles):
            if char and char_style:
                spans.append(RichSpan(offset, offset + len(char), char_style))
            offset += len(char)
        return Text("".join(self.chars), end="", no_wrap=True, spans=spans)


class Row:
    """A drawn row as runs of equally styled cells: a frame cuts the visible columns out of a
    few segments instead of cropping a segment per cell (what rendering the row's Text gives)
    out of the whole row. Screenshots and terminals show equal styles merged or not alike."""

    def __init__(self, canvas: Canvas) -> None:
        self.width = len(canvas.chars)
        blank = Style.null() if any(canvas.styles) else None  # as Text.render styles gaps
        segments: list[Segment] = []
        self._starts: list[int] = []
        start = 0
        for _id, run in groupby(map(id, canvas.styles)):  # runs of one style, at C speed
            end = start + len(list(run))
            segments.append(Segment("".join(canvas.chars[start:end]),
                                    canvas.styles[start] or blank))
            self._starts.append(start)
            start = end
        self._segments = segments
        # a wide character may be cut in two at an edge: Strip.crop knows how
        self._strip = Strip(segments, self.width) if "" in canvas.chars else None

    def crop(self, start: int, end: int) -> Strip:
        """Columns ``start`` to ``end``: the same cells as cropping the whole rendered row."""
        if self._strip is not None:
            return self._strip.crop(start, end)
        start, end = max(0, start), min(self.width, end)
        if end <= start:
            return Strip([], 0)
        out: list[Segment] = []
        for index in range(bisect_right(self._starts, start) - 1, len(self._segments)):
            first = self._starts[index]
            if first >= end:
                break
            text, look_style, _control = self._segments[index]
            out.append(Segment(text[max(0, start - first):end - first], look_style))
        return Strip(out, end - start)


@dataclass(frozen=True)
class Grid:
    """Where days fall: column of a day at a zoom, over the schedule span."""

    span: Span
    zoom: Zoom

    @property
    def width(self) -> int:
        return self.span.columns(self.zoom.days_per_cell) * self.zoom.cells_per_day

    def x(self, day: dt.date) -> int:
        return self.span.column(day, self.zoom.days_per_cell) * self.zoom.cells_per_day

    def mid(self, day: dt.date) -> int:
        return self.x(day) + self.zoom.cells_per_day // 2

    def inside(self, day: dt.date) -> bool:
        return self.span.start <= day <= self.span.end


def span_of(snapshot: Snapshot) -> Span:
    """Kickoff (else the first commit) to the deadline."""
    zone = snapshot.manifest.proposal.timezone
    firsts = [s.history.first.date.astimezone(zone).date() for s in snapshot.states
              if s.history.first is not None]
    return schedule_span(snapshot.manifest, snapshot.now.astimezone(zone).date(),
                         min(firsts, default=None))


def short_name(name: str) -> str:
    """'Red Team (scored against Section M)' -> 'Red' ; enough to recognise on a ruler."""
    words = one_line(name).split()
    return words[0] if words else ""


def _near(grid: Grid, x: int, today: dt.date, width: int) -> bool:
    """Would a label at ``x`` touch today's label (which goes in last, at its own column)?"""
    if not grid.inside(today):
        return False
    at = grid.x(today)
    return x - len(str(today.day)) - 1 < at < x + width + 1


def ruler_rows(snapshot: Snapshot, grid: Grid, today: dt.date, look: Look,
               rounds: TimelineRounds | None = None) -> list[Text]:
    return [canvas.text() for canvas in ruler_canvases(snapshot, grid, today, look, rounds)]


def ruler_canvases(snapshot: Snapshot, grid: Grid, today: dt.date, look: Look,
                   rounds: TimelineRounds | None = None) -> list[Canvas]:
    zone = snapshot.manifest.proposal.timezone
    months, days, marks = (Canvas(grid.width) for _ in range(3))
    day = grid.span.start
    step = dt.timedelta(days=1)
    while day <= grid.span.end:
        x = grid.x(day)
        if day == grid.span.start or day.day == 1:
            label = f"{day:%b %Y}" if day == grid.span.start or day.month == 1 else f"{day:%b}"
            if months.free(x, len(label) + 1):
                months.put(x, label, style(look, "strong"))
        if grid.zoom.cells_per_day >= 3:
            weekend = day.weekday() >= 5
            days.put(x, f"{day.day:>2}", style(look, "today") if day == today else
                     style(look, "weekend") if weekend else style(look, "muted"))
        elif grid.zoom.days_per_cell == 1:
            if day.weekday() == 0 or day == today:
                label = str(day.day)
                if day == today or days.free(x, len(label) + 1):
                    days.put(x, label, style(look, "today") if day == today else
                             style(look, "muted"))
        elif (day - grid.span.start).days % 28 == 0 and day != today:
            label = str(day.day)  # whole labels with a space between, today's has the room
            if days.free(x, len(label) + 1) and not _near(grid, x, today, len(label)):
                days.put(x, label, style(look, "muted"))
        day += step
    if grid.zoom.days_per_cell > 1 and grid.inside(today) and \
            days.free(grid.x(today), len(str(today.day))):
        days.put(grid.x(today), str(today.day), style(look, "today"))
    milestones = sorted(snapshot.manifest.milestones, key=lambda m: m.date)
    points = [(m.date.astimezone(zone).date(), m.kind, m.name) for m in milestones]
    for when, kind, _name in points:
        if grid.inside(when):
            marks.put(grid.mid(when), MILESTONE_MARKS.get(kind, "·"),
                      style(look, "error" if kind == "deadline" else "milestone"))
    for span in rounds.spans if rounds else ():  # review rounds: [ started, ] closed
        for day, mark, step in ((span.start, "[", -1), (span.end, "]", 1)):
            if day is None or not grid.inside(day):
                continue
            x = grid.x(day) if mark == "[" else grid.x(day) + grid.zoom.cells_per_day - 1
            x = x if marks.free(x, 1) else x + step
            if marks.free(x, 1):
                marks.put(x, mark, style(look, "accent"))
    for when, _kind, name in sorted(points, key=lambda p: (LABEL_PRIORITY.get(p[1], 9), p[0])):
        label = short_name(name)
        if not grid.inside(when) or not label:
            continue
        width, mark = cell_len(label), grid.mid(when)
        if marks.free(mark - width - 1, width + 1):  # "Pink▲" reads best
            marks.put(mark - width, label, style(look, "muted"))
        elif marks.free(mark + 1, width + 1):  # else "▲Pink"
            marks.put(mark + 1, label, style(look, "muted"))
    if grid.inside(today):
        for canvas in (months, marks):
            if canvas.free(grid.mid(today), 1):
                canvas.put(grid.mid(today), "┆", style(look, "today-line"))
    return [months, days, marks]


def section_row(state: SectionState, snapshot: Snapshot, grid: Grid, today: dt.date,
                look: Look) -> Text:
    return section_canvas(state, snapshot, grid, today, look).text()


def section_canvas(state: SectionState, snapshot: Snapshot, grid: Grid, today: dt.date,
                   look: Look) -> Canvas:
    zone = snapshot.manifest.proposal.timezone
    canvas = Canvas(grid.width)
    due = state.section.due
    if due is not None:
        when = schedule_state(state)
        body, end = GLYPHS[when]
        due_day = min(max(due.astimezone(zone).date(), grid.span.start), grid.span.end)
        first = state.history.first
        start = grid.span.start
        if first is not None:
            start = min(max(first.date.astimezone(zone).date(), grid.span.start), due_day)
        end_x = grid.x(due_day) + grid.zoom.cells_per_day - 1
        bar_style = style(look, when)
        canvas.put(grid.x(start), body * max(0, end_x - grid.x(start)), bar_style)
        canvas.put(end_x, end, bar_style)
        if when in ("overdue", "at-risk") and grid.zoom.cells_per_day >= 3:
            word = " overdue" if when == "overdue" else " at risk"
            if canvas.free(end_x + 1, len(word)):
                canvas.put(end_x + 1, word, bar_style)
    else:
        canvas.put(0, "no due date", style(look, "muted"))
    if grid.inside(today) and canvas.free(grid.mid(today), 1):
        canvas.put(grid.mid(today), "┆", style(look, "today-line"))
    return canvas
