"""A horizontal calendar from kickoff to the deadline: milestones, a today line, and a bar per
section up to its due date, coloured (and shaped) by schedule state.

Drawn with the line API: the section labels and the three ruler rows stay put while the
calendar scrolls under them, so a long schedule scrolls sideways (h/l, ←/→) and zooms (z)
between days (3 cells a day), weeks (1 cell a day) and months (1 cell a week).

A section's bar is drawn when it first comes on screen and kept per zoom: drawing all 500 on
every zoom cost up to 2.5 s of UI thread, and their Text kept ~80 MB alive.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from proposal_tui.domain.model import SectionState
from proposal_tui.domain.text import one_line
from proposal_tui.domain.timeline import Span
from proposal_tui.services.snapshot import Snapshot
from proposal_tui.tui.cells import Look, fit, plain, style
from proposal_tui.tui.widgets.frame_style import FrameStyle
from proposal_tui.tui.widgets.look import LookMixin
from proposal_tui.tui.widgets.quiet_scrollbar import QuietScrollbar
from proposal_tui.tui.widgets.rowcache import RowCache
from proposal_tui.tui.widgets.strips import set_virtual_size
from proposal_tui.tui.widgets.timeline_draw import (
    HEADER_ROWS,
    LEGEND,
    ZOOMS,
    Grid,
    Row,
    Zoom,
    ruler_canvases,
    section_canvas,
    span_of,
)
from proposal_tui.tui.widgets.timeline_rounds import NOT_REVIEWED, REVIEWED, TimelineRounds

AUTO_SCROLL_DAYS = 92  # up to about three months scroll at a day a cell rather than shrink


def auto_zoom(span: Span, room: int) -> Zoom:
    """The zoom that fits the schedule: days if they fit the room, else weeks (one cell a
    day) if they fit or the schedule is short enough to scroll; months only for long ones.
    Six weeks are never shown as months."""
    days, weeks, months = ZOOMS
    if Grid(span, days).width <= room:
        return days
    if Grid(span, weeks).width <= room or span.days <= AUTO_SCROLL_DAYS:
        return weeks
    return months


class Timeline(LookMixin, FrameStyle, QuietScrollbar, ScrollView, can_focus=True):
    """Posts :class:`Picked` when the user moves the selection with ↑/↓ (or j/k) here."""

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
        self._header: list[Row] = []
        self._rows: list[tuple[str, SectionState]] = []  # bars are drawn when first on screen
        self._index: dict[str, int] = {}  # section id -> its place in _rows
        self._bars: dict[int, Row] = {}  # row -> bar, this pass
        self._labels: dict[tuple[int, bool], Strip] = {}  # (row, selected): both kept
        # row -> its finished line and what that was drawn for (scroll x, width, base style):
        # following the cursor scrolls one row, and the other rows' lines stay as they were
        self._lines: dict[int, tuple[tuple[object, ...], Strip]] = {}
        self.grid: Grid | None = None
        self.label_width = 15
        self._look: Look = {}
        self._measured: tuple[Snapshot, Span, int] | None = None
        self._headers: dict[str, tuple[tuple[object, ...], list[Row]]] = {}  # ruler, per zoom
        # per zoom, so cycling z redraws nothing; bars of sections whose state is unchanged
        self._built: dict[str, RowCache[Row]] = {}
        self.drawn = 0  # bars drawn so far (tests check that zooming draws only what shows)

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
        changed = [HEADER_ROWS + self._index[sid] for sid in (previous, section_id)
                   if sid in self._index]
        for row in changed:
            self._lines.pop(row, None)
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
        return auto_zoom(self._span(), max(1, self.size.width - self.label_width - 1))

    def _measure(self) -> tuple[Span, int]:
        """The span and the longest section id, once per snapshot: both read all 500 states."""
        assert self.snapshot is not None
        if self._measured is None or self._measured[0] is not self.snapshot:
            longest = max((cell_len(one_line(s.section.id)) for s in self.snapshot.states),
                          default=10)
            self._measured = (self.snapshot, span_of(self.snapshot), longest)
        return self._measured[1], self._measured[2]

    def _span(self) -> Span:
        return self._measure()[0]

    def _today(self) -> dt.date:
        assert self.snapshot is not None
        return self.snapshot.now.astimezone(self.snapshot.manifest.proposal.timezone).date()

    def rebuild(self) -> None:
        """Start a pass (data, zoom, width or theme changed); bars are drawn as they show."""
        self._bars.clear()
        self._labels.clear()
        self._lines.clear()
        if self.snapshot is None:
            return
        look = self._look = self.look()
        longest = self._measure()[1]
        self.label_width = min(22, longest + 3) if self.size.width >= 50 else 11
        self.label_width += 2 if self.rounds.round else 0  # the coverage mark
        grid = self.grid = Grid(self._span(), self.current_zoom())
        today = self._today()
        context = (self.snapshot.manifest, grid, today, self.app.theme)
        built = self._built.setdefault(grid.zoom.name, RowCache())
        built.start(*context)  # else reuse rows
        header = self._headers.get(grid.zoom.name)
        if header is None or header[0] != (*context, self.rounds):
            rows = ruler_canvases(self.snapshot, grid, today, look, self.rounds)
            header = self._headers[grid.zoom.name] = ((*context, self.rounds),
                                                      [Row(canvas) for canvas in rows])
        self._header = header[1]
        states = {s.section.id: s for s in self.snapshot.states}
        self._rows = [(sid, states[sid]) for sid in self.order if sid in states]
        self._index = {sid: i for i, (sid, _state) in enumerate(self._rows)}
        # Not a layout on each zoom: laying out the whole dashboard cost more than the zoom.
        set_virtual_size(self, Size(self.label_width + grid.width, HEADER_ROWS + len(self._rows)))
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

    def _bar(self, row: int) -> Row:
        if row < HEADER_ROWS:
            return self._header[row]
        bar = self._bars.get(row)
        if bar is None:
            assert self.snapshot is not None and self.grid is not None
            sid, state = self._rows[row - HEADER_ROWS]
            snapshot, grid, today, look = self.snapshot, self.grid, self._today(), self._look

            def draw() -> Row:
                self.drawn += 1
                return Row(section_canvas(state, snapshot, grid, today, look))

            bar = self._bars[row] = self._built[grid.zoom.name].get(sid, state, draw)
        return bar

    def render_line(self, y: int) -> Strip:
        width, base = self.line_width, self.rich_style
        scroll_x, scroll_y = self.scroll_offset
        row = y if y < HEADER_ROWS else y + scroll_y
        if self.snapshot is None or row >= HEADER_ROWS + len(self._rows):
            return Strip.blank(width, base)
        drawn_for = (scroll_x, width, base)
        line = self._lines.get(row)
        if line is not None and line[0] == drawn_for:
            return line[1]
        key = (row, row >= HEADER_ROWS and self._rows[row - HEADER_ROWS][0] == self.selected)
        label = self._labels.get(key)
        if label is None:
            label = self._labels[key] = Strip(list(self._label(row).render(self.app.console)))
        visible = self._bar(row).crop(scroll_x, scroll_x + max(0, width - self.label_width))
        strip = Strip.join([label, visible]).extend_cell_length(width)
        strip = strip.crop(0, width).apply_style(base)
        self._lines[row] = (drawn_for, strip)
        return strip

    # -- actions ------------------------------------------------------------------------------
    def on_resize(self) -> None:
        self.rebuild()

    def watch_zoom(self) -> None:
        self.rebuild()
        self.action_today()  # now, so the new zoom is painted once, not once per position
        self.call_after_refresh(self.action_today)  # again if a layout moves things

    def action_zoom(self) -> None:
        names = [z.name for z in ZOOMS]
        self.zoom = names[(names.index(self.current_zoom().name) + 1) % len(names)]

    def action_pick(self, step: int) -> None:
        if not self._rows:
            return
        index = self._index[self.selected] + step if self.selected in self._index else 0
        self.post_message(self.Picked(self._rows[max(0, min(len(self._rows) - 1, index))][0]))

    def action_today(self) -> None:
        """Scroll so that today sits a third of the way in."""
        if self.grid is None or self.snapshot is None:
            return
        room = self.scrollable_content_region.width - self.label_width
        x = self.grid.x(max(min(self._today(), self.grid.span.end), self.grid.span.start))
        self.scroll_to(x=self._on_a_day(x - room // 3), animate=False)

    def _on_a_day(self, x: int) -> int:
        """Scroll positions fall on a day's first cell: at 3 cells a day, starting one cell
        into a day cut its label to its last digit ('0' for the 10th)."""
        per_day = self.grid.zoom.cells_per_day if self.grid else 1
        return max(0, x - x % per_day)

    def action_scroll_left(self) -> None:
        self.scroll_to(x=self._on_a_day(int(self.scroll_target_x) - self._step()),
                       animate=False)

    def action_scroll_right(self) -> None:
        self.scroll_to(x=self._on_a_day(int(self.scroll_target_x) + self._step()),
                       animate=False)

    def _step(self) -> int:
        return self.grid.zoom.cells_per_day if self.grid else 1

    def scroll_to_selected(self) -> None:
        """Bring a selection that left the chart to its middle: the chart then scrolls once
        per half screen of cursor moves, not on each, and a scroll repaints every row."""
        index = self._index.get(self.selected) if self.selected is not None else None
        if index is None:
            return
        rows = self.scrollable_content_region.height - HEADER_ROWS
        top = int(self.scroll_y)
        if index < top or (rows > 0 and index >= top + rows):
            self.scroll_to(y=max(0, index - max(rows, 1) // 2), animate=False)
