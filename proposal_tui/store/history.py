"""The git history index: per-file commit facts from one streaming ``git log`` pass.

Facts are kept per path (not per section) so a manifest that renames or re-points a section
needs no rescan; renames recorded in history let a section inherit its file's past. The
index is cached under ``.git/proposal-tui/`` and refreshed incrementally: only ``old..new``
is read, unless history was rewritten, which triggers a full rebuild.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from proposal_tui.domain.manifest import MANIFEST_NAME, manifest_statuses
from proposal_tui.domain.model import CommitRef, SectionHistory, parse_status
from proposal_tui.store.atomic import write_atomic
from proposal_tui.store.git import GitError, git_env, run_git, run_git_bytes

CACHE_VERSION = 3
TRAILER_KEY = "Proposal-Status"
_LOG_FORMAT = (f"%x1e%H%x1f%P%x1f%at%x1f%an%x1f%ae%x1f"
               f"%(trailers:key={TRAILER_KEY},valueonly,separator=%x1d)%x1f%s")
_HEADER_RE = re.compile(r"^\n?\x1e[0-9a-f]{40,64}\x1f")
_STATUS_RE = re.compile(r"^\n?([AMDTUXB]|[RC]\d*)$")


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
    renames: list[tuple[str, str]] = field(default_factory=list)  # (old, new)


@dataclass
class PathFacts:
    commits: int = 0
    first: list | None = None  # [seq, sha, author, email, ts, subject]
    last: list | None = None
    contributors: dict[str, list] = field(default_factory=dict)  # email -> [seq, name]
    trailer: list | None = None  # [seq, status, ts, sha]

    def add(self, c: Commit) -> None:
        ref = [c.seq, c.sha, c.author, c.email, c.timestamp, c.subject]
        self.commits += 1
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


def _ref(entry: list | None) -> CommitRef | None:
    if entry is None:
        return None
    _seq, sha, author, email, ts, subject = entry
    return CommitRef(sha=sha, author=author, email=email, subject=subject,
                     date=dt.datetime.fromtimestamp(ts, dt.timezone.utc))


@dataclass
class HistoryIndex:
    """Aggregated facts for every path that history touched, plus renames and the manifest."""

    tip: str | None = None
    max_seq: int = 0
    paths: dict[str, PathFacts] = field(default_factory=dict)
    renames: dict[str, list] = field(default_factory=dict)  # new -> [old, seq]
    status_since: dict[str, int] = field(default_factory=dict)  # section -> seq
    last_statuses: dict[str, str] = field(default_factory=dict)
    recent: list[dict] = field(default_factory=list)  # newest first, bounded activity feed
    commits_read: int = 0  # how many commits the last refresh parsed (for tests, benchmarks)

    RECENT_LIMIT = 200

    def lineage(self, path: str) -> list[str]:
        """The path and every path it was renamed from, newest first."""
        chain, seen = [path], {path}
        while (prev := self.renames.get(chain[-1])) and prev[0] not in seen:
            chain.append(prev[0])
            seen.add(prev[0])
        return chain

    def section_history(self, path: str) -> SectionHistory:
        facts = [self.paths[p] for p in self.lineage(path) if p in self.paths]
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
        return SectionHistory(
            commits=sum(f.commits for f in facts), first=_ref(first), last=_ref(last),
            contributors=tuple(sorted(contributors, key=lambda e: -contributors[e][0])),
            trailer_status=parse_status(trailer[1]) if trailer else None,
            trailer_at=dt.datetime.fromtimestamp(trailer[2], dt.timezone.utc) if trailer
            else None,
            trailer_sha=trailer[3] if trailer else None,
            last_seq=last[0] if last else -1, trailer_seq=trailer[0] if trailer else -1)

    # -- persistence -------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {"version": CACHE_VERSION, "tip": self.tip, "max_seq": self.max_seq,
                "paths": {p: [f.commits, f.first, f.last, f.contributors, f.trailer]
                          for p, f in self.paths.items()},
                "renames": self.renames, "status_since": self.status_since,
                "last_statuses": self.last_statuses, "recent": self.recent}

    @classmethod
    def from_json(cls, data: dict) -> HistoryIndex | None:
        if data.get("version") != CACHE_VERSION:
            return None
        index = cls(tip=data["tip"], max_seq=data["max_seq"], renames=data["renames"],
                    status_since=data["status_since"], last_statuses=data["last_statuses"],
                    recent=data["recent"])
        for path, (commits, first, last, contributors, trailer) in data["paths"].items():
            index.paths[path] = PathFacts(commits, first, last, contributors, trailer)
        return index


def _parse_header(token: str) -> Commit:
    fields = token.lstrip("\n")[1:].split("\x1f", 6)
    sha, parents, ts, author, email, trailers, subject = fields
    values = [v.strip() for v in trailers.split("\x1d") if v.strip()]
    return Commit(sha=sha, parents=parents.split(), timestamp=int(ts), author=author,
                  email=email, subject=subject, trailer=values[-1] if values else None)


def iter_log(cwd: Path, revs: list[str]) -> Iterator[Commit]:
    """Stream commits newest first from one ``git log`` process, parsing as bytes arrive."""
    args = ["git", "log", "-z", "--name-status", "-M", f"--format={_LOG_FORMAT}", *revs, "--"]
    proc = subprocess.Popen(args, cwd=str(cwd), env=git_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None
    current: Commit | None = None
    pending: list[str] = []  # tokens of the current name-status entry
    need = 0
    tail = b""
    try:
        while chunk := proc.stdout.read(1 << 20):
            tokens = (tail + chunk).split(b"\0")
            tail = tokens.pop()
            for raw in tokens:
                token = raw.decode("utf-8", "surrogateescape")
                if need:
                    pending.append(token)
                    need -= 1
                    if need == 0 and current is not None:
                        _apply_entry(current, pending)
                    continue
                if _HEADER_RE.match(token):
                    if current is not None:
                        yield current
                    current = _parse_header(token)
                    continue
                match = _STATUS_RE.match(token)
                if match:
                    code = match.group(1)
                    pending = [code]
                    need = 2 if code[0] in "RC" else 1
        if tail:
            token = tail.decode("utf-8", "surrogateescape")
            if _HEADER_RE.match(token):
                if current is not None:
                    yield current
                current = _parse_header(token)
        if current is not None:
            yield current
    finally:
        proc.stdout.close()
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        code = proc.wait()
    if code != 0 and "does not have any commits" not in stderr:
        raise GitError(f"git log failed: {(stderr.strip().splitlines() or ['?'])[0]}")


def _apply_entry(commit: Commit, entry: list[str]) -> None:
    code = entry[0]
    if code[0] == "R":
        commit.renames.append((entry[1], entry[2]))
        commit.paths.append(entry[2])
    elif code[0] == "C":
        commit.paths.append(entry[2])
    elif code[0] != "D":
        commit.paths.append(entry[1])


class HistoryStore:
    """Builds, refreshes and caches the index for one repository's HEAD."""

    def __init__(self, cwd: Path, git_dir: Path, manifest_path: str = MANIFEST_NAME) -> None:
        self.cwd = cwd
        self.cache_file = git_dir / "proposal-tui" / "history.json"
        self.manifest_path = manifest_path
        self.index = self._load_cache() or HistoryIndex()

    def _load_cache(self) -> HistoryIndex | None:
        try:
            return HistoryIndex.from_json(json.loads(self.cache_file.read_bytes()))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _save_cache(self) -> None:
        try:
            write_atomic(self.cache_file, json.dumps(self.index.to_json(),
                                                     separators=(",", ":")).encode())
        except OSError:
            pass  # a read-only repository still works; it just rescans next time

    def head(self) -> str | None:
        out = run_git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], self.cwd,
                      check=False).strip()
        return out or None

    def refresh(self, tip: str | None = None) -> HistoryIndex:
        """Bring the index up to ``tip`` (default HEAD), reading only what is new."""
        tip = tip if tip is not None else self.head()
        index = self.index
        if tip == index.tip:
            index.commits_read = 0
            return index
        if tip is None:
            self.index = HistoryIndex()
            return self.index
        if index.tip is None or not self._is_ancestor(index.tip, tip):
            index = HistoryIndex()
            revs = [tip]
        else:
            revs = [tip, f"^{index.tip}"]
        commits = list(iter_log(self.cwd, revs))
        commits.reverse()  # oldest first, so sequence numbers grow with time
        for offset, commit in enumerate(commits, start=1):
            commit.seq = index.max_seq + offset
        self._absorb(index, commits)
        index.max_seq += len(commits)
        index.tip = tip
        index.commits_read = len(commits)
        self.index = index
        self._save_cache()
        return index

    def _is_ancestor(self, old: str, new: str) -> bool:
        proc = run_git_bytes(["merge-base", "--is-ancestor", old, new], self.cwd, check=False)
        return proc.returncode == 0

    def _absorb(self, index: HistoryIndex, commits: list[Commit]) -> None:
        manifest_commits: list[Commit] = []
        for commit in commits:
            for old, new in commit.renames:
                index.renames[new] = [old, commit.seq]
            for path in commit.paths:
                if path == self.manifest_path:
                    manifest_commits.append(commit)
                index.paths.setdefault(path, PathFacts()).add(commit)
        for commit in commits[-HistoryIndex.RECENT_LIMIT:]:
            index.recent.insert(0, {"sha": commit.sha, "author": commit.author,
                                    "email": commit.email, "ts": commit.timestamp,
                                    "subject": commit.subject, "paths": commit.paths[:50],
                                    "trailer": commit.trailer})
        del index.recent[HistoryIndex.RECENT_LIMIT:]
        if manifest_commits:
            self._absorb_manifest(index, manifest_commits)

    def _absorb_manifest(self, index: HistoryIndex, commits: list[Commit]) -> None:
        """Record, per section, since which commit its declared status has held."""
        request = "".join(f"{c.sha}:{self.manifest_path}\n" for c in commits).encode()
        out = run_git_bytes(["cat-file", "--batch"], self.cwd, input=request).stdout
        pos = 0
        for commit in commits:
            header_end = out.index(b"\n", pos)
            header = out[pos:header_end].split()
            pos = header_end + 1
            if len(header) < 3 or header[1] != b"blob":
                continue
            size = int(header[2])
            text = out[pos:pos + size].decode("utf-8", "replace")
            pos += size + 1
            statuses = manifest_statuses(text)
            for sid, status in statuses.items():
                if index.last_statuses.get(sid) != status or sid not in index.status_since:
                    index.status_since[sid] = commit.seq
            index.last_statuses = statuses
