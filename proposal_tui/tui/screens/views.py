"""What the read-only views (compliance, round diff, progress) share, and the dashboard keys
that open them.

Each view is a pushed screen that reads git in its own thread worker and only posts a
:class:`ViewLoaded` (or :class:`ViewFailed`) back. Viewing is for every role; the only writes
(starting and closing rounds on the round screen) are offered to managers alone.
The dashboard also loads the review rounds here after each refresh, for the timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen

from proposal_tui.domain.text import one_line

if TYPE_CHECKING:
    from proposal_tui.domain.model import Manifest
    from proposal_tui.services.dashboard_data import DashboardData
    from proposal_tui.tui.app import ProposalApp

# Not in the dashboard's footer (it is full at 120 columns); in the palette and the help.
VIEW_BINDINGS: list[BindingType] = [
    Binding("m", "compliance", "compliance", id="compliance", show=False),
    Binding("R", "round_diff", "rounds", id="round-diff", show=False),
    Binding("p", "progress", "progress", id="progress", show=False),
    Binding("M", "mine", "mine: my sections, threads, reviews", id="mine", show=False),
    Binding("P", "plan", "plan: people, milestones, sections", id="plan", show=False),
]


class ViewLoaded(Message):
    """A view's worker finished: ``key`` says which request it answers, ``value`` the result."""

    def __init__(self, key: object, value: object) -> None:
        super().__init__()
        self.key = key
        self.value = value


class ViewFailed(Message):
    """A view's worker failed; ``error`` is one cleaned line."""

    def __init__(self, key: object, error: str) -> None:
        super().__init__()
        self.key = key
        self.error = error


def failure(exc: BaseException) -> str:
    from proposal_tui.domain.errors import ProposalError

    text = str(exc) if isinstance(exc, ProposalError) else f"{type(exc).__name__}: {exc}"
    return one_line(text, 300)


class ViewScreen(Screen[None]):
    """A pushed, read-only screen: ``esc`` (or ``q``) goes back to where it was opened."""

    CSS_PATH = "../styles/views.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "back", id="view-back"),
        Binding("q", "back", "back", show=False, id="view-quit"),
        Binding("question_mark", "app.help", "help", id="view-help"),
    ]

    @property
    def papp(self) -> ProposalApp:
        from proposal_tui.tui.app import ProposalApp

        assert isinstance(self.app, ProposalApp)
        return self.app

    def action_back(self) -> None:
        self.dismiss()

    # Views provide these two.
    def show(self, data: DashboardData) -> None:
        """New data, after every load: update in place."""
        raise NotImplementedError

    def restyle(self) -> None:
        """New theme: rebuild what was built in the old colours."""
        raise NotImplementedError

    def post_answer(self, key: object, read: Callable[[], object]) -> None:
        """From a worker thread: post what ``read`` returns, or why it failed in one line."""
        try:
            value = read()
        except Exception as exc:  # noqa: BLE001 - shown on the screen
            self.post_message(ViewFailed(key, failure(exc)))
        else:
            self.post_message(ViewLoaded(key, value))


class ViewActions:
    """Mixed into the dashboard: ``m`` compliance, ``R`` round diff, ``p`` progress."""

    app: ProposalApp  # provided by the Screen this is mixed into

    def action_compliance(self) -> None:
        from proposal_tui.tui.screens.compliance import ComplianceScreen

        self.app.push_screen(ComplianceScreen())

    def action_round_diff(self) -> None:
        from proposal_tui.tui.screens.rounds import RoundDiffScreen

        self.app.push_screen(RoundDiffScreen())

    def action_progress(self) -> None:
        from proposal_tui.tui.screens.progress import ProgressScreen

        current = getattr(self, "current_section_id", lambda: None)()
        self.app.push_screen(ProgressScreen(current))

    def action_mine(self) -> None:
        from proposal_tui.tui.screens.mine import MineScreen

        self.app.push_screen(MineScreen())


    def action_plan(self) -> None:
        from proposal_tui.tui.screens.plan import PlanScreen

        self.app.push_screen(PlanScreen())

    # -- rounds on the timeline ----------------------------------------------------------------
    def load_rounds(self, data: DashboardData) -> None:
        """After each load: the rounds and the newest round's coverage for the timeline."""
        if data.snapshot is None or getattr(self, "_rounds_generation", None) == data.generation:
            return
        self._rounds_generation = data.generation
        self._load_timeline_rounds(data.snapshot.manifest)

    @work(thread=True, exclusive=True, group="timeline-rounds", exit_on_error=False)
    def _load_timeline_rounds(self, manifest: Manifest) -> None:
        from proposal_tui.tui.widgets.timeline_rounds import rounds_on_timeline

        app = self.app
        try:
            value = rounds_on_timeline(app.workspace.rounds, manifest)
        except Exception as exc:  # noqa: BLE001 - the timeline works without rounds
            app.notify_from_thread(f"review rounds not shown: {failure(exc)}", "warning")
            return
        self.post_message(ViewLoaded("timeline-rounds", value))  # type: ignore[attr-defined]

    def on_view_loaded(self, message: ViewLoaded) -> None:
        from proposal_tui.tui.widgets.timeline import Timeline
        from proposal_tui.tui.widgets.timeline_rounds import TimelineRounds

        if message.key == "timeline-rounds" and isinstance(message.value, TimelineRounds):
            self.query_one(Timeline).set_rounds(message.value)  # type: ignore[attr-defined]
