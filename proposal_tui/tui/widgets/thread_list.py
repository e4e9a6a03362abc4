"""Comment threads of one section as a list the reviewer moves through (j/k, click).

Drawn with the line API on a :class:`StripView`: each thread is rendered once to lines, and
moving the highlight or changing section repaints this box without a screen layout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import ClassVar

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.message import Message
from textual.strip import Strip

from proposal_tui.domain.anchors import Position
from proposal_tui.domain.comments import Thread
from proposal_tui.domain.timeline import ago
from proposal_tui.tui.cells import Look, plain, style
from proposal_tui.tui.widgets.look import LookMixin
from proposal_tui.tui.widgets.strips import StripView


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


UNRENDERED_LINES = 3  # what a thread not rendered yet counts for in the scroll range
KEPT_BLOCKS = 64  # rendered threads kept for sections shown before or prepared ahead


class ThreadList(LookMixin, StripView, can_focus=True):
    """The highlighted thread is what r and x act on."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"thread-list--highlighted"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "move(1)", "next thread", show=False, id="thread-down"),
        Binding("k,up", "move(-1)", "previous thread", show=False, id="thread-up"),
        Binding("home", "move_to(0)", "first thread", show=False, id="thread-first"),
        Binding("end", "move_to(-1)", "last thread", show=False, id="thread-last"),
    ]

    class Highlighted(Message):
        """The reader moved the highlight (so the screens re-check which keys apply). Not
        sent by :meth:`show`: a screen that shows threads re-checks its keys itself."""

    def __init__(self, *, full: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.full = full
        self.threads: list[Thread] = []
        self.highlighted: int | None = None
        self._now = dt.datetime.now(dt.UTC)
        self._positions: Mapping[str, Position] = {}
        self._signature: tuple[object, ...] | None = None
        self._blocks: list[list[Strip] | None] = []  # each thread's lines, once rendered
        self._kept: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(KEPT_BLOCKS)

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
        signature = tuple(self._block_key(t, now, positions) for t in ordered)
        if signature == self._signature and not force:
            return
        if force:
            self._kept.clear()
        keep = self.selected_thread.id if self.selected_thread else None
        self._signature = signature
        self.threads, self._now, self._positions = ordered, now, positions
        ids = [t.id for t in ordered]
        highlighted = ids.index(keep) if keep in ids else (0 if ordered else None)
        self.border_title = (f"Comments ({sum(not t.resolved for t in ordered)} open, "
                             f"{len(ordered)} in all)" if ordered else "Comments (none)")
        self._render_blocks()
        self._highlight(highlighted, announce=False)  # whoever shows threads syncs its keys
        top = self._start(highlighted or 0)
        if round(self.scroll_y) != top:
            self.scroll_to(y=top, animate=False, immediate=True)

    def _render_blocks(self) -> None:
        """Forget the rendered threads; :meth:`_block` renders each when first needed."""
        self._blocks = [None] * max(1, len(self.threads))

    def prepare(self, threads: list[Thread], now: dt.datetime,
                positions: Mapping[str, Position] | None = None) -> None:
        """Render ahead the threads a section would show first, for :meth:`show` to take
        if that section comes next (the screen asks for the rows beside the cursor)."""
        positions = positions or {}
        lines = 0
        for thread in sorted_threads(threads):
            if lines >= self.scrollable_content_region.height:
                break
            lines += len(self._kept_block(thread, now, positions))

    def _block_key(self, thread: Thread, now: dt.datetime,
                   positions: Mapping[str, Position]) -> tuple[object, ...]:
        """What a thread's lines depend on (``kept_lines`` adds the width and theme)."""
        return (thread.id, thread.resolved, len(thread.events), thread.last_activity,
                positions.get(thread.id), now.replace(second=0, microsecond=0))

    def _kept_block(self, thread: Thread, now: dt.datetime,
                    positions: Mapping[str, Position]) -> list[Strip]:
        position = positions.get(thread.id)
        return self.kept_lines(
            self._kept, self._block_key(thread, now, positions),
            lambda: thread_prompt(thread, now, self.look(), self.full, position))

    def _block(self, index: int) -> list[Strip]:
        block = self._blocks[index]
        if block is None:
            if self.threads:
                block = self._kept_block(self.threads[index], self._now, self._positions)
            else:
                block = self.render_renderable(Text(
                    "No comments on this section yet: c adds one.",
                    style=style(self.look(), "muted")))
            self._blocks[index] = block
        return block

    def _start(self, index: int) -> int:
        return sum(len(self._block(i)) for i in range(index))

    def _highlight(self, index: int | None, announce: bool = True) -> None:
        """Lay out the threads up to the highlighted one and to the bottom of the view.

        Threads further down are rendered when scrolled or moved to: a section with dozens
        of threads cost a whole frame to render on every cursor move.
        """
        self.highlighted = index
        mark = self.get_component_rich_style("thread-list--highlighted")
        needed = round(self.scroll_y) + self.scrollable_content_region.height
        lines: list[Strip] = []
        for i in range(len(self._blocks)):
            if not self.full and i > (index or 0) and len(lines) >= needed:
                break
            block = self._block(i)
            if i == index and self.threads:
                block = [line.extend_cell_length(self.line_width).apply_style(mark)
                         for line in block]
            lines += block
        unrendered = sum(block is None for block in self._blocks)
        self.set_lines(lines, height=len(lines) + UNRENDERED_LINES * unrendered)
        if announce:
            self.post_message(self.Highlighted())

    def select_thread(self, thread_id: str) -> None:
        ids = [t.id for t in self.threads]
        if thread_id in ids:
            self.action_move_to(ids.index(thread_id))

    # -- keys, mouse and size ----------------------------------------------------------------
    def action_move(self, step: int) -> None:
        if self.threads:
            current = self.highlighted if self.highlighted is not None else -step
            self.action_move_to(min(max(current + step, 0), len(self.threads) - 1))

    def action_move_to(self, index: int) -> None:
        if not self.threads:
            return
        index %= len(self.threads)
        if index != self.highlighted:
            self._highlight(index)
        start, height = self._start(index), len(self._block(index))
        top, view = round(self.scroll_y), self.scrollable_content_region.height
        if start < top or height > view:
            self.scroll_to(y=start, animate=False, immediate=True)
        elif start + height > top + view:
            self.scroll_to(y=start + height - view, animate=False, immediate=True)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if None in self._blocks and self._lines_shown() < round(new) + self.size.height:
            self._highlight(self.highlighted, announce=False)  # scrolled onto unrendered ones

    def _lines_shown(self) -> int:
        return sum(len(block) for block in self._blocks if block is not None)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:  # on the border
            return
        line = offset.y + round(self.scroll_y)
        for index, block in enumerate(self._blocks):
            if block is None:
                return
            line -= len(block)
            if line < 0:
                self.action_move_to(index)
                return

    def on_focus(self) -> None:
        # The highlight is brighter with focus; its style is known once :focus is applied.
        self.call_after_refresh(self._highlight, self.highlighted, False)

    def on_blur(self) -> None:
        self.call_after_refresh(self._highlight, self.highlighted, False)

    def on_resize(self) -> None:
        self._kept.clear()
        self._render_blocks()
        self._highlight(self.highlighted, announce=False)
