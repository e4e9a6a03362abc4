"""Where a comment points today, given where it pointed when it was written.

Pure text work (no git): the service hands in the section text at the anchor's commit and the
current text. A quoted passage is followed wherever it moves; a bare line range is followed by
the text those lines held. When the text is gone the comment is *outdated* but kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from proposal_tui.domain.comments import Anchor
from proposal_tui.domain.errors import ProposalError

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Position:
    """The anchor resolved against the current text; lines are 1-based and inclusive."""

    line_start: int | None
    line_end: int | None
    outdated: bool

    @property
    def found(self) -> bool:
        return self.line_start is not None


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _normalise(text: str) -> tuple[str, list[int]]:
    """Text with whitespace runs collapsed to one space, and each kept char's offset."""
    out: list[str] = []
    offsets: list[int] = []
    for match in re.finditer(r"\s+|\S", text):
        out.append(" " if match.group().isspace() else match.group())
        offsets.append(match.start())
    return "".join(out), offsets


def find_quote(text: str, quote: str) -> list[tuple[int, int]]:
    """Every (line_start, line_end) where ``quote`` occurs: exactly, else with any whitespace
    (a re-wrapped paragraph still holds the passage)."""
    if not quote.strip():
        return []
    spans: list[tuple[int, int]] = []
    start = text.find(quote)
    while start != -1:
        spans.append((_line_of(text, start), _line_of(text, start + len(quote) - 1)))
        start = text.find(quote, start + 1)
    if spans:
        return spans
    norm, offsets = _normalise(text)
    needle = _SPACE.sub(" ", quote.strip())
    start = norm.find(needle)
    while start != -1:
        end = start + len(needle) - 1
        spans.append((_line_of(text, offsets[start]), _line_of(text, offsets[end])))
        start = norm.find(needle, start + 1)
    return spans


def _nearest(spans: list[tuple[int, int]], near: int | None) -> tuple[int, int]:
    if near is None:
        return spans[0]
    return min(spans, key=lambda s: (abs(s[0] - near), s[0]))


def make_anchor(text: str, commit: str | None, line_start: int | None = None,
                line_end: int | None = None, quote: str | None = None) -> Anchor:
    """The anchor a new comment stores; refuses a quote the text lacks or lines past its end."""
    count = len(text.splitlines()) or 1
    if line_start is not None:
        line_end = line_start if line_end is None else line_end
        if line_start < 1 or line_end < line_start:
            raise ProposalError(f"invalid line range {line_start}-{line_end}")
        if line_end > count:
            raise ProposalError(f"line {line_end} is past the end of the section "
                                f"({count} lines)")
    if quote is not None:
        if not quote.strip():
            raise ProposalError("--quote is empty")
        spans = find_quote(text, quote)
        if not spans:
            raise ProposalError(f"quote not found in the section text: {quote!r}")
        if line_start is not None and line_end is not None:
            inside = [s for s in spans if s[0] <= line_end and s[1] >= line_start]
            if not inside:
                raise ProposalError(f"quote not found on line {line_start}"
                                    + (f"-{line_end}" if line_end != line_start else ""))
            spans = inside
        line_start, line_end = _nearest(spans, line_start)
    return Anchor(line_start=line_start, line_end=line_end, quote=quote, commit=commit)


def locate(anchor: Anchor, original: str | None, current: str | None) -> Position:
    """Follow ``anchor`` from ``original`` (text at anchor.commit, None if unknown) into
    ``current`` (None: the section file is gone, so everything is outdated)."""
    if current is None:
        return Position(None, None, True)
    if anchor.quote:
        spans = find_quote(current, anchor.quote)
        if not spans:
            return Position(None, None, True)
        start, end = _nearest(spans, anchor.line_start)
        return Position(start, end, False)
    if anchor.line_start is None:
        return Position(None, None, False)  # a comment on the whole section never dates
    start = anchor.line_start
    end = anchor.line_end or start
    now_lines = current.splitlines()
    if original is None:
        if end <= len(now_lines):
            return Position(start, end, False)
        return Position(None, None, True)
    old_lines = original.splitlines()
    block = old_lines[start - 1:end]
    if len(block) != end - start + 1:
        return Position(None, None, True)  # the anchor never matched its own commit
    if now_lines[start - 1:end] == block:
        return Position(start, end, False)
    size = len(block)
    matches = [i + 1 for i in range(len(now_lines) - size + 1) if now_lines[i:i + size] == block]
    if not matches or not "".join(block).strip():
        return Position(None, None, True)
    new_start = min(matches, key=lambda i: (abs(i - start), i))
    return Position(new_start, new_start + size - 1, False)
