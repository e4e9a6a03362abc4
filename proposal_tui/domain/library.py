"""The library of past proposals, as rules: what a passage is, what a search asks, who is an
expert. Pure Python: the index (SQLite, git blame) lives in ``store/library_index.py``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

LIBRARY_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_PASSAGE_WORDS = 350  # a heading's text longer than this is cut at paragraph breaks
HIGHLIGHT_OPEN, HIGHLIGHT_CLOSE = "\ue000", "\ue001"  # private use: stripped from indexed text

_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_TEX_HEADING = re.compile(r"^\s*\\(?:part|chapter|section|subsection|subsubsection|paragraph)"
                          r"\*?\s*(?:\[[^\]]*\])?\s*\{(.*)\}\s*$")
_UNDERLINE_CHARS = "=-~^\"'`#*+:.<>_"
_UNDERLINE = re.compile(f"^([{re.escape(_UNDERLINE_CHARS)}])\\1{{2,}}\\s*$")
_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = frozenset("""a an and are as at be by for from has have in is it its of on or our
that the their this to was we were will with which who your you each when up not no per""".split())


@dataclass(frozen=True)
class Passage:
    """A heading and its paragraphs (or a paragraph, in a text without headings)."""

    heading: str
    body: str
    line_start: int  # 1-based, inclusive, in the section file
    line_end: int

    @property
    def words(self) -> int:
        return len(self.body.split())


def split_passages(text: str, fmt: str) -> list[Passage]:
    """Cut a section's text into passages: each heading with the paragraphs under it (long
    ones cut at paragraph breaks, each piece keeping its heading); a text without headings is
    one passage per paragraph. ``fmt`` is :func:`~proposal_tui.domain.wordcount.format_for_path`'s
    answer (markdown, latex, rst, text)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[tuple[str, list[tuple[int, str]]]] = [("", [])]
    heading_lines: list[tuple[str, int]] = []
    skip = -1
    for i, line in enumerate(lines):
        if i <= skip:
            continue
        heading = _heading_at(lines, i, fmt)
        if heading is not None:
            title, used = heading
            blocks.append((title, []))
            heading_lines.append((title, i + 1))
            skip = i + used - 1
            continue
        blocks[-1][1].append((i + 1, line))
    has_headings = len(blocks) > 1
    passages: list[Passage] = []
    for title, body in blocks:
        paragraphs = _paragraphs(body)
        if not has_headings:
            passages += [_passage("", [p]) for p in paragraphs]
            continue
        passages += [_passage(title, chunk) for chunk in _chunks(paragraphs)]
    if not passages:  # headings only (a section not started): still findable by them
        passages = [Passage(title, "", line, line) for title, line in heading_lines]
    return passages


def _heading_at(lines: list[str], i: int, fmt: str) -> tuple[str, int] | None:
    """(title, lines used) when a heading starts at line ``i``."""
    line = lines[i]
    after = lines[i + 1][:1] if i + 1 < len(lines) else ""
    if not line.strip() or fmt == "text" or (  # most lines: not a heading, seen cheaply
            fmt == "markdown" and line.lstrip()[0] != "#" and after not in ("=", "-")) or (
            fmt == "rst" and not (after and after in _UNDERLINE_CHARS)
            and line[0] not in _UNDERLINE_CHARS):
        return None
    if fmt == "latex":
        m = _TEX_HEADING.match(line)
        return (m.group(1).strip(), 1) if m else None
    if fmt == "markdown":
        m = _MD_HEADING.match(line)
        if m:
            return m.group(2), 1
    if fmt in ("markdown", "rst") and line.strip() and i + 1 < len(lines):
        under = lines[i + 1]
        if _UNDERLINE.match(under) and len(under.rstrip()) >= min(3, len(line.strip())) and \
                not _UNDERLINE.match(line):
            if fmt == "markdown" and under.strip()[0] not in "=-":
                return None
            return line.strip(), 2
    if fmt == "rst" and _UNDERLINE.match(line) and i + 2 < len(lines) and \
            lines[i + 2].strip() == line.strip() and lines[i + 1].strip():
        return lines[i + 1].strip(), 3  # overlined title
    return None


def _paragraphs(body: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    out: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in body:
        if line.strip():
            current.append((number, line))
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def _chunks(paragraphs: list[list[tuple[int, str]]]) -> Iterable[list[list[tuple[int, str]]]]:
    chunk: list[list[tuple[int, str]]] = []
    words = 0
    for paragraph in paragraphs:
        size = sum(len(text.split()) for _, text in paragraph)
        if chunk and words + size > MAX_PASSAGE_WORDS:
            yield chunk
            chunk, words = [], 0
        chunk.append(paragraph)
        words += size
    if chunk:
        yield chunk


def _passage(heading: str, paragraphs: list[list[tuple[int, str]]]) -> Passage:
    body = "\n\n".join("\n".join(text for _, text in p) for p in paragraphs)
    return Passage(heading, body, paragraphs[0][0][0], paragraphs[-1][-1][0])


def clean_indexed(text: str) -> str:
    """Text as the index stores it: without the highlight markers (so a snippet's markers are
    always ours) and without NUL."""
    return text.replace(HIGHLIGHT_OPEN, "").replace(HIGHLIGHT_CLOSE, "").replace("\0", "")


# -- queries --------------------------------------------------------------------------------

_QUERY_PART = re.compile(r'"([^"]*)"|(\S+)')


def fts_query(query: str) -> str | None:
    """A user's query as an FTS5 expression that cannot be a syntax error: quoted phrases stay
    phrases, ``word*`` is a prefix, every other word is one term; terms are OR-ed and BM25 ranks
    the passages holding more of them first. Common words are dropped unless that leaves
    nothing. Two words side by side in the query are also asked for as a phrase, so a passage
    that has them side by side ("transition plan") ranks above one that has them apart. None
    when there is no word at all."""
    terms: list[str] = []
    plain: list[str] = []
    pairs: list[str] = []
    previous = ""  # the plain word just before, when nothing came between
    for m in _QUERY_PART.finditer(query):
        phrase, token = m.group(1), m.group(2)
        if phrase is not None:
            words = _WORD.findall(phrase)
            if words:
                terms.append('"' + " ".join(words) + '"')
            previous = ""
            continue
        prefix = token.endswith("*")
        for n, word in enumerate(words := _WORD.findall(token)):
            if prefix and n == len(words) - 1:
                terms.append(f'"{word}"*')
                previous = ""
                continue
            plain.append(word)
            word = word.lower()
            if previous and previous not in _STOPWORDS and word not in _STOPWORDS:
                pairs.append(f'"{previous} {word}"')
            previous = word
    kept = [w for w in plain if w.lower() not in _STOPWORDS] or plain
    terms += [f'"{w}"' for w in dict.fromkeys(w.lower() for w in kept)]
    terms += list(dict.fromkeys(pairs))
    return " OR ".join(terms) if terms else None


def snippet_segments(marked: str) -> list[tuple[str, bool]]:
    """A snippet with the index's highlight markers as (text, highlighted) pieces."""
    out: list[tuple[str, bool]] = []
    rest = marked
    while rest:
        start = rest.find(HIGHLIGHT_OPEN)
        if start < 0:
            out.append((rest, False))
            break
        if start:
            out.append((rest[:start], False))
        end = rest.find(HIGHLIGHT_CLOSE, start + 1)
        end = len(rest) if end < 0 else end
        out.append((rest[start + 1:end], True))
        rest = rest[end + 1:]
    return [(text, hit) for text, hit in out if text]


# -- experts --------------------------------------------------------------------------------

OUTCOME_WEIGHT = {"won": 1.5, "lost": 0.8}
RECENCY_HALF_LIFE_DAYS = 730.0


@dataclass(frozen=True)
class Authorship:
    """Who wrote how many lines of a passage, and when last."""

    email: str
    name: str
    lines: int
    last: dt.datetime


@dataclass(frozen=True)
class Evidence:
    """One matching passage, as the expert ranking weighs it."""

    passage_id: int
    relevance: float  # > 0, larger is better (BM25 turned around)
    outcome: str
    authors: tuple[Authorship, ...]


@dataclass
class Expert:
    email: str
    name: str
    score: float = 0.0
    lines: int = 0
    last: dt.datetime | None = None
    outcomes: dict[str, int] = field(default_factory=dict)
    passages: list[tuple[int, float]] = field(default_factory=list)  # (passage id, credit)


def rank_experts(evidence: Sequence[Evidence], now: dt.datetime,
                 limit: int = 10) -> list[Expert]:
    """People ranked by what they wrote in the matching passages: each passage's relevance
    (relative to the best match) is shared by its authors in proportion to their lines, and
    weighed by how recent their lines are (half-life two years) and the proposal's outcome
    (won counts more, lost less). People are one person per email (mailmap already applied)."""
    if not evidence:
        return []
    best = max(e.relevance for e in evidence) or 1.0
    people: dict[str, Expert] = {}
    for item in evidence:
        total = sum(a.lines for a in item.authors) or 1
        weight = item.relevance / best * OUTCOME_WEIGHT.get(item.outcome, 1.0)
        for author in item.authors:
            key = author.email.lower()
            person = people.setdefault(key, Expert(key, author.name))
            age = max(0.0, (now - author.last).total_seconds() / 86400)
            recency = math.pow(0.5, age / RECENCY_HALF_LIFE_DAYS)
            credit = weight * recency * author.lines / total
            person.score += credit
            person.lines += author.lines
            person.last = author.last if person.last is None else max(person.last, author.last)
            if item.outcome:
                person.outcomes[item.outcome] = person.outcomes.get(item.outcome, 0) + 1
            person.passages.append((item.passage_id, credit))
    ranked = sorted(people.values(), key=lambda p: (-p.score, p.email))[:limit]
    for person in ranked:
        person.passages.sort(key=lambda pc: -pc[1])
    return ranked


def foreign_names(text: str, names: Sequence[tuple[str, str]]) -> list[tuple[int, str, str]]:
    """Where ``text`` names one of ``names`` ((name, source) pairs: another proposal's client
    or solicitation): (line, name, source), whole words, case-insensitive."""
    found: list[tuple[int, str, str]] = []
    if not names:
        return found
    lines = text.splitlines()
    for name, source in names:
        pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"(?!\w)",
                             re.IGNORECASE)
        for number, line in enumerate(lines, 1):
            if pattern.search(line):
                found.append((number, name, source))
    return sorted(found)


def topic_query(parts: Sequence[str], body: str = "", words: int = 30) -> str:
    """A query for "what is this section about": its title and requirement texts, and the
    ``words`` most frequent longer words of its text (a whole text would be a slow query)."""
    counts: dict[str, int] = {}
    for word in _WORD.findall(body.lower()):
        if len(word) > 3 and word not in _STOPWORDS and not word.isdigit():
            counts[word] = counts.get(word, 0) + 1
    frequent = sorted(counts, key=lambda w: (-counts[w], w))[:words]
    return " ".join([*parts, *frequent])


def provenance_line(fmt: str, repo: str, commit: str, path: str, start: int, end: int) -> str:
    """The comment put above a reused passage: where it came from, in the file's own comment
    syntax, on one line that cannot close the comment early."""
    where = re.sub(r"[\x00-\x1f\x7f]|-->|\*/", " ", f"{repo} {commit[:12]} {path} lines "
                   f"{start}-{end}")
    text = f"from the library: {where}"
    if fmt == "latex":
        return f"% {text}"
    if fmt == "rst":
        return f".. {text}"
    if fmt == "markdown":
        return f"<!-- {text} -->"
    return f"[{text}]"
