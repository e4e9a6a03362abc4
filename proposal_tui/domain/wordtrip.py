"""The Word round trip for reviewers who will not use a terminal, as pure text work.

Out: open threads become pandoc comment spans (``[body]{.comment-start id= author= date=}``
the quoted passage ``[]{.comment-end id=}``), which pandoc's docx writer turns into native
Word comments. In: pandoc's docx reader with ``--track-changes=all`` gives comments back as
the same spans and tracked changes as ``insertion``/``deletion`` spans, in its JSON; this
module reads them into :class:`WordComment` and :class:`WordSuggestion`, each under the
section whose heading it follows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.nesting import TooDeep, loads_json

_SPACE = re.compile(r"\s+")
CONTEXT_WORDS = 6  # words before a tracked change that anchor it


# --- out: comment spans -------------------------------------------------------------------------

@dataclass(frozen=True)
class SpanComment:
    """One Word comment to write: who, when (ISO 8601), what, as Markdown-safe text."""

    author: str
    date: str
    body: str


def _attribute(value: str) -> str:
    """A value for a pandoc attribute in double quotes (no quote or backslash survives)."""
    return _SPACE.sub(" ", value).replace("\\", "/").replace('"', "'").strip()


def comment_spans(comments: list[SpanComment], first_id: int, passage: str) -> str:
    """``passage`` (Markdown) under each comment, nested: a thread's replies sit on the same
    passage as its first comment, in order."""
    opening = "".join(
        f"[{c.body}]{{.comment-start id=\"{first_id + i}\" author=\"{_attribute(c.author)}\" "
        f"date=\"{_attribute(c.date)}\"}}" for i, c in enumerate(comments))
    closing = "".join(f"[]{{.comment-end id=\"{first_id + i}\"}}"
                      for i in reversed(range(len(comments))))
    return opening + passage + closing


def place_in_text(text: str, quote: str | None) -> tuple[int, int] | None:
    """Where ``quote`` sits in ``text`` within one paragraph (a span cannot cross
    paragraphs, fences or headings), or None."""
    if not quote or not quote.strip() or "\n\n" in quote.strip():
        return None
    start = text.find(quote.strip())
    if start < 0:
        return None
    end = start + len(quote.strip())
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].lstrip().startswith(("#", "```", "~~~", "|")) or \
            "`" in text[start:end] or "[" in text[start:end] or "]" in text[start:end]:
        return None
    return start, end


# --- in: what a returned .docx says ---------------------------------------------------------------

@dataclass(frozen=True)
class WordComment:
    """A comment from Word: its author's name, its body, the passage it was anchored on."""

    section: str | None
    author: str
    date: str
    body: str
    quote: str


@dataclass(frozen=True)
class WordSuggestion:
    """Tracked changes by one author in one paragraph, to put to the writer (never applied)."""

    section: str | None
    author: str
    changes: tuple[tuple[str, str], ...]  # (insertion|deletion, text)
    quote: str  # original words around the first change, to anchor it

    @property
    def body(self) -> str:
        said = []
        for kind, text in self.changes:
            said.append(f"insert «{text}»" if kind == "insertion" else f"delete «{text}»")
        return "Suggested in Word (tracked changes, not applied): " + "; ".join(said)


@dataclass
class _Walk:
    section_of: Callable[[str, str], str | None]
    section: str | None = None
    open_comments: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: list[WordComment] = field(default_factory=list)
    suggestions: list[WordSuggestion] = field(default_factory=list)
    original: list[str] = field(default_factory=list)  # this paragraph's words, as written
    changes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    quotes: dict[str, str] = field(default_factory=dict)

    def text(self, words: str, inserted: bool = False) -> None:
        """Words of the document; inserted ones are not in the committed text."""
        if inserted:
            return
        self.original.append(words)
        for state in self.open_comments.values():
            state["quote"].append(words)

    def end_paragraph(self) -> None:
        for author, changes in self.changes.items():
            self.suggestions.append(WordSuggestion(self.section, author, tuple(changes),
                                                   self.quotes[author]))
        self.changes.clear()
        self.quotes.clear()
        self.original.clear()
        for state in self.open_comments.values():
            state["quote"].append(" ")


def plain(inlines: list[Any]) -> str:
    """Pandoc inlines as plain text."""
    out: list[str] = []
    for node in inlines:
        kind, content = node.get("t"), node.get("c")
        if kind == "Str":
            out.append(content)
        elif kind in ("Space", "SoftBreak"):
            out.append(" ")
        elif kind == "LineBreak":
            out.append("\n")
        elif kind in ("Code", "Math"):
            out.append(content[-1])
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "SmallCaps", "Superscript",
                      "Subscript"):
            out.append(plain(content))
        elif kind in ("Span", "Link", "Quoted", "Cite"):
            out.append(plain(content[1]))
    return "".join(out)


def _attrs(attr: list[Any]) -> tuple[list[str], dict[str, str]]:
    return attr[1], dict(attr[2])


def _inlines(walk: _Walk, inlines: list[Any], inserted: bool = False) -> None:
    for node in inlines:
        kind, content = node.get("t"), node.get("c")
        if kind == "Span":
            classes, attrs = _attrs(content[0])
            if "comment-start" in classes:
                walk.open_comments[attrs.get("id", "")] = {
                    "author": attrs.get("author", ""), "date": attrs.get("date", ""),
                    "body": plain(content[1]), "quote": []}
                continue
            if "comment-end" in classes:
                state = walk.open_comments.pop(attrs.get("id", ""), None)
                if state is not None:
                    walk.comments.append(WordComment(
                        walk.section, state["author"], state["date"], state["body"].strip(),
                        _SPACE.sub(" ", "".join(state["quote"])).strip()))
                continue
            if "insertion" in classes or "deletion" in classes:
                change = "insertion" if "insertion" in classes else "deletion"
                author = attrs.get("author", "")
                words = plain(content[1])
                if author not in walk.quotes:
                    before = " ".join("".join(walk.original).split()[-CONTEXT_WORDS:])
                    walk.quotes[author] = (before + (" " + words if change == "deletion"
                                                     else "")).strip()
                walk.changes.setdefault(author, []).append((change, words))
                walk.text(words, inserted=change == "insertion")
                continue
            _inlines(walk, content[1], inserted)
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "SmallCaps", "Superscript",
                      "Subscript"):
            _inlines(walk, content, inserted)
        elif kind in ("Link", "Quoted"):
            _inlines(walk, content[1], inserted)
        else:
            walk.text(plain([node]), inserted=inserted)


def _blocks(walk: _Walk, blocks: list[Any]) -> None:
    for block in blocks:
        kind, content = block.get("t"), block.get("c")
        if kind == "Header":
            walk.end_paragraph()
            heading_id = content[1][0]
            found = walk.section_of(heading_id, plain(content[2]))
            if found is not None or content[0] <= 2:
                walk.section = found
            _inlines(walk, content[2])
            walk.end_paragraph()
        elif kind in ("Para", "Plain"):
            _inlines(walk, content)
            walk.end_paragraph()
        elif kind in ("BlockQuote", "Div"):
            _blocks(walk, content if kind == "BlockQuote" else content[1])
        elif kind in ("BulletList", "OrderedList"):
            for item in content if kind == "BulletList" else content[1]:
                _blocks(walk, item)
        elif kind == "Table":
            for cell_blocks in _table_cells(content):
                _blocks(walk, cell_blocks)


def _table_cells(content: list[Any]) -> Iterator[list[Any]]:
    """Every cell's blocks of a pandoc table (head, bodies, foot), in reading order."""
    def rows(part: Any) -> Iterator[Any]:
        yield from part[1] if isinstance(part, list) and len(part) == 2 else []

    head, bodies, foot = content[3], content[4], content[5]
    groups = [head, *[[None, b[2] + b[3]] for b in bodies], foot]
    for group in groups:
        for row in rows(group):
            for cell in row[1]:
                yield cell[4]


def read_word(pandoc_json: str, section_of: Callable[[str, str], str | None]
              ) -> tuple[list[WordComment], list[WordSuggestion]]:
    """Comments and tracked changes of a docx (pandoc JSON, ``--track-changes=all``).
    ``section_of(heading_id, heading_text)`` names the section a top heading starts."""
    try:
        document = loads_json(pandoc_json)
    except (json.JSONDecodeError, TooDeep) as exc:
        raise ProposalError(f"pandoc gave unreadable output: {exc}") from None
    walk = _Walk(section_of)
    try:
        _blocks(walk, document["blocks"])
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ProposalError(f"unexpected document structure from pandoc ({exc!r})") from None
    walk.end_paragraph()
    return walk.comments, walk.suggestions
