"""The selected section: facts, requirement ids, its text rendered read-only, its threads.

The same widget fills the dashboard's section pane and the full-screen section view (CSS
lays it out differently there). Both parts are line-API boxes of fixed size (StripView), so
following the cursor repaints the pane without laying out the screen; Markdown is rendered
again only when the text or the width changes.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from markdown_it import MarkdownIt
from rich.console import JustifyMethod, RenderableType
from rich.markdown import Heading, MarkdownElement
from rich.markdown import Markdown as RichMarkdown
from rich.rule import Rule
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.message import Message
from textual.strip import Strip

from proposal_tui.domain.model import Manifest, SectionState
from proposal_tui.domain.status import due_label, schedule_state
from proposal_tui.domain.timeline import ago
from proposal_tui.services.dashboard_data import DashboardData
from proposal_tui.services.snapshot import Snapshot
from proposal_tui.tui.cells import Look, flags, plain, status_cell, style, who, words_text
from proposal_tui.tui.widgets.border_title import retitle
from proposal_tui.tui.widgets.look import LookMixin
from proposal_tui.tui.widgets.strips import StripView
from proposal_tui.tui.widgets.thread_list import ThreadList

MARKDOWN_SUFFIXES = (".md", ".markdown")


class LeftHeading(Heading):
    LEVEL_ALIGN: ClassVar[dict[str, JustifyMethod]] = {**Heading.LEVEL_ALIGN, "h1": "left"}


PREVIEW_MIN_CHARS = 600


def preview_excerpt(body: str, limit: int) -> str:
    """The start of a section, cut at a paragraph break.

    The side pane shows a dozen lines; laying out a whole 15-page volume as Markdown on every
    cursor move cost more than a frame. The full-screen view (enter) shows everything.
    """
    if len(body) <= limit:
        return body
    cut = body.rfind("\n\n", 0, limit)
    return (body[: cut if cut > limit // 2 else limit].rstrip()
            + "\n\n… (enter shows the whole section)")


# Rich's Markdown builds a parser per document (~0.6 ms, on every cursor move); this one,
# configured as Rich configures its own, serves every preview.
PARSER = MarkdownIt().enable("strikethrough").enable("table")


class PreviewMarkdown(RichMarkdown):
    """Rich's Markdown rendered to lines: a read-only preview costs one render, not dozens of
    mounted blocks, so moving through sections stays instant. Text is never read as console
    markup, and links show their address instead of becoming live terminal hyperlinks."""

    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **RichMarkdown.elements, "heading_open": LeftHeading}

    def __init__(self, markup: str) -> None:
        self.markup = markup
        self.parsed = PARSER.parse(markup)
        self.code_theme = "monokai"
        self.justify: JustifyMethod | None = None
        self.style = "none"
        self.hyperlinks = False
        self.inline_code_lexer: str | None = None
        self.inline_code_theme = self.code_theme


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
        if schedule_state(state) == "done":  # handed over: its due date is met
            text.append(f"✔ {local:%a %d %b}")
        else:
            text.append(f"{due_label(state, now, zone)} ({local:%a %d %b})")
    else:
        text.append("—")
    text.append(" · ", style=style(look, "muted"))
    text.append(words_text(state))
    if section.page_limit and not section.word_limit:  # "12.4/15p (typeset in nsf, ...)"
        text.append(pages_note(state, manifest), style=style(look, "muted"))
    elif not section.word_limit:
        text.append(" words", style=style(look, "muted"))
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


def pages_note(state: SectionState, manifest: Manifest) -> str:
    """How the pages were counted: typeset (and the room left on the last page) or
    estimated from the words while the typesetting runs."""
    figure = state.page_figure
    if figure is None or not figure.measured:
        return f" (estimated at {manifest.proposal.words_per_page} words a page)"
    how = "typeset approximately" if figure.approximate else "typeset"
    left = figure.lines_left
    room = f", {left} line{'s' if left != 1 else ''} left on the last page" \
        if left is not None else ""
    return f" ({how} in {figure.profile}{room})"


PREPARED = 16  # texts kept for the rows about the cursor (rendered ahead, or just left)

Source = tuple[str | None, str, bool, str | None]  # path, body, missing, why


class PreviewBody(LookMixin, StripView, can_focus=True):
    """The section's facts, a rule, then its text; scrolls as one (arrows, page keys).

    Texts the cursor may reach next can be rendered ahead (:meth:`prepare`), once the screen
    has shown the current one: Markdown is most of what a move to another section costs.
    """

    def __init__(self, *, full: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.full = full
        self._info: Text = Text()
        self._text_key: tuple[object, ...] | None = None
        self._source: Source = (None, "", False, None)
        self._text_lines: list[Strip] = []
        # Lines only: the renderable is never read again (a resize renders from the source).
        self._prepared: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(PREPARED)
        self._info_lines: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(PREPARED)
        self._rule: tuple[tuple[object, ...], list[Strip]] | None = None

    def show_section(self, info: Text, path: str | None, body: str, missing: bool = False,
                     why: str | None = None, force: bool = False) -> None:
        """Render the text only when it (or the section) changed, or ``force`` (new theme):
        moving the cursor over sections must stay instant."""
        key = (path, body if not missing else f"\0{why}")
        self._info = info
        if force:
            self._prepared.clear()
            self._info_lines.clear()
            self._rule = None
        if key != self._text_key or force:
            if self._text_key is not None and not force and not self.full:  # for a move back
                self._prepared.set(self._fit(self._source), self._text_lines)
            self._text_key = key
            self._source = (path, body, missing, why)
            self._text_lines = self._prepared.get(self._fit(self._source)) \
                or self._render_text(self._source)
            if self.scroll_y:
                self.scroll_to(y=0, animate=False, immediate=True)
        self._paint()

    def prepare(self, info: Text, path: str | None, body: str, missing: bool = False,
                why: str | None = None) -> None:
        """Render a section's facts and text ahead, for :meth:`show_section` to take if it
        comes next."""
        if self.line_width <= 0:
            return
        self._info_rendered(info)
        source = (path, body, missing, why)
        fit = self._fit(source)
        if fit not in self._prepared and source != self._source:
            self._prepared.set(fit, self._render_text(source))

    def _fit(self, source: Source) -> tuple[object, ...]:
        """What a rendered text depends on besides its source (the excerpt's size too)."""
        return (*source, self.line_width, self.size.height, self.app.theme)

    def _render_text(self, source: Source) -> list[Strip]:
        return self.render_renderable(self._text_renderable(*source))

    def _text_renderable(self, path: str | None, body: str, missing: bool,
                         why: str | None) -> RenderableType:
        if missing:
            return Text(f"(no text to show: {why or 'not readable'})",
                        style=style(self.look(), "muted"))
        if not self.full:
            body = preview_excerpt(body, self.excerpt_chars())
        if path is not None and path.lower().endswith(MARKDOWN_SUFFIXES):
            return PreviewMarkdown(body)
        return Text(body, end="")

    def excerpt_chars(self) -> int:
        """About as much as the pane holds when the text runs in full lines: Markdown costs
        by the character, and more than a screenful is one key (enter) away."""
        return max(PREVIEW_MIN_CHARS, self.line_width * self.size.height)

    def _info_rendered(self, info: Text) -> list[Strip]:
        if not info.plain:
            return []
        return self.kept_lines(self._info_lines, (info.plain, tuple(info.spans), info.style),
                               lambda: info)

    def _rule_rendered(self) -> list[Strip]:
        key = (self.line_width, self.app.theme)
        if self._rule is None or self._rule[0] != key:
            self._rule = (key, self.render_renderable(Rule(style=style(self.look(), "muted"))))
        return self._rule[1]

    def _paint(self) -> None:
        lines = self._info_rendered(self._info)
        rule = self._rule_rendered() if lines and self._text_lines else []
        self.set_lines(lines + rule + self._text_lines)

    def on_resize(self) -> None:
        self._prepared.clear()
        self._info_lines.clear()
        self._text_lines = self._render_text(self._source)
        self._paint()


class SectionPreview(LookMixin, Vertical):
    """Read-only: nothing here edits; the screens' keys do (e, c, r, x, a, s, d)."""

    class ThreadChanged(Message):
        """The highlighted thread changed (so the screens re-check which keys apply)."""

    def __init__(self, *, full: bool = False, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.full = full
        self.section_id: str | None = None
        self._facts: LRUCache[int, tuple[SectionState, Snapshot, Look, Text]] = \
            LRUCache(PREPARED)

    def facts(self, state: SectionState, snap: Snapshot) -> Text:
        """:func:`info_text`, built once per section and snapshot (and theme): the cursor
        asks for it on every move, for the section and the two beside it."""
        look = self.look()
        kept = self._facts.get(id(state))
        if kept is not None and kept[0] is state and kept[1] is snap and kept[2] is look:
            return kept[3]
        text = info_text(state, snap.manifest, snap.now, look)
        self._facts.set(id(state), (state, snap, look, text))
        return text

    def compose(self) -> ComposeResult:
        # No wrapper container: each one under the panes is drawn and cut again on every
        # cursor move's repaint (the screens' CSS sets the layout on this box itself).
        yield PreviewBody(full=self.full, id="preview-body")
        yield ThreadList(full=self.full, id="threads")

    @property
    def thread_list(self) -> ThreadList:
        return self.query_one(ThreadList)

    def prepare(self, data: DashboardData, section_id: str) -> None:
        """Render a section's facts, text and first threads ahead of showing them."""
        state, snap = data.state(section_id), data.snapshot
        if state is not None and snap is not None:
            self.query_one(PreviewBody).prepare(
                self.facts(state, snap), state.section.file,
                data.texts.get(section_id, ""), missing=section_id not in data.texts,
                why=state.error)
            self.thread_list.prepare(snap.threads_for(section_id), snap.now, data.positions)

    def show(self, data: DashboardData, section_id: str | None, force: bool = False) -> None:
        """Show a section, or why none is shown."""
        snap = data.snapshot
        state = data.state(section_id)
        body = self.query_one(PreviewBody)
        if snap is None or state is None:
            self.section_id = None
            body.show_section(Text("No section selected." if snap else "Loading…",
                                   style=style(self.look(), "muted")), None, "")
            self.thread_list.show([], dt.datetime.now(dt.UTC), force=force)
            retitle(self, Text("Section"))
            return
        self.section_id = state.section.id
        title = Text(end="")
        title.append_text(plain(state.section.id, limit=30))
        title.append(" · ")
        title.append_text(plain(state.section.title, limit=60))
        retitle(self, title)
        body.show_section(self.facts(state, snap),
                          state.section.file, data.texts.get(state.section.id, ""),
                          missing=state.section.id not in data.texts, why=state.error,
                          force=force)
        self.thread_list.show(snap.threads_for(state.section.id), snap.now, force=force,
                              positions=data.positions)

    @on(ThreadList.Highlighted)
    def _thread_highlighted(self, event: ThreadList.Highlighted) -> None:
        event.stop()
        self.post_message(self.ThreadChanged())
