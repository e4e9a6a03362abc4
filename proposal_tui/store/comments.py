"""Comment events on their own branch, written by compare-and-swap, read in two processes.

The branch ``proposal-comments`` is never checked out: appends go through plumbing, so nobody's
index or work tree moves, and concurrent writers (people, processes) never lose an event.
"""

from __future__ import annotations

import json
from pathlib import Path

from proposal_tui.domain.comments import (CommentEvent, Thread, event_path, from_json, open_counts,
                                          replay, to_json)
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.store.atomic import write_atomic
from proposal_tui.store.git import GitError, read_objects, run_git_bytes
from proposal_tui.store.plumbing import cas_commit, resolve_ref

COMMENTS_REF = "refs/heads/proposal-comments"
_PREFIX = "comments/"


class CommentStore:
    """Reads are cached by tip, and parsed blobs by object id (they never change)."""

    def __init__(self, cwd: Path | str, ref: str = COMMENTS_REF) -> None:
        self.cwd = cwd
        self.ref = ref
        self.errors: list[ProposalError] = []  # malformed files at the last read tip
        self._tip: str | None = None
        self._events: list[CommentEvent] = []
        self._blobs: dict[str, CommentEvent | ProposalError] = {}

    def append(self, event: CommentEvent, author: Identity) -> str:
        """Add exactly one new file; returns the commit that holds it."""
        path, data = event_path(event), to_json(event)
        message = f"comment: {event.section} {event.action} {event.id}"
        return cas_commit(self.cwd, self.ref, lambda _tip: {path: data}, message, author,
                          when=event.created)

    def events(self) -> list[CommentEvent]:
        tip = resolve_ref(self.cwd, self.ref)
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
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        counts = open_counts(self.threads())
        try:
            write_atomic(cache, json.dumps({"tip": tip, "counts": counts,
                                            "errors": len(self.errors)}).encode())
        except OSError:
            pass  # read-only repository: recount next time
        return counts, len(self.errors)

    def _read(self, tip: str) -> None:
        listing = run_git_bytes(["ls-tree", "-r", "-z", "--full-tree", tip], self.cwd).stdout
        entries: list[tuple[str, str]] = []
        errors: list[ProposalError] = []
        for record in listing.split(b"\0"):
            if not record:
                continue
            meta, _, raw_path = record.partition(b"\t")
            mode, otype, sha = meta.decode("ascii").split(" ")
            path = raw_path.decode("utf-8", "replace")
            if not path.startswith(_PREFIX):
                continue  # the branch may carry a README or similar: not ours to judge
            if otype != "blob" or mode not in ("100644", "100755") or not path.endswith(".json"):
                errors.append(ProposalError("not a comment event file", path=path))
                continue
            entries.append((path, sha))
        self._load([sha for _, sha in entries if sha not in self._blobs])
        events = []
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
                events.append(parsed)
        self._events, self.errors = events, errors

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
