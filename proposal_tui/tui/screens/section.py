"""One section full screen: its text with room to read, and every thread in full."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from proposal_tui.domain.comments import Thread
from proposal_tui.services.dashboard_data import DashboardData
from proposal_tui.tui.screens.actions import COMMON_BINDINGS, SECTION_BINDINGS, SectionActions
from proposal_tui.tui.widgets.footer import KeyFooter
from proposal_tui.tui.widgets.header import Banner, ProposalHeader
from proposal_tui.tui.widgets.section_preview import SectionPreview


class SectionScreen(SectionActions):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "back", id="back"),
        *COMMON_BINDINGS,
        Binding("q", "quit", "quit", id="section-quit"),
        *SECTION_BINDINGS,
        Binding("tab", "switch_focus", "text/comments", show=False, id="section-focus"),
        Binding("p", "progress", "progress", id="section-progress"),
    ]

    def __init__(self, section_id: str) -> None:
        super().__init__(id="section-screen")
        self.section_id = section_id

    def compose(self) -> ComposeResult:
        yield ProposalHeader(self.papp.clock, id="header")
        yield Banner(id="banner")
        yield SectionPreview(full=True, id="section-full", classes="pane")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.show(self.data)
        self.query_one("#preview-body").focus()

    def show(self, data: DashboardData, force: bool = False) -> None:
        self.query_one(ProposalHeader).show(data)
        self.query_one(Banner).show(data)
        self.query_one(SectionPreview).show(data, self.section_id, force=force)
        self.sync_bindings()

    def restyle(self) -> None:
        self.show(self.data, force=True)

    def current_section_id(self) -> str | None:
        return self.section_id if self.data.state(self.section_id) else None

    def current_thread(self) -> Thread | None:
        return self.query_one(SectionPreview).thread_list.selected_thread

    @on(SectionPreview.ThreadChanged)
    def _thread_changed(self, event: SectionPreview.ThreadChanged) -> None:
        event.stop()
        self.sync_bindings()

    def action_back(self) -> None:
        self.dismiss()

    def action_progress(self) -> None:
        """This section's burn-up chart (words per day towards the limit)."""
        from proposal_tui.tui.screens.progress import ProgressScreen

        self.app.push_screen(ProgressScreen(self.section_id))

    def action_quit(self) -> None:
        self.app.exit()

    def action_switch_focus(self) -> None:
        threads = self.query_one("#threads")
        (self.query_one("#preview-body") if threads.has_focus else threads).focus()
