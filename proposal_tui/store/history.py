"""The git history index: per-file commit facts from one streaming ``git log`` pass.

Facts are kept per path (not per section) so a manifest that renames or re-points a section
needs no rescan; renames and copies recorded in history (a file moved, or split off from
another) let a section inherit its file's past up to that commit, as ``git log --follow``
does. A merge that changes a file (one that differs from every parent: a resolved conflict)
counts as an edit of it, as in ``git log -- FILE``. The index is cached under
``.git/proposal-tui/`` and refreshed incrementally: only ``old..new`` is read, unless
history was rewritten, which triggers a full rebuild.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from proposal_tui.domain.manifest import MANIFEST_NAME, manifest_statuses
from proposal_tui.domain.model import BadTrailer, CommitRef, SectionHistory, parse_status
from proposal_tui.store.atomic import write_atomic
from proposal_tui.store.commits import is_ancestor
from proposal_tui.store.git import GitPipe, read_objects, run_git_bytes
from proposal_tui.store.plumbing import resolve_ref

CACHE_VERSION = 4
TRAILER_KEY = "Proposal-Status"
# git's own trailer parser (what `git interpret-trailers --parse` finds: any case, spaces
# before the colon, folded lines), shared by the status rules and the pre-receive hook.
TRAILER_FIELD = f"%(trailers:key={TRAILER_KEY},valueonly,separator=%x1d)"
_LOG_FORMAT = f"%x1e%H%x1f%P%x1f%at%x1f%an%x1f%ae%x1f{TRAILER_FIELD}%x1f%s"
_HEADER_RE = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})\x1f")


@dataclass
class Commit:
    """One commit as parsed from the log."""

    sha: str
    parents: list[str]
    timestamp: int
    author: str
    email: str
    subject: str
    trailer: str | None
    seq: int = 0
    paths: list[str] = field(default_factory=list)
    renames: list[tuple[str, str]] = field(default_factory=list)  # (old, new): moves, copies


@dataclass
class PathFacts:
    commits: int = 0
    first: list | None = None  # [seq, sha, author, email, ts, subject]
    last: list | None = None
    contributors: dict[str, list] = field(default_factory=dict)  # email -> [seq, name]
    trailer: list | None = None  # [seq, status, ts, sha]
    bad_trailer: list | None = None  # [seq, value, sha, subject]: a value that is no status

    def shift(self, by: int) -> None:
        entries = (self.first, self.last, self.trailer, self.bad_trailer,
                   *self.contributors.values())
        for entry in {id(e): e for e in entries if e is not None}.values():
            entry[0] += by

    def to_list(self) -> list:
        return [self.commits, self.first, self.last, self.contributors, self.trailer,
                self.bad_trailer]

    def merged_with_newer(self, newer: PathFacts) -> PathFacts:
        contributors = dict(self.contributors)
        contributors.update(newer.contributors)
        return PathFacts(self.commits + newer.commits, self.first or newer.first,
                         newer.last or self.last, contributors, newer.trailer or self.trailer,
                         newer.bad_trailer or self.bad_trailer)

    def add(self, c: Commit) -> None:
        ref = [c.seq, c.sha, c.author, c.email, c.timestamp, c.subject]
        # Counted as git log --follow counts: the commits that wrote a change. A merge that
        # changed the file (a resolved conflict) is its last edit, but not one more commit.
        self.commits += len(c.parents) < 2
        if self.first is None or c.seq < self.first[0]:
            self.first = ref
        if self.last is None or c.seq > self.last[0]:
            self.last = ref
        known = self.contributors.get(c.email)
        if known is None or known[0] < c.seq:
            self.contributors[c.email] = [c.seq, c.author]
        status = parse_status(c.trailer) if c.trailer else None
        if status is not None and (self.trailer is None or self.trailer[0] < c.seq):
            self.trailer = [c.seq, status.value, c.timestamp, c.sha]
        elif c.trailer and status is None and (self.bad_trailer is None or
                                               self.bad_trailer[0] < c.seq):
            self.bad_trailer = [c.seq, c.trailer, c.sha, c.subject]


def _ref(entry: list | None) -> CommitRef | None:
    if entry is None:
        return None
    _seq, sha, author, email, ts, subject = entry
    return CommitRef(sha=sha, author=author, email=email, subject=subject,
                     date=dt.datetime.fromtimestamp(ts, dt.UTC))


@dataclass
class HistoryIndex:
    """Aggregated facts for every path that history touched, plus renames and the manifest."""

    tip: str | None = None
    max_seq: int = 0
    paths: dict[str, PathFacts] = field(default_factory=dict)
    # new -> every rename or copy into it, newest first: [old, seq, old's facts before it]
    sources: dict[str, list[tuple[str, int, PathFacts]]] = field(default_factory=dict)
    status_since: dict[str, int] = field(default_factory=dict)  # section -> seq
    last_statuses: dict[str, str] = field(default_factory=dict)
    recent: list[dict] = field(default_factory=list)  # newest first, bounded activity feed
    commits_read: int = 0  # how many commits the last refresh parsed (for tests, benchmarks)
    _memo: dict[str, tuple[list[PathFacts], SectionHistory]] = field(
        default_factory=dict, repr=False, compare=False)

    RECENT_LIMIT = 200

    def lineage(self, path: str) -> list[str]:
        """The path and every path it was renamed or copied from, newest first."""
        return list(dict.fromkeys(p for p, _facts in self._chain(path)))

    def _chain(self, path: str) -> list[tuple[str, PathFacts | None]]:
        """The path with its own facts, then each path it came from with the facts it had
        before that rename or copy, each one older than the last (as git log --follow).

        A name met again (a file moved away and copied back) adds nothing: its first
        visit, at a later cutoff, already holds all of its older facts.
        """
        chain: list[tuple[str, PathFacts | None]] = [(path, self.paths.get(path))]
        seen, current, cutoff = {path}, path, float("inf")
        while source := next((s for s in self.sources.get(current, ()) if s[1] < cutoff),
                             None):
            current, cutoff, facts = source
            chain.append((current, None if current in seen else facts))
            seen.add(current)
        return chain

    def section_history(self, path: str) -> SectionHistory:
        """Memoised per path: a refresh replaces the PathFacts of the paths new commits
        touched (never mutates them), so an identical list of facts means the same answer,
        and a refresh after one commit recomputes one section, not all of them."""
        facts = [f for _p, f in self._chain(path) if f is not None]
        memo = self._memo.get(path)
        if memo is not None and len(memo[0]) == len(facts) and \
                all(a is b for a, b in zip(memo[0], facts)):
            return memo[1]
        result = self._section_history(facts)
        self._memo[path] = (facts, result)
        return result

    def _section_history(self, facts: list[PathFacts]) -> SectionHistory:
        if not facts:
            return SectionHistory()
        firsts = [f.first for f in facts if f.first]
        lasts = [f.last for f in facts if f.last]
        first = min(firsts, key=lambda e: e[0]) if firsts else None
        last = max(lasts, key=lambda e: e[0]) if lasts else None
        contributors: dict[str, list] = {}
        for f in facts:
            for email, entry in f.contributors.items():
                if email not in contributors or contributors[email][0] < entry[0]:
                    contributors[email] = entry
        trailers = [f.trailer for f in facts if f.trailer]
        trailer = max(trailers, key=lambda e: e[0]) if trailers else None
        bads = [f.bad_trailer for f in facts if f.bad_trailer]
        bad = max(bads, key=lambda e: e[0]) if bads else None
        if bad is not None and trailer is not None and trailer[0] > bad[0]:
            bad = None  # a valid trailer came after it: the mistake was put right
        return SectionHistory(
            commits=sum(f.commits for f in facts), first=_ref(first), last=_ref(last),
            contributors=tuple(sorted(contributors, key=lambda e: -contributors[e][0])),
            trailer_status=parse_status(trailer[1]) if trailer else None,
            trailer_at=dt.datetime.fromtimestamp(trailer[2], dt.UTC) if trailer
            else None,
            trailer_sha=trailer[3] if trailer else None,
            last_seq=last[0] if last else -1, trailer_seq=trailer[0] if trailer else -1,
            bad_trailer=BadTrailer(bad[1], bad[2], bad[3]) if bad else None)

    # -- persistence -------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {"version": CACHE_VERSION, "tip": self.tip, "max_seq": self.max_seq,
                "paths": {p: f.to_list() for p, f in self.paths.items()},
                "sources": {p: [[old, seq, f.to_list()] for old, seq, f in sources]
                            for p, sources in self.sources.items()},
                "status_since": self.status_since,
                "last_statuses": self.last_statuses, "recent": self.recent}

    @classmethod
    def from_json(cls, data: dict) -> HistoryIndex | None:
        if data.get("version") != CACHE_VERSION:
            return None
        index = cls(tip=data["tip"], max_seq=data["max_seq"],
                    status_since=data["status_since"], last_statuses=data["last_statuses"],
                    recent=data["recent"])
        for path, facts in data["paths"].items():
            index.paths[path] = PathFacts(*facts)
        for path, sources in data["sources"].items():
            index.sources[path] = [(old, seq, PathFacts(*f)) for old, seq, f in sources]
        return index


def trailer_values(field: str) -> list[str]:
    """The values of a TRAILER_FIELD, in message order (the last one counts)."""
    return [v.strip() for v in field.split("\x1d") if v.strip()]


def status_trailers(cwd: Path | str, shas: list[str]) -> dict[str, list[str]]:
    """Each commit's Proposal-Status values, read by git itself, from one ``git log``."""
    if not shas:
        return {}
    out = run_git_bytes(["log", "--no-walk=unsorted", "--stdin", "--format=%H%x1f"
                         f"{TRAILER_FIELD}%x1e"], cwd, input="\n".join(shas).encode() + b"\n")
    found: dict[str, list[str]] = {}
    for record in out.stdout.decode("utf-8", "replace").split("\x1e"):
        sha, sep, field = record.strip("\n").partition("\x1f")
        if sep:
            found[sha] = trailer_values(field)
    return found


def _parse_record(record: str) -> Commit | None:
    """One commit: its header fields, then NUL-separated name-status entries."""
    header, _, rest = record.partition("\0")
    fields = header.split("\x1f", 6)
    if len(fields) != 7 or len(fields[0]) not in (40, 64):
        return None
    sha, parents, ts, author, email, trailers, subject = fields
    values = trailer_values(trailers) if trailers else []
    commit = Commit(sha=sha, parents=parents.split(), timestamp=int(ts), author=author,
                    email=email, subject=subject, trailer=values[-1] if values else None)
    tokens = rest.lstrip("\n").split("\0")
    i, n = 0, len(tokens)
    while i < n:
        code = tokens[i].lstrip("\n")
        if not code:
            i += 1
            continue
        kind = code[0]
        if kind in "RC" and i + 2 < n + 1:
            old, new = tokens[i + 1], tokens[i + 2] if i + 2 < n else ""
            commit.renames.append((old, new))
            commit.paths.append(new)
            i += 3
        else:
            if kind != "D" and i + 1 < n:
                commit.paths.append(tokens[i + 1])
            i += 2
    return commit


def _widen_pipe(fd: int) -> None:
    """Let git run up to a megabyte ahead of the parser (Linux; elsewhere a no-op)."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


def _records(git: GitPipe) -> Iterator[Commit]:
    """Parse commits as the bytes of one running ``git log -z`` arrive.

    Records are split on NUL + RS: a subject cannot hold NUL, so only a path beginning with
    RS could fake a boundary, and a piece without a commit header is glued back on.
    """
    held = ""  # the last record seen, kept until the next one proves it complete
    tail = ""
    _widen_pipe(git.stdout.fileno())
    # read1: parse whatever has arrived while git keeps writing (read() would wait for a
    # full megabyte with git blocked on a full pipe, and nothing would overlap).
    while chunk := git.stdout.read1(1 << 20):
        pieces = (tail + chunk.decode("utf-8", "surrogateescape")).split("\0\x1e")
        tail = pieces.pop()
        for piece in pieces:
            if not held:
                held = piece.lstrip("\x1e")
            elif _HEADER_RE.match(piece):
                if commit := _parse_record(held):
                    yield commit
                held = piece
            else:
                held += "\0\x1e" + piece
    for piece in [tail] if tail else []:
        if held and not _HEADER_RE.match(piece):
            held += "\0\x1e" + piece
            continue
        if held and (commit := _parse_record(held)):
            yield commit
        held = piece.lstrip("\x1e")
    if held and (commit := _parse_record(held)):
        yield commit


def iter_log(cwd: Path, revs: list[str]) -> Iterator[Commit]:
    """Stream commits newest first, parsing as bytes arrive, with renames and copies (-C).

    A merge's files come from a second ``git log`` over the same walk in the same order,
    started at the first merge (a refresh over a few plain commits runs one git): the files
    that differ from every parent (``-c``: a resolved conflict), found without rename
    detection, which made the one pass 2-3x slower on merge-heavy histories.
    """
    fmt = f"--format={_LOG_FORMAT}"
    # Streamed, but not interactive: git's stdio buffer is enough to overlap with parsing.
    pipes = [GitPipe(["log", "-z", "--name-status", "-C", fmt, *revs, "--"], cwd)]
    merges: Iterator[Commit] | None = None
    try:
        for commit in _records(pipes[0]):
            if len(commit.parents) > 1:
                if merges is None:
                    pipes.append(GitPipe(["log", "-z", "--name-status", "--merges", "-c",
                                          "--no-renames", fmt, *revs, "--"], cwd))
                    merges = _records(pipes[1])
                commit.paths = next((m.paths for m in merges if m.sha == commit.sha), [])
            yield commit
    finally:
        for pipe in pipes:
            pipe.finish()
    for pipe in pipes:
        pipe.check(tolerate="does not have any commits")


class HistoryStore:
    """Builds, refreshes and caches the index for one repository's HEAD."""

    def __init__(self, cwd: Path, git_dir: Path, manifest_path: str = MANIFEST_NAME) -> None:
        self.cwd = cwd
        self.cache_file = git_dir / "proposal-tui" / "history.json"
        self.manifest_path = manifest_path
        self._index: HistoryIndex | None = None

    @property
    def index(self) -> HistoryIndex:
        """Read from the cache on first use, so that happens on the thread that refreshes (a
        TUI's load worker), not on the one building the service."""
        if self._index is None:
            self._index = self._load_cache() or HistoryIndex()
        return self._index

    @index.setter
    def index(self, value: HistoryIndex) -> None:
        self._index = value

    def _load_cache(self) -> HistoryIndex | None:
        try:
            return HistoryIndex.from_json(json.loads(self.cache_file.read_bytes()))
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            return None

    def _save_cache(self) -> None:
        try:
            write_atomic(self.cache_file, json.dumps(self.index.to_json(),
                                                     separators=(",", ":")).encode(),
                         durable=False, shared=self.cache_file.parent.parent)
        except OSError:
            pass  # a read-only repository still works; it just rescans next time

    def refresh(self, tip: str | None = None) -> HistoryIndex:
        """Bring the index up to ``tip`` (default HEAD), reading only what is new."""
        tip = tip if tip is not None else resolve_ref(self.cwd, "HEAD")
        index = self.index
        if tip == index.tip:
            index.commits_read = 0
            return index
        if tip is None:
            self.index = HistoryIndex()
            return self.index
        if index.tip is None or not is_ancestor(self.cwd, index.tip, tip):
            index = HistoryIndex()
            revs = [tip]
        else:
            revs = [tip, f"^{index.tip}"]
        count = self._absorb(index, iter_log(self.cwd, revs))
        index.max_seq += count
        index.tip = tip
        index.commits_read = count
        self.index = index
        self._save_cache()
        return index

    def _absorb(self, index: HistoryIndex, commits: Iterator[Commit]) -> int:
        """Fold commits (newest first, as they stream in) into the index; return how many.

        Sequence numbers are only known once the stream ends, so commits get provisional
        negative ones and the few aggregated values are shifted afterwards.
        """
        paths: dict[str, PathFacts] = {}
        sources: dict[str, list[tuple[str, int, PathFacts]]] = {}
        # old path -> collectors of what it holds before each rename or copy out of it: the
        # stream is newest first, so every commit after one touching old is older than it.
        inheriting: dict[str, list[PathFacts]] = {}
        manifest_commits: list[Commit] = []
        recent: list[dict] = []
        count = 0
        for count, commit in enumerate(commits, start=1):
            commit.seq = -count
            for path in commit.paths:
                if path == self.manifest_path:
                    manifest_commits.append(commit)
                facts = paths.get(path)
                if facts is None:
                    facts = paths[path] = PathFacts()
                facts.add(commit)
                for collector in inheriting.get(path, ()):
                    collector.add(commit)
            for old, new in commit.renames:
                collector = PathFacts()
                sources.setdefault(new, []).append((old, commit.seq, collector))
                inheriting.setdefault(old, []).append(collector)
            if len(recent) < HistoryIndex.RECENT_LIMIT:
                recent.append({"sha": commit.sha, "author": commit.author,
                               "email": commit.email, "ts": commit.timestamp,
                               "subject": commit.subject, "paths": commit.paths[:50],
                               "trailer": commit.trailer})
        shift = index.max_seq + count + 1
        for new, found in sources.items():
            merged = []
            for old, seq, collector in found:
                collector.shift(shift)
                before = index.paths.get(old)  # what older refreshes saw, before this one's
                merged.append((old, seq + shift, collector if before is None
                               else before.merged_with_newer(collector)))
            index.sources[new] = merged + index.sources.get(new, [])
        for path, facts in paths.items():
            facts.shift(shift)
            old = index.paths.get(path)
            index.paths[path] = facts if old is None else old.merged_with_newer(facts)
        index.recent[:0] = recent
        del index.recent[HistoryIndex.RECENT_LIMIT:]
        if manifest_commits:
            for commit in manifest_commits:
                commit.seq += shift
            self._absorb_manifest(index, manifest_commits[::-1])
        return count

    def _absorb_manifest(self, index: HistoryIndex, commits: list[Commit]) -> None:
        """Record, per section, since which commit its declared status has held."""
        names = [f"{c.sha}:{self.manifest_path}" for c in commits]
        blobs = read_objects(self.cwd, names)
        for commit, name in zip(commits, names):
            if name not in blobs:
                continue
            statuses = manifest_statuses(blobs[name].decode("utf-8", "replace"))
            for sid, status in statuses.items():
                if index.last_statuses.get(sid) != status or sid not in index.status_since:
                    index.status_since[sid] = commit.seq
            index.last_statuses = statuses
