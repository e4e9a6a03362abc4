"""Table cells and one-line labels as rich ``Text``: never markup, always cleaned.

Every string from the repository (titles, names, commit subjects, comments) reaches the
screen through :func:`plain`, so ``[bold]`` stays literal and terminal escapes are gone.
Colours come from a *look*: semantic style names mapped to rich Styles that the widgets read
from their ``.tcss`` component classes, so both themes (and 16/256-colour terminals) apply.
Every state also has a symbol, so nothing depends on colour alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from rich.style import Style
from rich.text import Text

from proposal_tui.domain.model import CommitRef, Manifest, SectionState, Status
from proposal_tui.domain.pages import PageFigure
from proposal_tui.domain.status import (
    SCHEDULE_SYMBOLS,
    STALE_SYMBOL,
    bad_trailer_message,
    due_label,
    schedule_state,
    signal_meanings,
)
from proposal_tui.domain.text import one_line
from proposal_tui.domain.timeline import ago

Look = Mapping[str, Style]
LOOK_NAMES = ("muted", "accent", "error", "warning", "success", "strong", "bar", "bar-empty",
              "done", "on-track", "at-risk", "overdue", "today", "today-line", "milestone",
              "selected",
              "weekend", *(f"status-{s.name.lower().replace('_', '-')}" for s in Status))

# Shorter stage names for the table column; the preview and help use Status.label.
SHORT_LABELS = {Status.NOT_STARTED: "not started", Status.READY_FOR_REVIEW: "ready",
                Status.IN_REVIEW: "in review"}
_EIGHTHS = " ▏▎▍▌▋▊▉█"


def style(look: Look, name: str) -> Style:
    return look.get(name) or Style.null()


def plain(value: str | None, look_style: Style | str = "", limit: int | None = None) -> Text:
    """A user-provided string as literal, single-line, cleaned Text."""
    return Text(one_line(value or "", limit), style=look_style, end="")


def fit(text: Text, width: int) -> Text:
    """Cut to ``width`` terminal cells with an ellipsis, then pad: for fixed columns."""
    out = text.copy()
    out.truncate(width, overflow="ellipsis", pad=True)
    out.no_wrap = True
    return out


def column_cell(text: Text, width: int) -> Text:
    """A table cell: one space, then ``text`` cut or padded to ``width``. ``text`` must be
    the caller's own (it is cut in place): the two copies of ``" " + fit(text)`` were half
    the cost of building the 500 rows of a large proposal's table."""
    text.truncate(width, overflow="ellipsis", pad=True)
    return Text(" ", end="").append_text(text)


def status_name(status: Status) -> str:
    return f"status-{status.name.lower().replace('_', '-')}"


def status_cell(status: Status, look: Look, short: bool = True) -> Text:
    label = SHORT_LABELS.get(status, status.label) if short else status.label
    return Text(f"{status.symbol} {label}", style=style(look, status_name(status)), end="")


def compact_number(n: float) -> str:
    """3140 -> '3.1k'; small numbers stay whole."""
    if n >= 10_000:
        return f"{n / 1000:.0f}k"
    if n >= 1000:
        return f"{n / 1000:.1f}k"
    return f"{n:.0f}"


def limit_fraction(state: SectionState) -> float | None:
    section = state.section
    if section.word_limit:
        return state.words / section.word_limit
    if section.page_limit:
        return state.pages / section.page_limit
    return None


def words_text(state: SectionState) -> str:
    section = state.section
    if section.word_limit:
        return f"{compact_number(state.words)}/{compact_number(section.word_limit)}"
    if section.page_limit:  # typeset pages once measured, else the estimate marked "~"
        figure = state.page_figure or PageFigure(state.pages, measured=False)
        return figure.label(section.page_limit)
    return compact_number(state.words)


def bar(fraction: float | None, width: int, look: Look) -> Text:
    """A tiny horizontal gauge in eighths of a cell; full and red when over the limit."""
    if fraction is None:
        return Text(" " * width, end="")
    if fraction > 1:
        return Text("█" * width, style=style(look, "error"), end="")
    eighths = round(max(0.0, fraction) * width * 8)
    full, part = divmod(eighths, 8)
    filled = "█" * full + (_EIGHTHS[part] if part else "")
    text = Text(filled, style=style(look, "bar"), end="")
    text.append("░" * (width - len(filled)), style=style(look, "bar-empty"))
    return text


def words_cell(state: SectionState, look: Look, bar_width: int = 3, width: int = 12) -> Text:
    """'362/1.2k ▉░░': the count right-aligned so the bars line up; ▲ when over the limit."""
    count = ("▲" if state.over_limit else "") + words_text(state)
    if len(count) > width - bar_width - 1:  # "▲~12.4/15p": the figure before the gauge
        bar_width = 0
    room = width - (bar_width + 1 if bar_width else 0)
    text = Text(count.rjust(room), style=style(look, "error") if state.over_limit else "",
                end="")
    if bar_width:
        text.append(" ")
        text.append_text(bar(limit_fraction(state), bar_width, look))
    return text


def due_cell(state: SectionState, now: dt.datetime, zone: dt.tzinfo, look: Look) -> Text:
    due = state.section.due
    if due is None:
        return Text("—", style=style(look, "muted"), end="")
    when = schedule_state(state)
    label = due_label(state, now, zone)
    if when == "done":
        return Text(label, style=style(look, "muted"), end="")
    return Text(label, style=style(look, when) if when != "on-track" else "", end="")


def short_ago(when: dt.datetime | None, now: dt.datetime) -> str:
    text = ago(when, now)
    return {"just now": "now", "never": "—"}.get(text, text.removesuffix(" ago"))


def who(ref: CommitRef, manifest: Manifest) -> str:
    """A commit author as a handle when the manifest knows their email, else their name."""
    email = ref.email.lower()
    person = next((p for p in manifest.people if p.email and p.email.lower() == email), None)
    return person.handle if person else ref.author


def last_edit_cell(state: SectionState, manifest: Manifest, now: dt.datetime,
                   look: Look) -> Text:
    if state.uncommitted_words is not None:
        return Text("✎ edited", style=style(look, "accent"), end="")
    ref = state.history.last
    if ref is None:
        return Text("never", style=style(look, "muted"), end="")
    text = Text(end="")
    if state.stale:
        text.append(f"{STALE_SYMBOL} ", style=style(look, "warning"))
    text.append_text(plain(who(ref, manifest), limit=12))
    text.append(f" {short_ago(ref.date, now)}", style=style(look, "muted"))
    return text


def comments_cell(count: int, look: Look) -> Text:
    if not count:
        return Text("·", style=style(look, "muted"), end="")
    return Text(str(count), style=style(look, "accent"), end="")


def title_cell(state: SectionState, look: Look) -> Text:
    text = Text(end="")
    if state.error:
        text.append("! ", style=style(look, "error"))
    text.append_text(plain(state.section.title))
    return text


def owner_cell(handle: str | None, look: Look) -> Text:
    if not handle:
        return Text("—", style=style(look, "muted"), end="")
    return plain(handle)


def flags(state: SectionState, manifest: Manifest, now: dt.datetime, look: Look) -> Text:
    """The long form of every warning on a section, for the preview."""
    parts: list[Text] = []
    when = schedule_state(state)
    meanings = dict(signal_meanings(manifest.proposal.stale_days))
    if when in ("overdue", "at-risk"):
        symbol = SCHEDULE_SYMBOLS[when]
        parts.append(Text(f"{symbol} {meanings[symbol]}", style=style(look, when)))
    if state.stale:
        parts.append(Text(f"{STALE_SYMBOL} {meanings[STALE_SYMBOL]}",
                          style=style(look, "warning")))
    if state.over_limit:
        parts.append(Text("▲ over its limit", style=style(look, "error")))
    if state.uncommitted_words is not None:
        parts.append(Text(f"✎ edited, not committed ({state.uncommitted_words} words in the "
                          "work tree)", style=style(look, "accent")))
    if state.history.bad_trailer is not None:
        parts.append(Text("status trailer ignored: ", style=style(look, "warning")) +
                     plain(bad_trailer_message(state.history.bad_trailer)))
    if state.missing:
        parts.append(Text("! file missing", style=style(look, "error")))
    elif state.error:
        parts.append(Text("! ", style=style(look, "error")) + plain(state.error))
    return Text(" · ", end="").join(parts) if parts else Text(end="")
