"""Progress over time: a burn-up chart of one section's words per day towards its limit, and
its open comments per day, from git history (:meth:`ProgressService.rows`, in a worker).
The list on the left picks the section; it opens on the dashboard's current one."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.events import Resize
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from proposal_tui.services.progress import ProgressRow, ProgressService
from proposal_tui.tui.cells import plain, style
from proposal_tui.tui.charts import burnup, series_of, title_line
from proposal_tui.tui.screens.views import ViewFailed, ViewLoaded, ViewScreen, failure
from proposal_tui.tui.widgets.look import LOOK_CLASSES, LookMixin


class BurnUpChart(LookMixin, Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = set(LOOK_CLASSES)


class ProgressScreen(ViewScreen):
    def __init__(self, section_id: str | None = None) -> None:
        super().__init__(id="progress-screen")
        self.section_id = section_id
        self.rows: list[ProgressRow] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="progress-main"):
            yield OptionList(id="progress-sections", classes="pane")
            with VerticalScroll(id="progress-chart-pane", classes="pane"):
                yield BurnUpChart(Text("reading the history…"), id="progress-chart")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#progress-sections").border_title = "Sections"
        pane = self.query_one("#progress-chart-pane")
        pane.border_title = "Burn-up: words per day"
        pane.border_subtitle = "end of each day, from git history"
        snap = self.papp.data.snapshot
        options = self.query_one("#progress-sections", OptionList)
        if snap is not None:
            ids = [s.section.id for s in snap.states]
            options.add_options([Option(plain(sid, limit=26), id=sid) for sid in ids])
            if ids:
                self.section_id = self.section_id if self.section_id in ids else ids[0]
                options.highlighted = ids.index(self.section_id)
        options.focus()
        self._load()

    @work(thread=True, exclusive=True, group="progress", exit_on_error=False)
    def _load(self) -> None:
        app = self.papp
        try:
            manifest = app.data.manifest or app.service.manifest()
            rows = ProgressService(app.service.repo, app.clock).rows(manifest)
        except Exception as exc:  # noqa: BLE001 - shown on the screen
            self.post_message(ViewFailed("progress", failure(exc)))
        else:
            self.post_message(ViewLoaded("progress", rows))

    @on(ViewLoaded)
    def _loaded(self, message: ViewLoaded) -> None:
        assert isinstance(message.value, list)
        self.rows = message.value
        self.render_chart()

    @on(ViewFailed)
    def _failed(self, message: ViewFailed) -> None:
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
        series = series_of(self.rows, self.section_id or "")
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
