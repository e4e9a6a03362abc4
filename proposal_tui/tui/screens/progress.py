"""Progress over time: a burn-up chart of one section's words per day towards its limit, and
its open comments per day, from git history (:meth:`ProgressService.rows`, in a worker).
The list on the left picks the section; it opens on the dashboard's current one. After each of
the app's loads the list follows the plan, and the history is read again when a commit, a
comment, the plan or the day moved."""

from __future__ import annotations

from itertools import count
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.events import Resize
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from proposal_tui.services.progress import ProgressRow
from proposal_tui.tui.cells import plain, style
from proposal_tui.tui.charts import burnup, series_of, title_line
from proposal_tui.tui.screens.views import ViewFailed, ViewLoaded, ViewScreen
from proposal_tui.tui.widgets.footer import KeyFooter
from proposal_tui.tui.widgets.look import LookMixin

if TYPE_CHECKING:
    from proposal_tui.domain.model import Manifest
    from proposal_tui.services.dashboard_data import DashboardData


class BurnUpChart(LookMixin, Static):
    """The burn-up chart, coloured with the app's look."""


class ProgressScreen(ViewScreen):
    def __init__(self, section_id: str | None = None) -> None:
        super().__init__(id="progress-screen")
        self.section_id = section_id
        self.rows: list[ProgressRow] | None = None
        self._ids: list[str] = []
        self._inputs: tuple[object, ...] | None = None  # what the history read last was of
        self._requests = count()
        self._key: tuple[str, int] | None = None  # the newest read

    def compose(self) -> ComposeResult:
        with Horizontal(id="progress-main"):
            yield OptionList(id="progress-sections", classes="pane")
            with VerticalScroll(id="progress-chart-pane", classes="pane"):
                yield BurnUpChart(Text("reading the history…"), id="progress-chart")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#progress-sections").border_title = "Sections"
        pane = self.query_one("#progress-chart-pane")
        pane.border_title = "Burn-up: words per day"
        pane.border_subtitle = "end of each day, from git history"
        self.query_one("#progress-sections", OptionList).focus()
        self.show(self.papp.data)

    def show(self, data: DashboardData) -> None:
        """The app loaded new data. Reading the history is this screen's costly part, so it is
        redone only when what the rows are made of changed (not on the minute timer)."""
        snap = data.snapshot
        if snap is not None:
            self._list_sections([s.section.id for s in snap.states])
            zone = snap.manifest.proposal.timezone
            inputs = (snap.head, snap.manifest, snap.threads, snap.now.astimezone(zone).date())
            if inputs == self._inputs:
                self.render_chart()  # the history is the same; pages may be measured now
                return
            self._inputs = inputs
        self._key = ("progress", next(self._requests))
        self._load(self._key, data.manifest)

    def restyle(self) -> None:
        self.render_chart()

    def _list_sections(self, ids: list[str]) -> None:
        if ids == self._ids:
            return
        self._ids = ids
        options = self.query_one("#progress-sections", OptionList)
        options.clear_options()
        options.add_options([Option(plain(sid, limit=26), id=sid) for sid in ids])
        if ids:
            self.section_id = self.section_id if self.section_id in ids else ids[0]
            options.highlighted = ids.index(self.section_id)

    @work(thread=True, exclusive=True, group="progress", exit_on_error=False)
    def _load(self, key: tuple[str, int], manifest: Manifest | None) -> None:
        ws = self.papp.workspace
        self.post_answer(key, lambda: ws.progress.rows(manifest or ws.proposals.manifest()))

    @on(ViewLoaded)
    def _loaded(self, message: ViewLoaded) -> None:
        if message.key != self._key:  # an older read finishing late
            return
        assert isinstance(message.value, list)
        self.rows = message.value
        self.render_chart()

    @on(ViewFailed)
    def _failed(self, message: ViewFailed) -> None:
        if message.key != self._key:
            return
        self._inputs = None  # read again with the next load
        chart = self.query_one(BurnUpChart)
        chart.update(plain(message.error, style(chart.look(), "error")))

    @on(OptionList.OptionHighlighted, "#progress-sections")
    def _picked(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and event.option.id != self.section_id:
            self.section_id = event.option.id
            self.render_chart()

    def on_resize(self, _event: Resize) -> None:
        self.call_after_refresh(self.render_chart)

    def render_chart(self) -> None:
        if self.rows is None or not self.is_mounted:
            return
        chart = self.query_one(BurnUpChart)
        look = chart.look()
        state = self.papp.data.state(self.section_id)
        series = series_of(self.rows, self.section_id or "",
                           state.page_figure if state is not None else None)
        if series is None:
            chart.update(Text("no history for this section yet", style=style(look, "muted")))
            return
        pane = self.query_one("#progress-chart-pane")
        width = max(30, pane.scrollable_content_region.width - 2)
        height = max(6, min(16, pane.scrollable_content_region.height - 7))
        today = self.papp.clock.now().astimezone(
            self.papp.data.manifest.proposal.timezone).date() if self.papp.data.manifest \
            else None
        chart.update(Text("\n").join([title_line(series, look), Text(""),
                                      burnup(series, width, height, look, today)]))
