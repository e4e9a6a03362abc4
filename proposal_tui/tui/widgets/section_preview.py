"""The selected section: facts, requirement ids, its text rendered read-only, its threads.

The same widget fills the dashboard's section pane and the full-screen section view (CSS
lays it out differently there). Markdown is re-rendered only when the text changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import ClassVar

from rich.console import Group
from rich.markdown import Heading, MarkdownElement
from rich.markdown import Markdown as RichMarkdown
from rich.console import JustifyMethod
from rich.padding import Padding
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from proposal_tui.domain.anchors import Position
from proposal_tui.domain.comments import Thread
from proposal_tui.domain.model import Manifest, SectionState
from proposal_tui.domain.timeline import ago, relative_due
from proposal_tui.tui.cells import Look, flags, plain, status_cell, style, who, words_text
from proposal_tui.tui.data import DashboardData
from proposal_tui.tui.widgets.look import LOOK_CLASSES, LookMixin

MARKDOWN_SUFFIXES = (".md", ".markdown")


class LeftHeading(Heading):
    LEVEL_ALIGN: ClassVar[dict[str, JustifyMethod]] = {**Heading.LEVEL_ALIGN, "h1": "left"}


PREVIEW_CHARS = 1600


def preview_excerpt(body: str, limit: int = PREVIEW_CHARS) -> str:
    """The start of a section, cut at a paragraph break.

    The side pane shows a dozen lines; laying out a whole 15-page volume as Markdown on every
    cursor move cost more than a frame. The full-screen view (enter) shows everything.
    """
    if len(body) <= limit:
        return body
    cut = body.rfind("\n\n", 0, limit)
    return body[: cut if cut > limit // 2 else limit].rstrip() + "\n\n… (enter shows the whole section)"


class PreviewMarkdown(RichMarkdown):
    """Rich's Markdown in one Static: a read-only preview costs one render, not dozens of
    mounted blocks, so moving through sections stays instant. Text is never read as console
    markup, and links show their address instead of becoming live terminal hyperlinks."""

    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **RichMarkdown.elements, "heading_open": LeftHeading}


def info_text(state: SectionState, manifest: Manifest, now: dt.datetime, look: Look) -> Text:
    """Owner, status, due, words, requirements, last commit and warnings, one fact a line."""
    zone = manifest.proposal.timezone
    section = state.section
    text = Text(end="")
    text.append("owner ", style=style(look, "muted"))
    owner = manifest.person(section.owner)
    text.append_text(plain(section.owner or "nobody", style(look, "strong")))
    if owner is not None and owner.name:
        text.append(" (")
        text.append_text(plain(owner.name))
        text.append(")")
    text.append(" · ", style=style(look, "muted"))
    text.append_text(status_cell(state.status, look, short=False))
    text.append(" · due ", style=style(look, "muted"))
    if section.due is not None:
        local = section.due.astimezone(zone)
        text.append(f"{relative_due(section.due, now, zone)} ({local:%a %d %b})")
    else:
        text.append("—")
    text.append(" · ", style=style(look, "muted"))
    text.append(words_text(state))
    limit = "" if section.word_limit else " pages" if section.page_limit else " words"
    text.append(limit, style=style(look, "muted"))
    text.append("\nanswers ", style=style(look, "muted"))
    text.append_text(plain(", ".join(section.requirements) or "—", style(look, "accent")))
    text.append("\nlast ", style=style(look, "muted"))
    ref = state.history.last
    if ref is None:
        text.append("no commit yet", style=style(look, "muted"))
    else:
        text.append_text(plain(who(ref, manifest), style(look, "strong"), limit=24))
        text.append(f" {ago(ref.date, now)} ", style=style(look, "muted"))
        text.append("“")
        text.append_text(plain(ref.subject, limit=60))
        text.append("”")
    warnings = flags(state, manifest, now, look)
    if warnings.plain:
        text.append("\n")
        text.append_text(warnings)
    return text


def thread_header(thread: Thread, now: dt.datetime, look: Look,
                  position: Position | None = None) -> Text:
    """'○ open · must-fix · helen · 2h ago · Pink Team · line 14 (now 16)'."""
    text = Text(end="")
    root = thread.root
    if thread.resolved:
        text.append("✔ resolved", style=style(look, "success"))
    else:
        text.append("○ open", style=style(look, "warning"))
    text.append(" · ")
    kind = thread.kind
    text.append(kind, style=style(look, "error" if kind == "must-fix" else "accent"))
    if root is None:
        text.append(" · (first comment missing)", style=style(look, "muted"))
        return text
    text.append(" · ")
    text.append_text(plain(root.author, style(look, "strong"), limit=24))
    text.append(f" · {ago(root.created, now)}", style=style(look, "muted"))
    if root.round:
        text.append(" · ")
        text.append_text(plain(root.round, limit=20))
    anchor = root.anchor
    if anchor is not None and anchor.line_start is not None:
        span = f"{anchor.line_start}" + (f"-{anchor.line_end}" if anchor.line_end and
                                         anchor.line_end != anchor.line_start else "")
        text.append(f" · line {span}", style=style(look, "muted"))
        if position is not None and position.outdated:
            text.append(" · outdated: the passage changed", style=style(look, "warning"))
        elif position is not None and position.line_start not in (None, anchor.line_start):
            text.append(f" (now {position.line_start})", style=style(look, "muted"))
    return text


def thread_body(thread: Thread, now: dt.datetime, look: Look, full: bool) -> Text:
    """Quote, comment, replies and resolution, one item a line (shown indented)."""
    lines: list[Text] = []
    limit = None if full else 200
    root = thread.root
    if root is not None:
        if root.anchor is not None and root.anchor.quote:
            quote = Text("“", style=style(look, "muted"))
            quote.append_text(plain(root.anchor.quote, style(look, "muted"),
                                    limit=None if full else 60))
            quote.append("”")
            lines.append(quote)
        body = root.body.splitlines() or [""]
        lines += [plain(line, limit=limit) for line in (body if full else body[:3])]
        if not full and len(body) > 3:
            lines.append(Text("…", style=style(look, "muted")))
    replies = thread.replies if full else thread.replies[-2:]
    if not full and len(thread.replies) > 2:
        lines.append(Text(f"({len(thread.replies) - 2} earlier replies)",
                          style=style(look, "muted")))
    for reply in replies:
        line = Text("└ ", style=style(look, "muted"))
        line.append_text(plain(reply.author, style(look, "strong"), limit=24))
        line.append(f" {ago(reply.created, now)}: ", style=style(look, "muted"))
        line.append_text(plain(reply.body, limit=limit))
        lines.append(line)
    if thread.resolved and thread.resolved_by:
        line = Text("✔ resolved by ", style=style(look, "muted"))
        line.append_text(plain(thread.resolved_by, limit=24))
        line.append(f" {ago(thread.resolved_at, now)}", style=style(look, "muted"))
        lines.append(line)
    return Text("\n", end="").join(lines)


def thread_text(thread: Thread, now: dt.datetime, look: Look, full: bool,
                position: Position | None = None) -> Text:
    """The whole thread as one Text (for the reply dialog's quote)."""
    body = thread_body(thread, now, look, full)
    text = thread_header(thread, now, look, position)
    if body.plain:
        text.append("\n")
        text.append_text(body)
    return text


def thread_prompt(thread: Thread, now: dt.datetime, look: Look, full: bool,
                  position: Position | None = None) -> Group:
    """A list entry: the header line, then the body with a hanging indent."""
    header = thread_header(thread, now, look, position)
    header.end = "\n"
    return Group(header, Padding(thread_body(thread, now, look, full), (0, 0, 0, 2)))


def sorted_threads(threads: list[Thread]) -> list[Thread]:
    """Open threads first (oldest first: they have waited longest), then resolved ones."""
    return sorted(threads, key=lambda t: (t.resolved, (t.root.created if t.root else
                                                        t.last_activity) or dt.datetime.min))


class ThreadList(LookMixin, OptionList):
    """Comment threads of one section; the highlighted one is what r and x act on."""

    COMPONENT_CLASSES: ClassVar[set[str]] = set(LOOK_CLASSES)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "next thread", show=False, id="thread-down"),
        Binding("k", "cursor_up", "previous thread", show=False, id="thread-up"),
    ]

    def __init__(self, *, full: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.full = full
        self.threads: list[Thread] = []
        self._signature: tuple[object, ...] | None = None

    @property
    def selected_thread(self) -> Thread | None:
        index = self.highlighted
        if index is None or not (0 <= index < len(self.threads)):
            return None
        return self.threads[index]

    def show(self, threads: list[Thread], now: dt.datetime, force: bool = False,
             positions: Mapping[str, Position] | None = None) -> None:
        positions = positions or {}
        ordered = sorted_threads(threads)
        signature = tuple((t.id, t.resolved, len(t.events), t.last_activity,
                           positions.get(t.id), now.replace(second=0, microsecond=0))
                          for t in ordered)
        if signature == self._signature and not force:
            return
        keep = self.selected_thread.id if self.selected_thread else None
        self._signature = signature
        self.threads = ordered
        look = self.look()
        self.clear_options()
        self.add_options([Option(thread_prompt(t, now, look, self.full, positions.get(t.id)),
                                 id=t.id) for t in ordered])
        ids = [t.id for t in ordered]
        if keep in ids:
            self.highlighted = ids.index(keep)
        elif ordered:
            self.highlighted = 0
        self.border_title = (f"Comments ({sum(not t.resolved for t in ordered)} open, "
                             f"{len(ordered)} in all)" if ordered else "Comments (none)")

    def select_thread(self, thread_id: str) -> None:
        ids = [t.id for t in self.threads]
        if thread_id in ids:
            self.highlighted = ids.index(thread_id)


class SectionPreview(LookMixin, Vertical):
    """Read-only: nothing here edits; the screens' keys do (e, c, r, x, a, s, d)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = set(LOOK_CLASSES)

    class ThreadChanged(Message):
        """The highlighted thread changed (so the screens re-check which keys apply)."""

    def __init__(self, *, full: bool = False, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.full = full
        self.section_id: str | None = None
        self._text_key: tuple[str | None, str | None] = (None, None)
        self._pending: tuple[DashboardData, str | None, bool] | None = None
        self._ready = False

    def compose(self) -> ComposeResult:
        yield Static(id="preview-info")
        with Container(id="preview-main"):
            with VerticalScroll(id="preview-body"):
                yield Static(id="preview-text")
            yield ThreadList(full=self.full, id="threads")

    @property
    def thread_list(self) -> ThreadList:
        return self.query_one(ThreadList)

    def on_mount(self) -> None:
        self._ready = True  # children are composed by now
        if self._pending is not None:
            self.show(*self._pending)

    def show(self, data: DashboardData, section_id: str | None, force: bool = False) -> None:
        """Show a section (or why none); before our children exist, remember it for later."""
        if not self._ready:
            self._pending = (data, section_id, force)
            return
        self._pending = None
        snap = data.snapshot
        state = data.state(section_id)
        info = self.query_one("#preview-info", Static)
        if snap is None or state is None:
            self.section_id = None
            info.update(Text("No section selected." if snap else "Loading…",
                             style=style(self.look(), "muted")))
            self._set_body(None, "")
            self.thread_list.show([], dt.datetime.now(dt.timezone.utc))
            self.border_title = "Section"
            return
        self.section_id = state.section.id
        look = self.look()
        title = Text(end="")
        title.append_text(plain(state.section.id, limit=30))
        title.append(" · ")
        title.append_text(plain(state.section.title, limit=60))
        self.border_title = title
        info.update(info_text(state, snap.manifest, snap.now, look))
        body = data.texts.get(state.section.id, "")
        self._set_body(state.section.file, body, missing=state.section.id not in data.texts,
                       why=state.error)
        self.thread_list.show(snap.threads_for(state.section.id), snap.now, force=force,
                              positions=data.positions)

    def _set_body(self, path: str | None, body: str, missing: bool = False,
                  why: str | None = None) -> None:
        """Render the text only when it (or the section) changed: moving the cursor over
        sections must stay instant."""
        key = (path, body if not missing else f"\0{why}")
        if key == self._text_key:
            return
        self._text_key = key
        if not self.full:
            body = preview_excerpt(body)
        view = self.query_one("#preview-text", Static)
        if missing:
            view.update(Text(f"(no text to show: {why or 'not readable'})",
                             style=style(self.look(), "muted")))
        elif path is not None and path.lower().endswith(MARKDOWN_SUFFIXES):
            view.update(PreviewMarkdown(body, hyperlinks=False))
        else:
            view.update(Text(body, end=""))
        self.query_one("#preview-body", VerticalScroll).scroll_home(animate=False)

    @on(OptionList.OptionHighlighted)
    def _thread_highlighted(self) -> None:
        self.post_message(self.ThreadChanged())
