"""The application: owns the data, runs every git read and write in thread workers.

Refresh protocol (see :meth:`ProposalApp.request_refresh`): any thread may ask; requests that
arrive while a load runs collapse into one more load afterwards, so a burst of file events
costs at most two snapshots and loads never overlap. A load posts :class:`DataLoaded` (or
:class:`LoadFailed`, which keeps the last good data on screen under an error banner), and each
screen then updates its widgets in place.

Pages: a load never typesets. Page-limited sections show the word estimate (marked ``~``)
until the measuring worker has typeset them (started after the load is painted, only when
a section shown is still an estimate); then :class:`PagesMeasured` re-applies the figures.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App, SuspendNotSupported, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen

from proposal_tui.domain.clock import Clock
from proposal_tui.domain.errors import ProposalError, write_refused
from proposal_tui.domain.model import Manifest, Person
from proposal_tui.domain.text import one_line
from proposal_tui.services.dashboard_data import (
    DashboardData,
    TextCache,
    error_line,
    load,
    note_activity,
    with_pages,
)
from proposal_tui.services.editor import edit_file, editor_command
from proposal_tui.services.snapshot import Activity
from proposal_tui.services.workspace import Workspace
from proposal_tui.tui.commands import ProposalCommands
from proposal_tui.tui.messages import (
    DataLoaded,
    EditFinished,
    EditReply,
    LiveMode,
    LiveNotes,
    LoadFailed,
    Notice,
    PagesMeasured,
    RefreshRequested,
)
from proposal_tui.tui.screens.actions import SectionActions
from proposal_tui.tui.screens.dashboard import DashboardScreen
from proposal_tui.tui.screens.views import ViewScreen
from proposal_tui.tui.textual_compat import spacing_marks_take_a_cell
from proposal_tui.tui.themes import DARK, THEMES, other_theme

if TYPE_CHECKING:
    from proposal_tui.watch import Change, RepoWatcher

EditJob = Callable[[Manifest, Person], str]
NOTES_KEPT = 20  # watcher notes kept for the activity feed
# A commit's last file event comes a few ms before `git commit` returns: 20 ms of quiet is
# enough to read it once, and a burst still coalesces (the watcher backs off x4 when busy).
LIVE_DEBOUNCE = 0.02
# Python's full collections scan every object the app holds (snapshot, caches of rendered
# lines): at 500 sections one stopped a cursor move for 100-160 ms every few dozen moves.
# Each second, what has lived that long is moved out of their reach (still freed as soon as
# nothing refers to it); once input has paused, one full collection takes back the cycles
# frozen meanwhile, so memory stays flat.
GC_EVERY = 1.0
GC_IDLE = 2.0  # seconds without a key or the mouse before the full collection
# A repaint allocates tens of thousands of short-lived segments and strips; at Python's 700
# allocations a young collection ran dozens of times a move (~2.6 ms of it). Refcounting
# frees most of them either way; collections only look for cycles (a Strip caches itself).
# The dashboard runs the young collection between cursor moves once the generation is half
# full (``collect_young``), so a move's repaint (a few thousand objects) never stops for one;
# only once half full, not after each move, so that cached lines reach the old generation
# (and are frozen there, see GC_EVERY) no sooner than Python's own rhythm would take them.
GC_YOUNG = 10_000
# The screens that follow every load (show) and theme change (restyle), open or underneath:
# the dashboard and a section's screen (both SectionActions) and the views. Named by base
# class, so the screens not shown at start are imported when first opened.
DataScreen = SectionActions | ViewScreen


class ProposalApp(App[int]):
    """``ProposalApp(workspace)``; everything else has a default.

    The workspace gives the repository, the clock, who is acting (a handle, a Person, or
    None to look the user up from PROPOSAL_USER / git identity in its ``env``) and every
    service; screens reach them as ``app.workspace.rounds`` and so on. ``refresh_every``
    re-reads the repository every so many seconds (None: never) so relative times and overdue
    flags stay current; ``watch`` starts the file watcher, which calls
    :meth:`request_refresh` from its own thread; ``measure_pages`` typesets page-limited
    sections in a worker (tests turn it off: ~2 s of CPU a fresh repository).
    """

    TITLE = "proposal"
    # Every screen's rules are scoped by its class name, so one list serves them all (a
    # Screen's own CSS_PATH would also apply app-wide, and is skipped for the default screen).
    CSS_PATH: ClassVar[list[str | Path]] = ["styles/app.tcss", "styles/dashboard.tcss",
                                            "styles/section.tcss", "styles/help.tcss",
                                            "styles/dialogs.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "help", id="help"),
        Binding("ctrl+r", "refresh", "refresh", show=False, id="refresh"),
        Binding("ctrl+t", "toggle_theme", "dark/light", show=False, id="toggle-theme"),
    ]
    COMMANDS = App.COMMANDS | {ProposalCommands}
    # (mode, reason) of the file watcher: ("watching", ""), ("polling", why), ("", "") = off.
    live_status: reactive[tuple[str, str]] = reactive(("", ""), always_update=True)

    def __init__(self, workspace: Workspace, *, refresh_every: float | None = 60.0,
                 theme: str = DARK.name, watch: bool = False,
                 measure_pages: bool = True) -> None:
        spacing_marks_take_a_cell()  # Devanagari names keep the borders where they belong
        super().__init__()
        self.workspace = workspace
        # The load worker locates comment anchors with a review service of its own: one
        # caches section texts by commit without a lock, and workspace.reviews serves the
        # edit workers meanwhile.
        self._anchors = workspace.new_reviews()
        self._texts = TextCache()  # the load worker's own too
        self.notes: deque[Activity] = deque(maxlen=NOTES_KEPT)
        self.refresh_every = refresh_every
        self.data = DashboardData()
        self.loads = 0  # finished loads, for tests and diagnostics
        self._activity = self._collected = time.monotonic()  # last input or load; collection
        self._loading = False
        self._again = False
        self._edit_lock = threading.Lock()
        self.measure_pages = measure_pages
        self._measuring = self._measure_again = False
        self._measure_tried: frozenset[tuple[str, int]] = frozenset()
        self.measures = 0  # finished page measurements, for tests
        self.watch_files = watch
        self.watch_options: dict[str, Any] = {}  # extra RepoWatcher arguments (tests)
        self.watcher: RepoWatcher | None = None
        for registered in THEMES:
            self.register_theme(registered)
        self.theme = theme

    @property
    def clock(self) -> Clock:
        return self.workspace.clock

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's own commands, minus its theme picker: our stylesheets need our themes."""
        for command in super().get_system_commands(screen):
            if command.title != "Theme":
                yield command
        yield SystemCommand("Theme: dark / light", "switch between the two themes (ctrl+t)",
                            self.action_toggle_theme)

    def get_default_screen(self) -> Screen[None]:
        return DashboardScreen()

    def _collect_garbage(self) -> None:
        now = time.monotonic()
        if now - self._activity > GC_IDLE and self._activity > self._collected:
            gc.unfreeze()
            gc.collect()
            self._collected = now
        gc.freeze()

    def collect_young(self) -> None:
        """Between frames, where nobody waits for it: see GC_YOUNG. The middle generation
        too, every ``threshold[1]`` young ones, as Python itself would: otherwise the cycles
        that outlived one collection would wait for the next pause in input."""
        young, middle = gc.get_count()[:2]
        if young > GC_YOUNG // 2:
            gc.collect(1 if middle >= gc.get_threshold()[1] else 0)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseEvent)):
            self._activity = time.monotonic()
        await super().on_event(event)

    def on_load(self) -> None:
        """Start reading before the screen is built (the load needs nothing of it), and
        collect nothing until the first load is on screen: start-up builds hundreds of
        widgets and a large snapshot, all of it kept, and collections meanwhile cost ~0.1 s
        of the first paint at 500 sections. See _first_paint."""
        gc.disable()
        self._start_load()

    def on_mount(self) -> None:
        gc.set_threshold(max(GC_YOUNG, gc.get_threshold()[0]), *gc.get_threshold()[1:])
        self.theme_changed_signal.subscribe(self, lambda _theme: self._restyle())
        if self.watch_files:
            self._start_watcher()
        if self.refresh_every:
            self.set_interval(self.refresh_every, lambda: self.request_refresh("timer"))
        self.set_interval(GC_EVERY, self._collect_garbage)

    @property
    def dashboard(self) -> DashboardScreen | None:
        screen = self.screen_stack[0] if self.screen_stack else None
        return screen if isinstance(screen, DashboardScreen) else None

    # -- refresh ------------------------------------------------------------------------------
    def request_refresh(self, reason: object = "") -> bool:
        """Ask for a re-read of the repository. Safe from any thread (the file watcher's).

        Takes any argument (a reason string, or the watcher's Change) so it can be passed
        straight as a callback. Returns False when the app is shutting down.
        """
        return self.post_message(RefreshRequested(str(reason)[:80]))

    @on(RefreshRequested)
    def _refresh_requested(self) -> None:
        if self._loading:
            self._again = True
            return
        self._start_load()

    def _start_load(self) -> None:
        self._loading = True
        self._load(self.loads + 1)

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def _load(self, generation: int) -> None:
        """Read git off the UI thread; only post the result."""
        try:
            ws = self.workspace
            data = load(ws.proposals, ws.acting, ws.env, generation, self._anchors, self._texts,
                        ws.pages)
        except Exception as exc:  # noqa: BLE001 - shown in the banner, the app keeps running
            self.post_message(LoadFailed(error_line(exc)))
        else:
            self.post_message(DataLoaded(data))

    @on(DataLoaded)
    def _loaded(self, message: DataLoaded) -> None:
        self._finish_load(message.data)

    @on(LoadFailed)
    def _failed(self, message: LoadFailed) -> None:
        self._finish_load(replace(self.data, error=message.error))

    def _finish_load(self, data: DashboardData) -> None:
        if not self.is_running:  # a load that lands while the app shuts down: no panes left
            return
        data = replace(data, notes=tuple(self.notes))  # the watcher's notes stay in the feed
        self._activity = time.monotonic()
        self.data = data
        self.loads += 1
        self._loading = False
        for screen in self._data_screens():
            screen.show(data)  # a screen still mounting shows self.data in its on_mount
        if self.loads == 1:
            self.call_after_refresh(self._first_paint)
        self.call_after_refresh(self._measure_if_needed)  # once what was loaded is painted
        if self._again:
            self._again = False
            self.request_refresh("again")

    # -- pages ------------------------------------------------------------------------------
    def _measure_if_needed(self) -> None:
        """Typeset the page-limited sections still shown as estimates, unless that was just
        tried for these very sections (one that cannot be typeset is not retried each
        refresh). One measuring worker at a time; a request meanwhile runs once after it."""
        pending = self.data.unmeasured
        if not self.measure_pages or self.data.manifest is None or not pending \
                or pending <= self._measure_tried:
            return
        if self._measuring:
            self._measure_again = True
            return
        self._measuring, self._measure_tried = True, pending
        self._measure(self.data.manifest)

    @work(thread=True, group="pages", exit_on_error=False)
    def _measure(self, manifest: Manifest) -> None:
        """Typeset off the UI thread (pandoc and Typst, ~0.1-0.5 s a section, then cached by
        content and profile); only post that it is done."""
        try:
            # HEAD's text: the words column counts what is committed, and so do its pages
            self.workspace.pages.measure_all(manifest, "head", limited_only=True,
                                             background=True)
        finally:
            self.post_message(PagesMeasured())

    @on(PagesMeasured)
    def _pages_measured(self) -> None:
        self._measuring = False
        self.measures += 1
        if self.data.snapshot is not None:
            self.data = replace(self.data, snapshot=with_pages(self.data.snapshot,
                                                               self.workspace.pages))
            for screen in self._data_screens():
                screen.show(self.data)
        if self._measure_again:
            self._measure_again = False
            self._measure_if_needed()

    def _first_paint(self) -> None:
        """What start-up built stays: freeze it out of the collector's reach (~0.4 s of
        collections otherwise), then let the collector run again. Start-up counts as
        collected: the first full collection waits for a pause after the person's own keys.
        (Fifty dashboards opened together over `proposal serve` each walked their whole
        heap two seconds after painting, just as the first of them began to move; in one
        forked by the server's fork server, the walk also copies every page it touches.)"""
        gc.freeze()
        gc.enable()
        self._collected = time.monotonic()

    def _restyle(self) -> None:
        """The theme changed: Text built in Python carries the old colours; rebuild it."""
        for screen in self._data_screens():
            screen.restyle()

    def _data_screens(self) -> list[DataScreen]:
        return [s for s in self.screen_stack if isinstance(s, DataScreen) and s.is_mounted]

    @property
    def busy(self) -> bool:
        """A load is running or queued (tests wait for this to clear)."""
        return self._loading or self._again

    # -- live updates -------------------------------------------------------------------------
    @work(thread=True, group="watch", exit_on_error=False)
    def _start_watcher(self) -> None:
        """Start the file watcher off the UI thread (it reads git once to begin with)."""
        from proposal_tui.watch import POLLING, RepoWatcher

        try:
            options = {"debounce": LIVE_DEBOUNCE, **self.watch_options}
            watcher = RepoWatcher(self.workspace.repo, None, self._repo_changed,
                                  on_mode_change=self._watch_mode, **options)
            watcher.start()
        except Exception as exc:  # noqa: BLE001 - the dashboard works without it
            self.notify_from_thread(f"live updates are off ({exc}); ctrl+r refreshes",
                                    "warning")
            return
        self.watcher = watcher
        if not self.is_running:  # quit while we were starting
            watcher.stop()
        elif watcher.mode == POLLING:
            self._watch_mode(watcher.mode, watcher.reason)
        else:
            self.post_message(LiveMode(watcher.mode, watcher.reason))

    def _repo_changed(self, change: Change) -> None:
        """On the watcher's thread: refresh first (that is what the latency target measures),
        then put what a commit row cannot say (fetches, checkouts, rewrites) in the feed."""
        self.request_refresh("change")
        try:
            notes = self.workspace.describe(change)
        except Exception:  # noqa: BLE001 - a note is a nicety; the refresh is on its way
            return
        if notes:
            self.post_message(LiveNotes(tuple(notes)))

    def _watch_mode(self, mode: str, reason: str) -> None:
        """Called from the watcher's thread when it falls back to polling, or watches again."""
        self.post_message(LiveMode(mode, reason))
        if reason:
            self.notify_from_thread(f"live updates: {mode} ({reason})", "warning")
        else:
            self.notify_from_thread(f"live updates: {mode} again")

    @on(LiveMode)
    def _live_mode(self, message: LiveMode) -> None:
        self.live_status = (message.mode, message.reason)

    @on(LiveNotes)
    def _live_notes(self, message: LiveNotes) -> None:
        now = self.clock.now()
        self.notes.extend(note_activity(note, now) for note in message.notes)
        if not self.busy:  # else the load under way brings them along
            self.data = replace(self.data, notes=tuple(self.notes))
            for screen in self._data_screens():
                screen.show(self.data)

    def on_app_focus(self, _event: events.AppFocus) -> None:
        """The terminal got focus back: whatever happened meanwhile shows at once (polling
        may be seconds away, and relative times have moved on)."""
        if self.watcher is not None:
            self.watcher.check_now()
        self.request_refresh("focus")

    def notify_from_thread(self, text: str, severity: str = "information") -> bool:
        """A notification from any thread; the text is shown literally."""
        return self.post_message(Notice(text, severity))

    @on(Notice)
    def _notice(self, message: Notice) -> None:
        self.notify(one_line(message.text, 300), severity=message.severity,  # type: ignore[arg-type]
                    markup=False, timeout=8)

    def on_unmount(self) -> None:
        gc.enable()  # quit before the first load was shown
        if self.watcher is not None:
            self.watcher.stop()

    # -- edits --------------------------------------------------------------------------------
    def run_edit(self, job: EditJob, label: str, reply: EditReply | None = None) -> None:
        """Run a plan or comment edit in a worker, as the acting person, then refresh.
        ``reply``: told how it went, on the UI thread (a dialog keeps its text on failure)."""
        self._edit(job, label, reply)

    @work(thread=True, group="edit", exit_on_error=False)
    def _edit(self, job: EditJob, label: str, reply: EditReply | None) -> None:
        with self._edit_lock:
            try:
                manifest = self.workspace.proposals.manifest()
                actor = self.workspace.resolve_actor(manifest)
                if actor.person is None:
                    raise ProposalError(f"read-only: {actor.how}")
                job(manifest, actor.person)
            except ProposalError as exc:
                self.post_message(EditFinished(False, one_line(str(exc), 300), reply))
            except Exception as exc:  # noqa: BLE001 - reported, never fatal
                why = write_refused(exc) if isinstance(exc, OSError) else None
                self.post_message(EditFinished(False, one_line(
                    str(why) if why else f"{type(exc).__name__}: {exc}", 300), reply))
            else:
                self.post_message(EditFinished(True, one_line(  # what, not which id
                    f"{label} as {actor.person.handle}", 300), reply))

    @on(EditFinished)
    def _edit_finished(self, message: EditFinished) -> None:
        if message.reply is not None:
            message.reply(message.ok, message.text)
        if message.reply is not None and not message.ok:
            return  # the dialog that asked says why, in place, and keeps what was typed
        self.notify(message.text, title="done" if message.ok else "not done",
                    severity="information" if message.ok else "error", markup=False,
                    timeout=6 if message.ok else 10)
        self.request_refresh("edit")

    # -- editor -------------------------------------------------------------------------------
    def open_in_editor(self, path: str) -> None:
        """Suspend the app and run $VISUAL/$EDITOR on a section file; say why when we can't."""
        work_tree = self.workspace.repo.work_tree
        if self.workspace.served:
            self.notify("Over the server sections are edited in a clone: git clone it, edit, "
                        "commit and push.", title="cannot edit here", severity="warning",
                        markup=False, timeout=10)
            return
        if work_tree is None:
            self.notify("This is a bare repository: it has no files to edit. Clone it, edit "
                        "there and push; the dashboard shows the change once it lands.",
                        title="cannot edit here", severity="warning", markup=False, timeout=10)
            return
        try:
            command = editor_command(self.workspace.env)
        except ProposalError as exc:
            self.notify(one_line(str(exc)), title="editor failed", severity="error",
                        markup=False, timeout=10)
            return
        if command is None:
            self.notify("Set $VISUAL or $EDITOR (for example: export EDITOR=nano) to edit "
                        "sections from here.", title="no editor", severity="warning",
                        markup=False, timeout=10)
            return
        try:
            with self.suspend():
                edit_file(command, work_tree, path)
        except SuspendNotSupported:
            self.notify(f"This session cannot hand the terminal to an editor (web or headless "
                        f"mode). Edit {one_line(path)} outside; the dashboard refreshes.",
                        title="cannot open an editor", severity="warning", markup=False,
                        timeout=10)
        except ProposalError as exc:
            self.notify(one_line(str(exc)), title="editor failed", severity="error",
                        markup=False, timeout=10)
        self.request_refresh("editor")

    # -- navigation ---------------------------------------------------------------------------
    def open_section(self, section_id: str) -> None:
        if self.data.state(section_id) is not None:
            from proposal_tui.tui.screens.section import SectionScreen

            self.push_screen(SectionScreen(section_id))

    def action_help(self) -> None:
        from proposal_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.data.actor))

    def action_refresh(self) -> None:
        self.request_refresh("key")

    def action_toggle_theme(self) -> None:
        self.theme = other_theme(self.theme)


def run(workspace: Workspace, watch: bool = True) -> int:
    """Open the dashboard on ``workspace`` until the user quits; returns the exit status."""
    app = ProposalApp(workspace, watch=watch)
    app.run()
    return app.return_code or 0
