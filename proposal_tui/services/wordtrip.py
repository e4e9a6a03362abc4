"""The Word round trip as use cases: a review copy with the open threads as Word comments
(`export --format docx --comments`), and a returned copy's comments and tracked changes as
threads (`proposal review import FILE.docx`).

Importing is idempotent by content: a comment whose section, author and body (whitespace
aside) are already in a thread, as its first comment or a reply, is skipped, so the threads
a review copy was exported with, and a second import of the same file, add nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from proposal_tui.domain.anchors import find_quote
from proposal_tui.domain.comments import Thread
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.model import Manifest, Person
from proposal_tui.domain.permissions import require
from proposal_tui.domain.wordtrip import (
    SpanComment,
    WordComment,
    WordSuggestion,
    comment_spans,
    place_in_text,
    read_word,
)
from proposal_tui.services.export import Document, ExportSection, md_inline, to_markdown
from proposal_tui.services.reviews import ReviewService
from proposal_tui.store.programs import read_docx, run_pandoc

_SPACE = re.compile(r"\s+")
_NUMBERED = re.compile(r"^(\d+)\.\s+(.*)$")
SECTION_NOTE = "*Review comments on this section*"


def _same(a: str, b: str) -> bool:
    return _SPACE.sub(" ", a).strip() == _SPACE.sub(" ", b).strip()


# --- out ------------------------------------------------------------------------------------------

def _spans_of(thread: Thread, manifest: Manifest) -> list[SpanComment]:
    def name(handle: str) -> str:
        person = manifest.person(handle)
        return person.name if person else handle

    events = [e for e in [thread.root, *thread.replies] if e is not None]
    return [SpanComment(name(e.author), e.created.isoformat(timespec="seconds")
                        .replace("+00:00", "Z"), md_inline(e.body)) for e in events]


def review_markdown(doc: Document, threads: list[Thread]) -> str:
    """The export's Markdown for pandoc with each open thread as Word comments: on its
    quoted passage where that sits in one paragraph of a Markdown section, else on a note
    under the section's heading."""
    next_id = 0
    sections: list[ExportSection] = []
    notes: dict[str, str] = {}
    for s in doc.sections:
        text = s.text
        pending: list[list[SpanComment]] = []
        mine = [t for t in threads if t.section == s.id and not t.resolved and t.root]
        # the last passage first, so earlier offsets stay valid
        placed: list[tuple[tuple[int, int], list[SpanComment]]] = []
        for t in mine:
            spot = place_in_text(text, t.root.anchor.quote) if s.fmt == "markdown" and \
                t.root and t.root.anchor else None
            if spot is None or any(a < spot[1] and spot[0] < b for (a, b), _ in placed):
                pending.append(_spans_of(t, doc.manifest))
            else:
                placed.append((spot, _spans_of(t, doc.manifest)))
        for (start, end), spans in sorted(placed, key=lambda p: -p[0][0]):
            text = text[:start] + comment_spans(spans, next_id, text[start:end]) + text[end:]
            next_id += len(spans)
        for spans in pending:
            notes[s.id] = comment_spans(spans, next_id, notes.get(s.id, SECTION_NOTE))
            next_id += len(spans)
        sections.append(replace(s, text=text))
    markdown = to_markdown(replace(doc, sections=tuple(sections)), for_pandoc=True)
    for section_id, note in notes.items():
        marker = f" {{#sec-{section_id}}}\n"
        at = markdown.find(marker)
        if at >= 0:
            at += len(marker)
            markdown = markdown[:at] + "\n" + note + "\n" + markdown[at:]
    return markdown


def review_docx(doc: Document, threads: list[Thread]) -> bytes:
    # comment spans are bracketed spans; raw HTML and TeX stay off as in every export
    return run_pandoc(review_markdown(doc, threads), "docx")


# --- in -------------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)  # thread ids
    skipped: int = 0  # already there
    unplaced: int = 0  # anchored to the section: the passage was not found in its text
    outside: int = 0  # before the first section heading: nowhere to put them


def section_finder(manifest: Manifest) -> Callable[[str, str], str | None]:
    """Which section a heading of our export starts: ``sec-ID`` ids, else "N. Title"."""
    ordered = manifest.ordered_sections

    def section_of(heading_id: str, text: str) -> str | None:
        if heading_id.startswith("sec-") and manifest.section(heading_id[4:]):
            return heading_id[4:]
        match = _NUMBERED.match(text.strip())
        if match and 1 <= int(match.group(1)) <= len(ordered):
            section = ordered[int(match.group(1)) - 1]
            if _same(section.title, match.group(2)):
                return section.id
        return None

    return section_of


def _person(manifest: Manifest, author: str, acting: Person | None) -> Person | None:
    if acting is not None:
        return acting
    wanted = author.strip().casefold()
    return next((p for p in manifest.people if wanted in (p.name.casefold(), p.handle,
                                                          p.email.casefold())), None)


def import_docx(reviews: ReviewService, manifest: Manifest, data: bytes, origin: str,
                acting: Person | None, round_name: str | None) -> ImportResult:
    """Every comment and tracked change of a .docx as a thread by its author (``acting``:
    all by that person); refuses, before writing anything, an author nobody in the plan
    matches or one who may not comment there."""
    comments, suggestions = read_word(read_docx(data, origin), section_finder(manifest))
    items: list[WordComment | WordSuggestion] = [i for i in [*comments, *suggestions]
                                                 if i.body.strip()]
    result = ImportResult()
    planned: list[tuple[Person, WordComment | WordSuggestion]] = []
    unknown = sorted({i.author for i in items if _person(manifest, i.author, acting) is None})
    if unknown:
        raise ProposalError(f"{origin}: no one in proposal.toml is named "
                            f"{', '.join(repr(u) for u in unknown)}; name the reviewer with "
                            "--as HANDLE")
    for item in items:
        section = manifest.section(item.section) if item.section else None
        if section is None:
            result.outside += 1
            continue
        person = _person(manifest, item.author, acting)
        assert person is not None  # checked above
        require(person, "comment", section)
        planned.append((person, item))
    threads = reviews.threads()
    head = reviews.repo.head()
    for person, item in planned:
        section = manifest.section(item.section or "")
        assert section is not None
        quote: str | None = None if _same(item.quote, SECTION_NOTE.strip("*")) else \
            item.quote or None
        text = reviews.section_text(section, head)
        body = item.body
        found = not quote or bool(text and find_quote(text, quote))
        if not found:
            body += f"\n\n(on: «{quote}»)"
            quote = None
        if any(t.section == section.id and any(
                e.author == person.handle and (_same(e.body, body) or _same(e.body, item.body))
                for e in [t.root, *t.replies] if e is not None) for t in threads):
            result.skipped += 1
            continue
        event = reviews.comment(manifest, person, section.id, body, round=round_name,
                                quote=quote)
        result.added.append(event.id)
        result.unplaced += not found
        threads = reviews.threads()
    return result
