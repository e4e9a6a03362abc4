"""A burn-up chart as rich Text: words per day rising towards the word limit, and the open
comments per day under it. Pure functions (no Textual), fed by :meth:`ProgressService.rows`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text

from proposal_tui.domain.pages import PageFigure, words_per_page_seen
from proposal_tui.domain.status import limit_in_words
from proposal_tui.domain.wordcount import estimate_pages
from proposal_tui.services.progress import ProgressRow
from proposal_tui.tui.cells import Look, compact_number, plain, style

BLOCKS = " ▁▂▃▄▅▆▇█"
AXIS = 7  # cells for the y-axis labels


@dataclass(frozen=True)
class Series:
    """One section's days, oldest first."""

    section: str
    title: str
    days: tuple[dt.date, ...]
    words: tuple[int, ...]
    open_comments: tuple[int, ...]
    word_limit: int | None
    page_limit: float | None = None
    words_per_page: int = 500  # as typeset when ``typeset`` is known, else the estimate's
    typeset: PageFigure | None = None  # the section's measured pages now

    @property
    def limit(self) -> int | None:
        """The limit line, in words: a page limit counts as its words (issue 18)."""
        return limit_in_words(self.word_limit, self.page_limit, self.words_per_page)

    def limit_label(self) -> str:
        if self.word_limit is None and self.page_limit is not None:
            return f"{self.page_limit:g}p"
        return compact_number(self.limit or 0)


def series_of(rows: Sequence[ProgressRow], section: str,
              figure: PageFigure | None = None) -> Series | None:
    """``section``'s days; with its measured pages (``figure``) a page limit is drawn at the
    words its typeset pages hold, not at the proposal's words per page."""
    mine = [r for r in rows if r.section == section]
    if not mine:
        return None
    last = mine[-1]
    typeset = figure if figure is not None and figure.measured and \
        last.word_limit is None and last.page_limit is not None else None
    return Series(section=section, title=last.title, days=tuple(r.day for r in mine),
                  words=tuple(r.words for r in mine),
                  open_comments=tuple(r.open_comments for r in mine),
                  word_limit=last.word_limit, page_limit=last.page_limit,
                  words_per_page=words_per_page_seen(typeset, last.words,
                                                     last.words_per_page),
                  typeset=typeset)


def _sample(count: int, width: int) -> tuple[list[int], int]:
    """Which day indexes get a column (the last day of each bucket), and cells per column."""
    if count <= 0:
        return [], 1
    if count * 2 <= width:
        return list(range(count)), min(3, width // count)
    if count <= width:
        return list(range(count)), 1
    step = count / width
    picks = sorted({min(count - 1, int((i + 1) * step) - 1) for i in range(width)})
    return picks, 1


def burnup(series: Series, width: int, height: int, look: Look,
           today: dt.date | None = None) -> Text:
    """``height`` rows of bars (eighth blocks) with the limit as a dashed line, then the date
    axis and one row of open comments. ``width`` counts the whole chart, labels included."""
    height = max(3, height)
    room = max(4, width - AXIS - 1 - 16)  # 16: the " limit" and " now N, most N" notes
    picks, cell = _sample(len(series.days), room)
    words = [series.words[i] for i in picks]
    limit = series.limit
    top = max([*words, limit or 0, 1])
    top = int(top * 1.1) + 1 if limit and top == limit else top
    scale = height * 8 / top
    limit_row = None if not limit else min(height - 1, int(limit * scale) // 8)
    lines: list[Text] = []
    for row in range(height - 1, -1, -1):  # top row first
        if row == limit_row:  # the limit's own label, even on the top row
            label = series.limit_label()
        elif row == height - 1:
            label = compact_number(top)
        elif row == 0:
            label = "0"
        else:
            label = ""
        line = Text(f"{label:>{AXIS - 1}} ", style=style(look, "muted"), end="")
        line.append("│" if row != limit_row else "┤", style=style(look, "muted"))
        for value in words:
            eighths = int(round(value * scale)) - row * 8
            char = BLOCKS[max(0, min(8, eighths))]
            over = limit is not None and value > limit and row >= (limit_row or 0)
            if char == " " and row == limit_row:
                line.append("╌" * cell, style=style(look, "warning"))
            else:
                line.append(char * cell, style=style(look, "error" if over else "bar"))
        if row == limit_row:
            line.append(" limit", style=style(look, "warning"))
        lines.append(line)
    axis = Text(" " * AXIS + "└" + "─" * (len(words) * cell), style=style(look, "muted"),
                end="")
    lines.append(axis)
    first, last = series.days[picks[0]], series.days[picks[-1]]
    dates = Text(" " * (AXIS + 1), end="")
    left, right = f"{first:%d %b}", f"{last:%d %b}"
    span = len(words) * cell
    dates.append(left + " " * max(1, span - len(left) - len(right)) + right,
                 style=style(look, "muted"))
    lines.append(dates)
    opens = [series.open_comments[i] for i in picks]
    most = max(opens, default=0)
    spark = Text(f"{'open':>{AXIS - 1}} │", style=style(look, "muted"), end="")
    for value in opens:
        char = BLOCKS[0 if most == 0 or value == 0 else max(1, round(value / most * 8))]
        spark.append(char * cell, style=style(look, "warning" if value else "muted"))
    spark.append(f" now {opens[-1] if opens else 0}, most {most}", style=style(look, "muted"))
    lines.append(spark)
    now_words = series.words[-1] if series.words else 0
    summary = Text(" " * (AXIS + 1), end="")
    summary.append(f"{now_words} words", style=style(look, "strong"))
    if limit and series.typeset is not None and series.page_limit is not None:
        pages = series.typeset.pages
        summary.append(f" · {series.typeset.label(series.page_limit)} typeset "
                       f"({pages * 100 / series.page_limit:.0f}%, "
                       f"~{series.words_per_page} words a page)")
        if pages > series.page_limit:
            summary.append(f" · over by {pages - series.page_limit:.1f} pages",
                           style=style(look, "error"))
    elif limit and series.word_limit is None and series.page_limit is not None:
        pages = estimate_pages(now_words, series.words_per_page)
        summary.append(f" ≈ {pages:.1f} of {series.page_limit:g} pages "
                       f"({now_words * 100 // limit}%, {series.words_per_page} words a page)")
        if pages > series.page_limit:
            summary.append(f" · over by {pages - series.page_limit:.1f} pages",
                           style=style(look, "error"))
    elif limit:
        summary.append(f" of {limit} ({now_words * 100 // limit}%)")
        if now_words > limit:
            summary.append(f" · over by {now_words - limit}", style=style(look, "error"))
    else:
        summary.append(" · no word or page limit", style=style(look, "muted"))
    if today is not None:
        summary.append(f" · as of {today:%d %b %Y}", style=style(look, "muted"))
    lines.append(summary)
    return Text("\n").join(lines)


def title_line(series: Series, look: Look) -> Text:
    out = plain(series.section, style(look, "strong"), limit=30)
    out.append(" · ")
    out.append_text(plain(series.title, limit=60))
    return out
