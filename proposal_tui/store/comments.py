"""Comment events on their own branch, written by compare-and-swap, read in two processes.

The branch ``proposal-comments`` is never checked out: appends go through plumbing, so nobody's
index or work tree moves, and concurrent writers (people, processes) never lose an event.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

from proposal_tui.domain.comments import (
    Anchor,
    CommentEvent,
    Thread,
    event_path,
    from_json,
    open_counts,
    replay,
    to_json,
)
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.store.atomic import write_atomic
from proposal_tui.store.git import GitError, read_objects, run_git_bytes
from proposal_tui.store.plumbing import cas_commit, resolve_ref
from proposal_tui.store.signing import Signer

COMMENTS_REF = "refs/heads/proposal-comments"
_PREFIX = "comments/"
CACHE_VERSION = 1

_ROW_FIELDS = ("id", "action", "section", "thread", "author", "created", "body", "kind", "round",
               "anchor")
Listing = tuple[list[tuple[str, str]], list[str]]  # (path, blob id) of event files; other paths


def _event_row(event: CommentEvent) -> list[Any]:
    a = event.anchor
    return [event.id, event.action, event.section, event.thread, event.author,
            event.created.isoformat(), event.body, event.kind, event.round,
            None if a is None else [a.line_start, a.line_end, a.quote, a.commit]]


def _row_event(row: list[Any]) -> CommentEvent:
    """Rebuilt the way pickle would, without re-running validation: every row was a validated
    event when it was saved, and checking 5,000 of them again costs most of a warm start."""
    if len(row) != len(_ROW_FIELDS):
        raise ValueError("damaged comment cache row")
    values = dict(zip(_ROW_FIELDS, row))
    created = values["created"] = dt.datetime.fromisoformat(values["created"])
    if created.tzinfo is None:
        raise ValueError("damaged comment cache row")
    if values["anchor"] is not None:
        values["anchor"] = Anchor(*values["anchor"])
    event = object.__new__(CommentEvent)
    event.__dict__.update(values)
    return event


class CommentStore:
    """Reads are cached by tip, and parsed blobs by object id (they never change).

    With ``cache_dir`` (the git dir) both also persist, in ``proposal-tui/comments.json``, so
    a new process starts without listing the branch and parsing every event file again.

    One store serves a whole workspace, so reads may come from several threads at once (the
    TUI's load worker, a round screen's worker, an edit): a lock keeps each read whole.
    """

    def __init__(self, cwd: Path | str, ref: str = COMMENTS_REF,
                 cache_dir: Path | None = None) -> None:
        self.cwd = cwd
        self.ref = ref
        self.errors: list[ProposalError] = []  # malformed files at the last read tip
        self._tip: str | None = None
        self._events: list[CommentEvent] = []
        self._blobs: dict[str, CommentEvent | ProposalError] = {}
        self._cache_file = None if cache_dir is None else \
            cache_dir / "proposal-tui" / "comments.json"
        self._cached: tuple[str, Listing] | None = None  # the disk cache's (tip, listing)
        self._lock = threading.RLock()

    def append(self, event: CommentEvent, author: Identity,
               signer: Signer | None = None) -> str:
        """Add exactly one new file; returns the commit that holds it (signed with
        ``signer``, in a process the server started)."""
        path, data = event_path(event), to_json(event)
        message = f"comment: {event.section} {event.action} {event.id}"
        return cas_commit(self.cwd, self.ref, lambda _tip: {path: data}, message, author,
                          when=event.created, signer=signer)

    def events(self) -> list[CommentEvent]:
        tip = resolve_ref(self.cwd, self.ref)
        with self._lock:
            if tip is None:
                self._tip, self._events, self.errors = None, [], []
            elif tip != self._tip:
                self._read(tip)
                self._tip = tip
            return list(self._events)

    def threads(self) -> list[Thread]:
        return replay(self.events())

    def open_counts(self, cache_dir: Path) -> tuple[dict[str, int], int]:
        """(unresolved threads per section, malformed files), kept on disk by branch tip so a
        one-shot command such as `proposal status` need not parse every event again."""
        tip = resolve_ref(self.cwd, self.ref)
        if tip is None:
            return {}, 0
        cache = cache_dir / "proposal-tui" / "comment-counts.json"
        try:
            data = json.loads(cache.read_bytes())
            if data.get("tip") == tip:
                return dict(data["counts"]), int(data["errors"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            pass
        counts = open_counts(self.threads())
        try:
            write_atomic(cache, json.dumps({"tip": tip, "counts": counts,
                                            "errors": len(self.errors)}).encode(),
                         durable=False, shared=cache_dir)
        except OSError:
            pass  # read-only repository: recount next time
        return counts, len(self.errors)

    def _read(self, tip: str) -> None:
        if self._cache_file is not None and self._cached is None and not self._blobs:
            self._cached = self._load_cache()
        cached = self._cached
        listing = cached[1] if cached is not None and cached[0] == tip else self._list(tip)
        entries, others = listing
        new = [sha for _, sha in entries if sha not in self._blobs]
        self._load(new)
        events = []
        errors = [ProposalError("not a comment event file", path=path) for path in others]
        for path, sha in entries:
            parsed = self._blobs[sha]
            if isinstance(parsed, ProposalError):
                errors.append(ProposalError(parsed.message, path=path, line=parsed.line,
                                            column=parsed.column))
            elif event_path(parsed) != path:
                errors.append(ProposalError(
                    f"file name does not match its event (expected {event_path(parsed)})",
                    path=path))
            else:
                events.append((path, parsed))
        events = self._first_written(tip, events, errors)
        self._events, self.errors = events, errors
        if self._cache_file is not None and (new or cached is None or cached[0] != tip):
            self._save_cache(tip, listing)

    def _first_written(self, tip: str, events: list[tuple[str, CommentEvent]],
                       errors: list[ProposalError]) -> list[CommentEvent]:
        """One event per id: the one whose file came first in the branch's history. An id
        is the thread's identity, so a later file reusing it (under another section) could
        take somebody's thread over by an earlier ``created``; it is reported instead."""
        paths: dict[str, list[str]] = {}
        for path, event in events:
            paths.setdefault(event.id, []).append(path)
        clashing = [p for group in paths.values() if len(group) > 1 for p in group]
        if not clashing:
            return [event for _path, event in events]
        added = run_git_bytes(["log", "--reverse", "--topo-order", "--format=", "--name-only",
                               "-z", "--diff-filter=A", tip, "--", *clashing], self.cwd,
                              env={"GIT_LITERAL_PATHSPECS": "1"}).stdout
        order: dict[str, int] = {}
        for raw in added.split(b"\0"):
            name = raw.strip(b"\n").decode("utf-8", "replace")
            if name:
                order.setdefault(name, len(order))
        kept: dict[str, str] = {}
        for event_id, group in paths.items():
            first = min(group, key=lambda p: (order.get(p, len(order)), p))
            kept[event_id] = first
            errors += [ProposalError(f"duplicate event id {event_id}: {first} was written "
                                     "first and is the one kept; this copy is ignored",
                                     path=p) for p in group if p != first]
        return [event for path, event in events if kept[event.id] == path]

    def _list(self, tip: str) -> Listing:
        listing = run_git_bytes(["ls-tree", "-r", "-z", "--full-tree", tip], self.cwd).stdout
        entries: list[tuple[str, str]] = []
        others: list[str] = []
        for record in listing.split(b"\0"):
            if not record:
                continue
            meta, _, raw_path = record.partition(b"\t")
            mode, otype, sha = meta.decode("ascii").split(" ")
            path = raw_path.decode("utf-8", "replace")
            if not path.startswith(_PREFIX):
                continue  # the branch may carry a README or similar: not ours to judge
            if otype != "blob" or mode not in ("100644", "100755") or not path.endswith(".json"):
                others.append(path)
                continue
            entries.append((path, sha))
        return entries, others

    def _load_cache(self) -> tuple[str, Listing] | None:
        """The persisted (tip, listing), after putting its parsed blobs in memory."""
        assert self._cache_file is not None
        try:
            data = json.loads(self._cache_file.read_bytes())
            if data["version"] != CACHE_VERSION:
                return None
            blobs: dict[str, CommentEvent | ProposalError] = {
                sha: _row_event(row) for sha, row in data["events"].items()}
            for sha, (message, line, column) in data["bad"].items():
                blobs[sha] = ProposalError(message, line=line, column=column)
            listing = ([(path, sha) for path, sha in data["entries"]], list(data["others"]))
            tip = data["tip"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ProposalError,
                RecursionError):
            return None  # missing, damaged or stale: read the branch itself
        if not isinstance(tip, str) or any(sha not in blobs for _path, sha in listing[0]):
            return None
        self._blobs.update(blobs)
        return tip, listing

    def _save_cache(self, tip: str, listing: Listing) -> None:
        assert self._cache_file is not None
        entries, others = listing
        events: dict[str, list[Any]] = {}
        bad: dict[str, list[Any]] = {}
        for _path, sha in entries:
            parsed = self._blobs[sha]
            if isinstance(parsed, ProposalError):
                bad[sha] = [parsed.message, parsed.line, parsed.column]
            else:
                events[sha] = _event_row(parsed)
        data = {"version": CACHE_VERSION, "tip": tip, "entries": entries, "others": others,
                "events": events, "bad": bad}
        try:
            write_atomic(self._cache_file, json.dumps(data, separators=(",", ":")).encode(),
                         durable=False, shared=self._cache_file.parent.parent)
            self._cached = tip, listing
        except OSError:
            pass  # read-only repository: parse the branch again next time

    def _load(self, shas: list[str]) -> None:
        """All new blobs through one ``git cat-file --batch``, whatever their number."""
        shas = list(dict.fromkeys(shas))
        if not shas:
            return
        blobs = read_objects(self.cwd, shas)
        for sha in shas:
            data = blobs.get(sha)
            if data is None:
                raise GitError(f"git cat-file: no blob {sha} on the comments branch")
            try:
                self._blobs[sha] = from_json(data, origin="")
            except ProposalError as exc:
                self._blobs[sha] = exc
