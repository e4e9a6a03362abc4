"""The library's index: past proposals' passages in SQLite with FTS5, and who wrote them.

One database per library list, in the cache folder. What is indexed, per repository: the tip
(HEAD) and each ``round/*`` tag; for each, the manifest's title, client, solicitation and
outcome, and each section file's passages with the authors of their lines (``git blame
--line-porcelain``, which applies the repository's ``.mailmap``).

Incremental by construction: each (repository, ref) keeps the commit it was indexed at, so a
repository that has not moved costs two git processes; a section text is stored once per
(repository, path, blob id), so a new commit re-reads and re-blames only the files it changed,
and a round tag on the same text as the tip shares its passages. A database that cannot be
read, or was written by another schema, is deleted and rebuilt: it is only a cache.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.library import (
    HIGHLIGHT_CLOSE,
    HIGHLIGHT_OPEN,
    Authorship,
    clean_indexed,
    split_passages,
)
from proposal_tui.domain.manifest import MANIFEST_NAME, parse_manifest
from proposal_tui.domain.model import Manifest, Section
from proposal_tui.domain.text import decode_text
from proposal_tui.domain.wordcount import format_for_path
from proposal_tui.store.git import read_objects, run_git, run_git_bytes
from proposal_tui.store.library_list import LibraryEntry

SCHEMA_VERSION = "1"
TIP = "HEAD"
BM25_WEIGHTS = (8.0, 3.0, 1.0, 1.0)  # title, heading, body, tags
_BM25 = f"bm25(fts, {', '.join(map(str, BM25_WEIGHTS))})"

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE repos(name TEXT PRIMARY KEY, path TEXT NOT NULL, title TEXT NOT NULL,
    client TEXT NOT NULL, solicitation TEXT NOT NULL, outcome TEXT NOT NULL,
    date TEXT NOT NULL);
CREATE TABLE refs(repo TEXT NOT NULL, ref TEXT NOT NULL, commit_id TEXT NOT NULL,
    date TEXT NOT NULL, PRIMARY KEY(repo, ref));
CREATE TABLE texts(id INTEGER PRIMARY KEY, repo TEXT NOT NULL, path TEXT NOT NULL,
    blob TEXT NOT NULL, UNIQUE(repo, path, blob));
CREATE TABLE placements(repo TEXT NOT NULL, ref TEXT NOT NULL, text_id INTEGER NOT NULL,
    section TEXT NOT NULL, section_title TEXT NOT NULL, requirements TEXT NOT NULL,
    commit_id TEXT NOT NULL, date TEXT NOT NULL);
CREATE INDEX placements_text ON placements(text_id);
CREATE INDEX placements_ref ON placements(repo, ref);
CREATE TABLE passages(id INTEGER PRIMARY KEY, text_id INTEGER NOT NULL, ord INTEGER NOT NULL,
    title TEXT NOT NULL, heading TEXT NOT NULL, body TEXT NOT NULL, tags TEXT NOT NULL,
    line_start INTEGER NOT NULL, line_end INTEGER NOT NULL);
CREATE INDEX passages_text ON passages(text_id);
CREATE TABLE authors(passage_id INTEGER NOT NULL, email TEXT NOT NULL, name TEXT NOT NULL,
    lines INTEGER NOT NULL, last TEXT NOT NULL);
CREATE INDEX authors_passage ON authors(passage_id);
CREATE VIRTUAL TABLE fts USING fts5(title, heading, body, tags, content='passages',
    content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
"""


@dataclass
class IndexStats:
    """What one ``index`` run did: how much it could skip is the point."""

    repositories: int = 0
    refs_unchanged: int = 0
    refs_indexed: int = 0
    texts_read: int = 0  # section files read and blamed (new blob ids)
    texts_reused: int = 0  # already indexed under their blob id
    passages: int = 0  # passages added
    rebuilt: str = ""  # why the database was rebuilt, if it was
    problems: list[str] = field(default_factory=list)
    fetched: int = 0  # cloned repositories fetched first (`library index --fetch`)


@dataclass(frozen=True)
class Placement:
    repo: str
    ref: str
    commit: str
    date: str
    section: str
    section_title: str
    requirements: tuple[str, ...]
    path: str


@dataclass(frozen=True)
class ProposalFacts:
    name: str
    path: str
    title: str
    client: str
    solicitation: str
    outcome: str
    date: str


@dataclass(frozen=True)
class StoredPassage:
    id: int
    heading: str
    body: str
    line_start: int
    line_end: int
    proposal: ProposalFacts
    placement: Placement
    authors: tuple[Authorship, ...]


@dataclass(frozen=True)
class Match:
    id: int  # the passage's
    score: float  # BM25 turned around: larger is better
    snippet: str  # with HIGHLIGHT_OPEN/CLOSE around the matched terms


class LibraryIndex:
    """``LibraryIndex(path)``: open (building or rebuilding as needed) on first use."""

    def __init__(self, path: Path, workers: int = 4) -> None:
        self.path = path
        self.workers = workers
        self._db: sqlite3.Connection | None = None
        self.rebuilt = ""
        self._manifests: dict[str, Manifest | str | None] = {}  # by commit, for one update

    # -- the database -----------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = self._open()
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        why = ""
        if self.path.exists():
            db = None
            try:
                db = self._connect()
                row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
                if row and row[0] == SCHEMA_VERSION:
                    db.execute("SELECT count(*) FROM fts WHERE fts MATCH 'x'").fetchone()
                    return db
                why = "written by another version"
                db.close()
            except sqlite3.DatabaseError as exc:
                if db is not None:
                    db.close()
                if not _damaged(exc):
                    raise ProposalError(f"the library index: {exc}", str(self.path)) from None
                why = f"damaged ({exc})"
            self.rebuilt = why
            self._remove()
        db = self._connect()
        with db:
            db.executescript(_SCHEMA)
            db.execute("INSERT INTO meta VALUES('schema', ?)", (SCHEMA_VERSION,))
        return db

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(str(self.path) + suffix).unlink()

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """A damaged database met mid-way: drop it, so the next open rebuilds it."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if not _damaged(exc):
                raise ProposalError(f"the library index: {exc}", str(self.path)) from None
            self.close()
            self._remove()
            raise ProposalError(f"the library index was damaged ({exc}) and has been removed; "
                                "run 'proposal library index' again", str(self.path)) from None

    def meta(self, key: str) -> str:
        with self._guard():
            row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
            return row[0] if row else ""

    def set_meta(self, key: str, value: str) -> None:
        with self._guard(), self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES(?, ?)", (key, value))

    def indexed_repos(self) -> set[str]:
        with self._guard():
            return {r[0] for r in self.db.execute("SELECT name FROM repos")}

    # -- indexing ----------------------------------------------------------------------------
    def update(self, entries: Sequence[LibraryEntry]) -> IndexStats:
        """Bring the index up to date with ``entries``: forget removed repositories and refs,
        index moved refs, reading only blobs never indexed."""
        stats = IndexStats()
        self._manifests.clear()
        with self._guard():
            db = self.db
            stats.rebuilt = self.rebuilt
            names = {e.name for e in entries}
            for (gone,) in db.execute("SELECT name FROM repos").fetchall():
                if gone not in names:
                    with db:
                        self._forget_repo(gone)
            for entry in entries:
                stats.repositories += 1
                try:
                    self._update_repo(entry, stats)
                except ProposalError as exc:
                    stats.problems.append(f"{entry.name}: {exc}")
            with db:
                self._collect_garbage()
                total = db.execute("SELECT count(*) FROM passages").fetchone()[0]
                big = stats.passages * 10 >= total > 0
                if big:  # one segment, not dozens: a query reads one b-tree per segment
                    db.execute("INSERT INTO fts(fts) VALUES('optimize')")
            if big:  # the log would otherwise keep a copy of the whole index
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return stats

    def _forget_repo(self, name: str) -> None:
        self.db.execute("DELETE FROM placements WHERE repo=?", (name,))
        self.db.execute("DELETE FROM refs WHERE repo=?", (name,))
        self.db.execute("DELETE FROM repos WHERE name=?", (name,))

    def _update_repo(self, entry: LibraryEntry, stats: IndexStats) -> None:
        path = Path(entry.path)
        if not path.is_dir():
            raise ProposalError(f"{entry.path} is not a folder (moved or deleted?)")
        refs = _refs(path)
        db = self.db
        known = dict(db.execute("SELECT ref, commit_id FROM refs WHERE repo=?", (entry.name,)))
        moved = {ref: c for ref, c in refs.items() if known.get(ref) != c}
        stats.refs_unchanged += len(refs) - len(moved)
        if not moved and set(known) == set(refs) and \
                db.execute("SELECT 1 FROM repos WHERE name=? AND path=?",
                           (entry.name, entry.path)).fetchone():
            return
        with db:
            for ref in set(known) - set(refs):
                db.execute("DELETE FROM placements WHERE repo=? AND ref=?", (entry.name, ref))
                db.execute("DELETE FROM refs WHERE repo=? AND ref=?", (entry.name, ref))
            for ref, commit in sorted(moved.items()):
                self._index_ref(entry, path, ref, commit, stats)
                stats.refs_indexed += 1
            self._record_repo(entry, path, refs.get(TIP))

    def _record_repo(self, entry: LibraryEntry, path: Path, tip: str | None) -> None:
        manifest = self._manifest(path, tip) if tip else None
        info = manifest.proposal if isinstance(manifest, Manifest) else None
        title, client, solicitation, outcome, due = (
            info.title, info.client, info.solicitation, info.outcome,
            info.due.isoformat() if info.due else "") if info else (entry.name, "", "", "", "")
        date = due or (_commit_dates(path, [tip])[tip] if tip else "")
        self.db.execute("INSERT OR REPLACE INTO repos VALUES(?,?,?,?,?,?,?)",
                        (entry.name, entry.path, title, client, solicitation, outcome, date))

    def _index_ref(self, entry: LibraryEntry, path: Path, ref: str, commit: str,
                   stats: IndexStats) -> None:
        db = self.db
        db.execute("DELETE FROM placements WHERE repo=? AND ref=?", (entry.name, ref))
        date = _commit_dates(path, [commit])[commit]
        db.execute("INSERT OR REPLACE INTO refs VALUES(?,?,?,?)", (entry.name, ref, commit, date))
        manifest = self._manifest(path, commit)
        if not isinstance(manifest, Manifest):
            stats.problems.append(f"{entry.name} {ref}: {manifest or f'no {MANIFEST_NAME}'}")
            return
        sections = {s.file: s for s in manifest.sections}
        blobs = _blob_ids(path, commit, list(sections))
        existing = {}
        for file, blob in blobs.items():
            row = db.execute("SELECT id FROM texts WHERE repo=? AND path=? AND blob=?",
                             (entry.name, file, blob)).fetchone()
            if row:
                existing[file] = row[0]
        new = [f for f in blobs if f not in existing]
        stats.texts_reused += len(existing)
        stats.texts_read += len(new)
        contents = read_objects(path, [blobs[f] for f in new])
        with ThreadPoolExecutor(max(1, self.workers)) as pool:
            # in order as they finish: a text is stored while the next ones are being blamed
            blames = pool.map(lambda f: _blame(path, commit, f), new)
            for file, blame in zip(new, blames, strict=True):
                existing[file] = self._store_text(entry, ref, file, blobs[file], sections[file],
                                                  contents.get(blobs[file], b""), blame, stats)
        db.executemany("INSERT INTO placements VALUES(?,?,?,?,?,?,?,?)", [
            (entry.name, ref, existing[f], sections[f].id, sections[f].title,
             " ".join(sections[f].requirements), commit, date) for f in blobs])

    def _manifest(self, path: Path, commit: str) -> Manifest | str | None:
        """The plan at ``commit`` (the reason it cannot be read, None when there is none),
        read and parsed once per commit: the tip and a round tag often name the same one."""
        if commit not in self._manifests:
            name = f"{commit}:{MANIFEST_NAME}"
            raw = read_objects(path, [name]).get(name)
            try:
                self._manifests[commit] = None if raw is None else parse_manifest(
                    decode_text(raw, MANIFEST_NAME), MANIFEST_NAME)
            except ProposalError as exc:
                self._manifests[commit] = str(exc)
        return self._manifests[commit]

    def _store_text(self, entry: LibraryEntry, ref: str, file: str, blob: str,
                    section: Section, raw: bytes, blame: Blame, stats: IndexStats) -> int:
        """One new text: its passages, their full-text entries and their authors."""
        db = self.db
        try:
            text = decode_text(raw, file)
        except ProposalError as exc:  # kept as an empty text: not read again and again
            stats.problems.append(f"{entry.name} {ref}: {exc}")
            text = ""
        text_id = int(db.execute("INSERT INTO texts(repo, path, blob) VALUES(?,?,?)",
                                 (entry.name, file, blob)).lastrowid or 0)
        title = clean_indexed(section.title)
        tags = " ".join([section.id, *section.requirements])
        rows, authors = [], []
        for n, passage in enumerate(split_passages(text, format_for_path(file))):
            heading, body = clean_indexed(passage.heading), clean_indexed(passage.body)
            pid = int(db.execute(
                "INSERT INTO passages(text_id, ord, title, heading, body, tags, line_start,"
                " line_end) VALUES(?,?,?,?,?,?,?,?)",
                (text_id, n, title, heading, body, tags, passage.line_start,
                 passage.line_end)).lastrowid or 0)
            rows.append((pid, title, heading, body, tags))
            authors += [(pid, a.email, a.name, a.lines, a.last.isoformat())
                        for a in _authors_of(blame, passage.line_start, passage.line_end)]
        db.executemany("INSERT INTO fts(rowid, title, heading, body, tags) VALUES(?,?,?,?,?)",
                       rows)
        db.executemany("INSERT INTO authors VALUES(?,?,?,?,?)", authors)
        stats.passages += len(rows)
        return text_id

    def _collect_garbage(self) -> None:
        """Texts no ref places any more: their passages leave the full-text index too."""
        db = self.db
        orphans = [r[0] for r in db.execute(
            "SELECT id FROM texts WHERE id NOT IN (SELECT text_id FROM placements)")]
        for text_id in orphans:
            db.execute("INSERT INTO fts(fts, rowid, title, heading, body, tags) SELECT 'delete',"
                       " id, title, heading, body, tags FROM passages WHERE text_id=?",
                       (text_id,))
            db.execute("DELETE FROM authors WHERE passage_id IN (SELECT id FROM passages "
                       "WHERE text_id=?)", (text_id,))
            db.execute("DELETE FROM passages WHERE text_id=?", (text_id,))
            db.execute("DELETE FROM texts WHERE id=?", (text_id,))

    # -- reading -----------------------------------------------------------------------------
    def match(self, expression: str, limit: int, client: str | None = None,
              outcome: str | None = None, snippets: bool = True) -> list[Match]:
        """Passages matching an FTS5 expression, best first (BM25, the title weighing most).

        Snippets are made in a second query for the chosen few only: in the first, SQLite
        would make one for every matching passage before sorting. (FTS5 cannot seek a rowid
        IN list, but skipping the other matches costs less than a query per snippet.)"""
        where, params = ["fts MATCH ?"], [expression]
        if client or outcome:
            where.append("rowid IN (SELECT p.id FROM passages p JOIN texts t ON t.id = p.text_id"
                         " JOIN repos r ON r.name = t.repo WHERE (? = '' OR r.client LIKE ?) "
                         "AND (? = '' OR r.outcome = ?))")
            params += [client or "", f"%{client or ''}%", (outcome or "").lower(),
                       (outcome or "").lower()]
        with self._guard():
            try:
                ranked = self.db.execute(  # not ORDER BY rank: FTS5 would sort every match
                    f"SELECT rowid, {_BM25} AS score FROM fts WHERE {' AND '.join(where)} "
                    "ORDER BY score LIMIT ?", [*params, limit]).fetchall()
                marked: dict[int, str] = {}
                if snippets and ranked:  # one pass over the matches; snippets for the few only
                    marked = dict(self.db.execute(
                        "SELECT rowid, snippet(fts, 2, ?, ?, '…', 16) FROM fts WHERE fts MATCH ?"
                        f" AND rowid IN ({','.join('?' * len(ranked))})",
                        [HIGHLIGHT_OPEN, HIGHLIGHT_CLOSE, expression, *(r[0] for r in ranked)]))
            except sqlite3.OperationalError as exc:
                if "fts5" in str(exc) or "syntax" in str(exc):
                    raise ProposalError(f"cannot search for that: {exc}") from None
                raise
        return [Match(r[0], -float(r[1]), marked.get(r[0], "")) for r in ranked]

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        """Passages by id, each with its proposal, its newest placement and its authors."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._guard():
            db = self.db
            authors: dict[int, list[Authorship]] = {}
            for pid, email, name, lines, last in db.execute(
                    f"SELECT passage_id, email, name, lines, last FROM authors WHERE passage_id "
                    f"IN ({marks}) ORDER BY lines DESC, email", list(ids)):
                authors.setdefault(pid, []).append(
                    Authorship(email, name, lines, dt.datetime.fromisoformat(last)))
            out: dict[int, StoredPassage] = {}
            for row in db.execute(
                    "SELECT p.id, p.heading, p.body, p.line_start, p.line_end, t.path, "
                    "r.name, r.path, r.title, r.client, r.solicitation, r.outcome, r.date, "
                    "pl.ref, pl.commit_id, pl.date, pl.section, pl.section_title, "
                    "pl.requirements FROM passages p JOIN texts t ON t.id = p.text_id "
                    "JOIN repos r ON r.name = t.repo JOIN placements pl ON pl.text_id = t.id "
                    f"WHERE p.id IN ({marks}) ORDER BY pl.ref = 'HEAD', pl.date", list(ids)):
                pid = row[0]
                facts = ProposalFacts(*row[6:13])
                place = Placement(row[6], row[13], row[14], row[15], row[16], row[17],
                                  tuple(row[18].split()), row[5])
                out[pid] = StoredPassage(pid, row[1], row[2], row[3], row[4], facts, place,
                                         tuple(authors.get(pid, ())))
            return out

    def proposals(self) -> list[ProposalFacts]:
        with self._guard():
            return [ProposalFacts(*r) for r in self.db.execute(
                "SELECT name, path, title, client, solicitation, outcome, date FROM repos "
                "ORDER BY name")]


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    """A file that is not (or no longer) our database, as opposed to a busy one or a
    constraint another process's index run won."""
    return any(w in str(exc) for w in ("no such", "malformed", "not a database", "corrupt",
                                       "no more rows", "disk image"))


# -- git ---------------------------------------------------------------------------------------

def _refs(path: Path) -> dict[str, str]:
    """HEAD and every ``round/*`` tag, each as the commit it names (one git process)."""
    out: dict[str, str] = {}
    listing = run_git(["show-ref", "--head", "--dereference"], path, check=False)
    for line in listing.splitlines():
        obj, _, ref = line.partition(" ")
        if ref == TIP:
            out[TIP] = obj
        elif ref.startswith("refs/tags/round/"):
            name = ref.removeprefix("refs/tags/").removesuffix("^{}")
            if ref.endswith("^{}") or name not in out:  # the peeled line names the commit
                out[name] = obj
    return out


def _commit_dates(path: Path, commits: Sequence[str]) -> dict[str, str]:
    raw = read_objects(path, list(commits), kind=b"commit")
    dates: dict[str, str] = {}
    for commit, body in raw.items():
        dates[commit] = ""
        for line in body.split(b"\n\n", 1)[0].splitlines():
            if line.startswith(b"committer "):
                stamp, zone = line.rsplit(b" ", 2)[1:]
                sign = -1 if zone.startswith(b"-") else 1
                offset = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])) * sign
                dates[commit] = dt.datetime.fromtimestamp(
                    int(stamp), dt.timezone(offset)).isoformat()
    return dates


def _blob_ids(path: Path, commit: str, files: list[str]) -> dict[str, str]:
    if not files:
        return {}
    out = run_git_bytes(["ls-tree", "-z", "--full-tree", commit, "--", *files], path).stdout
    blobs: dict[str, str] = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, name = record.split(b"\t", 1)
        mode, kind, obj = meta.split()
        if kind == b"blob" and mode != b"120000":
            blobs[name.decode("utf-8", "replace")] = obj.decode()
    return blobs


# A line's header (commit id first), and the first time a commit is named, its author
# (porcelain always writes author, author-mail and author-time first, in that order).
_BLAME_LINE = re.compile(rb"^([0-9a-f]{40,64}) \d+ \d+.*\n(?:author (.*)\nauthor-mail (.*)\n"
                         rb"author-time (\d+)\n)?", re.MULTILINE)
Blame = list[tuple[str, str, int]]  # per line (1-based via index + 1): email, name, time


def _blame(path: Path, commit: str, file: str) -> Blame:
    """Who wrote each line of ``file`` at ``commit``, after the repository's mailmap.

    ``--porcelain`` names a commit's author once, at its first line (``--line-porcelain``
    repeats it on every line: four times the output to read). Content lines start with a tab,
    so only headers start with a commit id."""
    out = run_git_bytes(["blame", "--porcelain", "-w", commit, "--", file], path).stdout
    known: dict[bytes, tuple[str, str, int]] = {}
    lines: Blame = []
    for m in _BLAME_LINE.finditer(out):
        if m.group(2) is not None:
            known[m.group(1)] = (
                m.group(3).decode("utf-8", "replace").strip().strip("<>").lower(),
                m.group(2).decode("utf-8", "replace"), int(m.group(4)))
        lines.append(known.get(m.group(1), ("", "", 0)))
    return lines


def _authors_of(blame: Blame, start: int, end: int) -> list[Authorship]:
    counts: dict[str, list] = {}
    for email, name, when in blame[start - 1:end]:
        if not email:
            continue
        entry = counts.setdefault(email, [name, 0, when])
        entry[1] += 1
        entry[2] = max(entry[2], when)
    return [Authorship(email, name, n, dt.datetime.fromtimestamp(when, dt.UTC))
            for email, (name, n, when) in sorted(counts.items(), key=lambda kv: -kv[1][1])]
