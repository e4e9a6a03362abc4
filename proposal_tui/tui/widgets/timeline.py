"""A horizontal calendar from kickoff to the deadline: milestones, a today line, and a bar per
section up to its due date, coloured (and shaped) by schedule state.

Drawn with the line API: the section labels and the three ruler rows stay put while the
calendar scrolls under them, so a long schedule scrolls sideways (h/l, ←/→) and zooms (z)
between days (3 cells a day), weeks (1 cell a day) and months (1 cell a week).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from proposal_tui.domain.model import SectionState
from proposal_tui.domain.status import schedule_state
from proposal_tui.domain.text import one_line
from proposal_tui.domain.timeline import Span, schedule_span
from proposal_tui.services.dashboard import Snapshot
from proposal_tui.tui.cells import Look, fit, plain, style
from proposal_tui.tui.widgets.look import LOOK_CLASSES, LookMixin
from proposal_tui.tui.widgets.rowcache import RowCache
from proposal_tui.tui.widgets.timeline_rounds import NOT_REVIEWED, REVIEWED, TimelineRounds


@dataclass(frozen=True)
class Zoom:
    name: str
    days_per_cell: int
    cells_per_day: int


ZOOMS = (Zoom("days", 1, 3), Zoom("weeks", 1, 1), Zoom("months", 7, 1))
HEADER_ROWS = 3
GLYPHS = {"done": ("━", "✔"), "on-track": ("━", "┫"), "at-risk": ("╍", "⚠"),
          "overdue": ("━", "✖")}
MILESTONE_MARKS = {"kickoff": "●", "review": "▲", "production": "■", "deadline": "◆",
                   "other": "·"}
LEGEND = "━┫ on track ╍⚠ at risk ━✖ overdue ━✔ done ┆ today"
LABEL_PRIORITY = {"deadline": 0, "review": 1, "production": 2, "kickoff": 3}


class Canvas:
    """One row of terminal cells; wide characters take two, so columns stay aligned."""

    def __init__(self, width: int) -> None:
        self.chars: list[str] = [" "] * width
        self.styles: list[Style | None] = [None] * width

    def free(self, x: int, width: int) -> bool:
        return 0 <= x and x + width <= len(self.chars) and all(
            c == " " for c in self.chars[x:x + width])

    def put(self, x: int, text: str, look_style: Style | None = None) -> int:
        """Write ``text`` from column ``x``, clipped at the edge; returns the end column."""
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
        out = Text(end="", no_wrap=True)
        for char, char_style in zip(self.chars, self.styles):
            out.append(char, style=char_style or "")
        return out


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


def ruler_rows(snapshot: Snapshot, grid: Grid, today: dt.date, look: Look,
               rounds: TimelineRounds | None = None) -> list[Text]:
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
        elif (day - grid.span.start).days % 28 == 0 or day == today:
            days.put(grid.x(day), str(day.day), style(look, "today") if day == today else
                     style(look, "muted"))
        day += step
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
    return [months.text(), days.text(), marks.text()]


def section_row(state: SectionState, snapshot: Snapshot, grid: Grid, today: dt.date,
                look: Look) -> Text:
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
    return canvas.text()


class Timeline(LookMixin, ScrollView, can_focus=True):
    """Posts :class:`Picked` when the user moves the selection with ↑/↓ (or j/k) here."""

    COMPONENT_CLASSES: ClassVar[set[str]] = set(LOOK_CLASSES)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("z", "zoom", "zoom", id="timeline-zoom"),
        Binding("up,k", "pick(-1)", "previous section", show=False, id="timeline-up"),
        Binding("down,j", "pick(1)", "next section", show=False, id="timeline-down"),
        Binding("left,h", "scroll_left", "earlier", show=False, id="timeline-left"),
        Binding("right,l", "scroll_right", "later", show=False, id="timeline-right"),
        Binding("full_stop", "today", "today", id="timeline-today"),
    ]

    zoom: reactive[str] = reactive("auto", init=False)
    rounds: TimelineRounds = TimelineRounds()  # set_rounds() replaces it

    class Picked(Message):
        def __init__(self, section_id: str) -> None:
            super().__init__()
            self.section_id = section_id

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.snapshot: Snapshot | None = None
        self.selected: str | None = None
        self.order: list[str] = []
        self._header: list[Text] = []
        self._rows: list[tuple[str, Text]] = []
        self._strips: dict[tuple[int, str], Strip] = {}  # (row, "body" | "label")
        self.grid: Grid | None = None
        self.label_width = 15
        self._built: RowCache[Text] = RowCache()  # bars of sections whose state is unchanged

    # -- data ---------------------------------------------------------------------------------
    def show(self, snapshot: Snapshot, order: list[str] | None = None) -> None:
        self.snapshot = snapshot
        self.order = order or [s.section.id for s in snapshot.states]
        self.rebuild()

    def set_selected(self, section_id: str | None) -> None:
        if section_id == self.selected:
            return
        previous, self.selected = self.selected, section_id
        before = self.scroll_offset.y
        self.scroll_to_selected()
        changed = [HEADER_ROWS + i for i, (sid, _body) in enumerate(self._rows)
                   if sid in (previous, section_id)]
        for row in changed:
            self._strips.pop((row, "label"), None)
        if self.scroll_offset.y != before:
            self.refresh()
        else:  # only the two label cells changed: repaint those lines, not the whole chart
            for row in changed:
                y = row - int(self.scroll_offset.y)
                if HEADER_ROWS <= y < self.size.height:
                    self.refresh_line(y)

    def set_rounds(self, rounds: TimelineRounds) -> None:
        """Round markers and per-section review coverage (loaded by the screen's worker)."""
        if rounds != self.rounds:
            self.rounds = rounds
            self.rebuild()

    def current_zoom(self) -> Zoom:
        if self.zoom != "auto":
            return next(z for z in ZOOMS if z.name == self.zoom)
        if self.snapshot is None:
            return ZOOMS[0]
        span = self._span()
        room = max(1, self.size.width - self.label_width - 1)
        for zoom in ZOOMS:
            if Grid(span, zoom).width <= room:
                return zoom
        return ZOOMS[1]

    def _span(self) -> Span:
        assert self.snapshot is not None
        return span_of(self.snapshot)

    def _today(self) -> dt.date:
        assert self.snapshot is not None
        return self.snapshot.now.astimezone(self.snapshot.manifest.proposal.timezone).date()

    def rebuild(self) -> None:
        """Recompute every row (data, zoom, width or theme changed)."""
        self._strips.clear()
        if self.snapshot is None:
            return
        look = self.look()
        longest = max((cell_len(one_line(s.section.id)) for s in self.snapshot.states),
                       default=10)
        self.label_width = min(22, longest + 3) if self.size.width >= 50 else 11
        self.label_width += 2 if self.rounds.round else 0  # the coverage mark
        grid = self.grid = Grid(self._span(), self.current_zoom())
        today = self._today()
        self._header = ruler_rows(self.snapshot, grid, today, look, self.rounds)
        states = {s.section.id: s for s in self.snapshot.states}
        snap = self.snapshot
        self._built.start(snap.manifest, grid, today, self.app.theme)  # else reuse rows
        self._rows = [(sid, self._built.get(sid, states[sid], lambda sid=sid: section_row(
            states[sid], snap, grid, today, look))) for sid in self.order if sid in states]
        self.virtual_size = Size(self.label_width + grid.width, HEADER_ROWS + len(self._rows))
        self.border_subtitle = Text(f"{LEGEND} · z {grid.zoom.name}" + (  # Text: no markup
            f" · [ ] {self.rounds.summary} ✓" if self.rounds.round else ""))
        self.refresh()

    def restyle(self) -> None:
        self.rebuild()

    # -- rendering ----------------------------------------------------------------------------
    def _label(self, row: int) -> Text:
        look = self.look()
        if row < HEADER_ROWS:
            names = ["", "", "milestones"]
            return Text(" ", end="") + fit(Text(names[row], style=style(look, "muted")),
                                           self.label_width - 2) + " "
        sid = self._rows[row - HEADER_ROWS][0]
        label = plain(sid, style(look, "selected") if sid == self.selected else "")
        if self.rounds.round:
            reviewed = self.rounds.reviewed.get(sid, False)
            mark = Text(REVIEWED if reviewed else NOT_REVIEWED,
                        style=style(look, "success" if reviewed else "muted"))
            return Text(" ", end="") + fit(label, self.label_width - 4) + " " + mark + " "
        return Text(" ", end="") + fit(label, self.label_width - 2) + " "

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = self.scroll_offset
        row = y if y < HEADER_ROWS else y + scroll_y
        if self.snapshot is None or row >= HEADER_ROWS + len(self._rows):
            return Strip.blank(width, self.rich_style)
        full = self._strips.get((row, "body"))
        if full is None:
            body = self._header[row] if row < HEADER_ROWS else self._rows[row - HEADER_ROWS][1]
            full = self._strips[(row, "body")] = Strip(list(body.render(self.app.console)))
        label = self._strips.get((row, "label"))
        if label is None:
            label = self._strips[(row, "label")] = Strip(
                list(self._label(row).render(self.app.console)))
        visible = full.crop(scroll_x, scroll_x + max(0, width - self.label_width))
        strip = Strip.join([label, visible]).extend_cell_length(width)
        return strip.crop(0, width).apply_style(self.rich_style)

    # -- actions ------------------------------------------------------------------------------
    def on_resize(self) -> None:
        self.rebuild()

    def watch_zoom(self) -> None:
        self.rebuild()
        self.call_after_refresh(self.action_today)

    def action_zoom(self) -> None:
        names = [z.name for z in ZOOMS]
        self.zoom = names[(names.index(self.current_zoom().name) + 1) % len(names)]

    def action_pick(self, step: int) -> None:
        ids = [sid for sid, _ in self._rows]
        if not ids:
            return
        index = ids.index(self.selected) + step if self.selected in ids else 0
        self.post_message(self.Picked(ids[max(0, min(len(ids) - 1, index))]))

    def action_today(self) -> None:
        """Scroll so that today sits a third of the way in."""
        if self.grid is None or self.snapshot is None:
            return
        room = self.scrollable_content_region.width - self.label_width
        x = self.grid.x(max(min(self._today(), self.grid.span.end), self.grid.span.start))
        self.scroll_to(x=max(0, x - room // 3), animate=False)

    def scroll_to_selected(self) -> None:
        ids = [sid for sid, _ in self._rows]
        if self.selected not in ids:
            return
        index = ids.index(self.selected)
        rows = self.scrollable_content_region.height - HEADER_ROWS
        top = int(self.scroll_y)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif rows > 0 and index >= top + rows:
            self.scroll_to(y=index - rows + 1, animate=False)


__all__ = ["Timeline", "Zoom", "ZOOMS", "Canvas", "Grid", "ruler_rows", "section_row",
           "span_of"]
