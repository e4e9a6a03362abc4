"""Review rounds (Pink, Red, Gold...): names, which comments belong to a round, and the maths
of "what changed between two rounds". Pure: the git tags are read and written by the store.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from dataclasses import dataclass, field

from proposal_tui.domain.comments import CommentEvent, Thread, replay
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.nesting import TooDeep, loads_toml

# A round name becomes part of a tag (round/<name>): keep it boring on purpose.
ROUND_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
START_PREFIX = "round/"
CLOSE_PREFIX = "round-closed/"
_TEAM_SUFFIX = re.compile(r"[-\s]+team$")
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_SPOKEN = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]*$")  # a round's name as typed: "Red Team"


def round_name(text: str) -> str:
    """The one rule for round names, everywhere (round start/close/diff, --round, tags):
    a round is named as people call it ("Pink", "Red Team", "Mock Panel", a milestone's
    name) and keyed by its slug ("pink", "red-team", "mock-panel"), which is also its tag
    (round/<slug>). Refuse what has no usable slug."""
    name = slug(text)
    if not _SPOKEN.match(text.strip()) or not ROUND_NAME_RE.match(name):
        raise ProposalError(f"invalid round name {text!r}: start with a letter; letters, "
                            "digits, spaces or '-' after it (at most 32), e.g. Pink, "
                            "Red Team, red-2")
    return name


def slug(text: str) -> str:
    return _NON_SLUG.sub("-", text.strip().lower()).strip("-")


def same_round(a: str, b: str) -> bool:
    """Do two names mean the same round? "Red Team", "red-team" and "red" all do."""
    first, second = slug(a), slug(b)
    return bool(first) and _TEAM_SUFFIX.sub("", first) == _TEAM_SUFFIX.sub("", second)


def find_round(label: str, rounds: list[Round]) -> Round | None:
    """The round a label names (exact key first, then the same name with or without
    "Team"), or None."""
    key = slug(label)
    return next((r for r in rounds if r.name == key), None) or \
        next((r for r in rounds if same_round(key, r.name)), None)


def label_matches(label: str | None, name: str) -> bool:
    """Does a comment's round label ("Pink Team", "pink") name the round ``name``?"""
    return bool(label) and same_round(label or "", name)


@dataclass(frozen=True)
class Round:
    """One review round as its tags record it."""

    name: str
    commit: str  # what reviewers read
    started_at: dt.datetime
    started_by: str = ""
    message: str = ""
    closed_commit: str | None = None
    closed_at: dt.datetime | None = None
    closed_by: str | None = None

    @property
    def open(self) -> bool:
        return self.closed_at is None

    @property
    def tag(self) -> str:
        return START_PREFIX + self.name


def order_rounds(rounds: list[Round]) -> list[Round]:
    return sorted(rounds, key=lambda r: (r.started_at, r.name))


def current_round(rounds: list[Round]) -> Round | None:
    """The newest round still open: comments made now belong to it."""
    live = [r for r in order_rounds(rounds) if r.open]
    return live[-1] if live else None


def in_round(event: CommentEvent, rnd: Round, until: dt.datetime | None) -> bool:
    """A comment belongs to a round when it says so, or, with no label, when it was made
    while the round was running (from its start to its close, or to ``until``)."""
    if event.round:
        return label_matches(event.round, rnd.name)
    end = rnd.closed_at or until
    return event.created >= rnd.started_at and (end is None or event.created <= end)


def round_threads(events: list[CommentEvent], rnd: Round,
                  until: dt.datetime | None = None) -> list[Thread]:
    """Threads started in ``rnd``, replayed with events up to ``until`` (None: all)."""
    seen = [e for e in events if until is None or e.created <= until]
    return [t for t in replay(seen) if t.root is not None and in_round(t.root, rnd, until)]


@dataclass(frozen=True)
class Coverage:
    """Whether reviewers looked at a section in a round (left at least one comment)."""

    section: str
    reviewed: bool
    threads: int = 0
    reviewers: tuple[str, ...] = ()


def coverage(events: list[CommentEvent], rnd: Round, section_ids: list[str],
             until: dt.datetime | None = None) -> list[Coverage]:
    by_section: dict[str, list[Thread]] = {}
    for t in round_threads(events, rnd, until):
        by_section.setdefault(t.section, []).append(t)
    result = []
    for sid in section_ids:
        threads = by_section.get(sid, [])
        authors = tuple(dict.fromkeys(t.root.author for t in threads if t.root))
        result.append(Coverage(section=sid, reviewed=bool(threads), threads=len(threads),
                               reviewers=authors))
    return result


# --- the diff maths ---------------------------------------------------------------------------

_WORD = re.compile(r"\S+")


def _words(line: str) -> list[str]:
    return [w for w in _WORD.findall(line) if any(c.isalnum() for c in w)]


def word_changes(old: str, new: str) -> tuple[int, int]:
    """(words added, words removed) from old to new: lines are matched first, then words
    inside changed blocks, so a moved paragraph costs little and the cost stays near linear
    for ordinary edits."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    added = removed = 0
    lines = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in lines.get_opcodes():
        if op == "equal":
            continue
        a = [w for line in old_lines[i1:i2] for w in _words(line)]
        b = [w for line in new_lines[j1:j2] for w in _words(line)]
        if not a or not b:
            added, removed = added + len(b), removed + len(a)
            continue
        same = sum(block.size for block in
                   difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
        added += len(b) - same
        removed += len(a) - same
    return added, removed


@dataclass(frozen=True)
class SectionAt:
    """A section as one version of proposal.toml declares it."""

    file: str
    title: str
    renamed_from: tuple[str, ...] = ()


def sections_at(manifest_text: str) -> dict[str, SectionAt]:
    """Section id -> its file, title and former ids from any version of proposal.toml,
    however invalid by today's rules: old commits must still be readable."""
    try:
        raw = loads_toml(manifest_text)
    except (tomllib.TOMLDecodeError, TooDeep):
        return {}
    result: dict[str, SectionAt] = {}
    sections = raw.get("sections")
    if isinstance(sections, list):
        for entry in sections:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str) and \
                    isinstance(entry.get("file"), str):
                title = entry.get("title") if isinstance(entry.get("title"), str) else entry["id"]
                former = entry.get("renamed_from")
                former = tuple(f for f in former if isinstance(f, str)) \
                    if isinstance(former, list) else ()
                result[entry["id"]] = SectionAt(entry["file"], title, former)
    return result


def section_files(manifest_text: str) -> dict[str, tuple[str, str]]:
    """Section id -> (file, title) from any version of proposal.toml."""
    return {sid: (s.file, s.title) for sid, s in sections_at(manifest_text).items()}


def pair_sections(a: dict[str, SectionAt],
                  b: dict[str, SectionAt]) -> list[tuple[str | None, str | None]]:
    """(id at A, id at B) for every section of either version, B's order first, then what
    only A had. A section is the same one at both ends when its id is, when B lists A's id in
    its ``renamed_from`` (the newest former id first), or, for a rename made by hand, when an
    id only A has and an id only B has point at the same file."""
    match = {sid: sid for sid in b if sid in a}
    free_a = [sid for sid in a if sid not in b]
    for sid, section in b.items():
        old = next((f for f in reversed(section.renamed_from) if f in free_a), None)
        if sid not in match and old is not None:
            match[sid] = old
            free_a.remove(old)
    for sid, section in b.items():
        old = next((f for f in free_a if a[f].file == section.file), None)
        if sid not in match and old is not None:
            match[sid] = old
            free_a.remove(old)
    return [(match.get(sid), sid) for sid in b] + [(sid, None) for sid in free_a]


@dataclass(frozen=True)
class ThreadOutcome:
    """A round-A comment thread as it stands at B."""

    thread: str
    author: str
    kind: str
    body: str
    outcome: str  # "resolved-by-edit", "resolved-without-edit", "open"
    quote_gone: bool = False  # its anchored quote no longer appears in B's text


@dataclass(frozen=True)
class SectionDiff:
    section: str
    title: str
    file_a: str | None
    file_b: str | None
    words_a: int
    words_b: int
    added: int
    removed: int
    threads: tuple[ThreadOutcome, ...] = field(default_factory=tuple)
    renamed_from: str | None = None  # its id at A, when it was renamed since

    @property
    def changed(self) -> bool:
        return self.added > 0 or self.removed > 0

    def count(self, outcome: str) -> int:
        return sum(t.outcome == outcome for t in self.threads)


def thread_outcomes(threads: list[Thread], changed: bool, text_b: str) -> list[ThreadOutcome]:
    """Resolved threads count as resolved *by edits* when the section text changed between the
    rounds; a quote that vanished from the text is flagged even on an open thread."""
    result = []
    for t in threads:
        assert t.root is not None
        quote = t.root.anchor.quote if t.root.anchor else None
        gone = bool(quote and quote.strip() and quote.strip() not in text_b)
        if t.resolved:
            outcome = "resolved-by-edit" if changed else "resolved-without-edit"
        else:
            outcome = "open"
        result.append(ThreadOutcome(thread=t.id, author=t.root.author, kind=t.kind,
                                    body=t.root.body, outcome=outcome, quote_gone=gone))
    return result
