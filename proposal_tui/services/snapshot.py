"""Everything one screen (or `proposal status`) shows, gathered in one place.

A :class:`ProposalService` keeps the history index warm between refreshes, so a refresh after
one new commit reads only that commit.
"""

from __future__ import annotations

import datetime as dt
import heapq
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

from proposal_tui.domain.clock import Clock
from proposal_tui.domain.comments import Thread, follow_renames, open_counts, renamed_counts
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.manifest import MANIFEST_NAME, build_manifest, manifest_statuses, read_toml
from proposal_tui.domain.model import Manifest, SectionState
from proposal_tui.domain.status import UNCOMMITTED, bad_trailer_message, evaluate
from proposal_tui.domain.text import decode_text
from proposal_tui.domain.wordcount import count_words, format_for_path
from proposal_tui.store.comments import CommentStore
from proposal_tui.store.history import HistoryIndex, HistoryStore
from proposal_tui.store.manifest_edit import recover_interrupted_edit
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.store.rounds import list_rounds
from proposal_tui.store.toml_cache import TomlCache
from proposal_tui.store.wordcache import WordCache

ACTIVITY_KEPT = 100  # newest commits and comment events in a snapshot's activity feed
FileWords = dict[str, tuple[int, int | None, str | None, bool]]  # see _section_words
Comments = tuple[list[Thread], dict[str, int], tuple[str, ...]]  # threads, open, errors


@dataclass(frozen=True)
class Activity:
    """One line of the activity feed: a commit or a comment event."""

    when: dt.datetime
    who: str
    what: str  # "commit", "comment", "reply", "resolve", "reopen"
    subject: str
    sections: tuple[str, ...] = ()
    sha: str = ""


@dataclass(frozen=True)
class Snapshot:
    manifest: Manifest
    states: tuple[SectionState, ...]
    now: dt.datetime
    head: str | None
    problems: tuple[ProposalError, ...] = ()
    activity: tuple[Activity, ...] = ()
    threads: tuple[Thread, ...] = ()
    comment_errors: tuple[str, ...] = ()
    commits_read: int = 0
    bare: bool = False
    branch: str | None = None  # the branch checked out; None on a detached HEAD
    read_only: bool = False  # git could not write here (a read-only mount, others' files)
    # What the section files are made of, so a reader of their text (the TUI preview) can
    # reuse what it read before: path -> committed blob id, and the paths whose work-tree
    # copy may differ from it (None: all of them, e.g. no commit yet).
    blob_ids: Mapping[str, str] = field(default_factory=dict)
    worktree_changed: frozenset[str] | None = None

    def state(self, section_id: str) -> SectionState | None:
        return self._states_by_id.get(section_id)

    @property
    def head_label(self) -> str:
        """The branch, or where a detached HEAD is ("detached at abc1234")."""
        if self.branch is not None:
            return self.branch
        return f"detached at {self.head[:7]}" if self.head else "detached"

    @property
    def trailer_warnings(self) -> list[str]:
        """A line for each section whose newest Proposal-Status trailer names no status."""
        return [f"{s.section.file}: section '{s.section.id}': "
                f"{bad_trailer_message(s.history.bad_trailer)}"
                for s in self.states if s.history.bad_trailer is not None]

    def threads_for(self, section_id: str) -> list[Thread]:
        return list(self._threads_by_section.get(section_id, ()))

    # Indexes built on first use: the TUI asks on every cursor move, and a linear pass over
    # 5,000 threads and 500 sections cost more than a millisecond each time.
    @cached_property
    def _states_by_id(self) -> dict[str, SectionState]:
        return {s.section.id: s for s in reversed(self.states)}  # the first wins, as before

    @cached_property
    def _threads_by_section(self) -> dict[str, list[Thread]]:
        index: dict[str, list[Thread]] = {}
        for thread in self.threads:
            index.setdefault(thread.section, []).append(thread)
        return index


# The served manifests as the fork server of `proposal serve` parsed them before its last
# fork (:func:`warm`), by content (a Manifest is frozen): the command it forks finds its
# manifest here (~4 ms of CPU each otherwise).
_WARMED: dict[bytes, Manifest] = {}


def load_manifest(repo: ProposalRepo, entries: dict[str, tuple[str, str]] | None = None,
                  cache: dict[bytes, Manifest] | None = None
                  ) -> tuple[Manifest, bytes | None, bytes]:
    """The manifest in force (work tree in a clone), the committed bytes, the current bytes.

    ``cache`` remembers the last parse by content: parsing 300 sections costs ~150 ms, and
    a live refresh after a commit that did not touch the plan should not pay it again.
    """
    current, committed = repo.manifest_bytes(entries)
    manifest = cache.get(current) if cache is not None else None
    if manifest is None:
        manifest = _WARMED.get(current)
    if manifest is None:
        kept = TomlCache(repo.git_dir)  # tomllib's part of the parse, for a new process
        document = kept.get(current)
        if document is None:
            document = read_toml(decode_text(current, MANIFEST_NAME), MANIFEST_NAME)
            kept.put(current, document)
        manifest = build_manifest(document, MANIFEST_NAME)
    if cache is not None and current not in cache:
        cache.clear()  # one entry: the plan as it is now
        cache[current] = manifest
    return manifest, committed, current


def warm(repo: ProposalRepo) -> None:
    """Read what a command on ``repo`` reads first (the manifest, parsed; the review rounds)
    into this process's memories. The fork server of `proposal serve` calls it before each
    fork: each answer is kept by the refs it comes from, so this costs a few file reads unless
    HEAD or a round tag moved, and the forked command then starts no git process for them."""
    manifest, _committed, current = load_manifest(repo)
    if current not in _WARMED:
        if len(_WARMED) >= 32:
            _WARMED.clear()  # plans of the past: a long-running server must not gather them
        _WARMED[current] = manifest
    list_rounds(repo)


def _count(data: bytes, path: str, fmt: str) -> int | str:
    """Words in a file's text, or why it has none (binary, not UTF-8)."""
    try:
        return count_words(decode_text(data, path), fmt)
    except ProposalError as exc:
        return exc.message + (f" (line {exc.line})" if exc.line else "")


class _KnownBlobs:
    """Blob ids whose counts are cached, so their content need not be read."""

    def __init__(self, cache: WordCache, paths: list[str]) -> None:
        self.cache = cache
        self.formats = {format_for_path(p) for p in paths}

    def __contains__(self, sha: object) -> bool:
        return isinstance(sha, str) and any(self.cache.get(sha, f) is not None
                                            for f in self.formats)


@dataclass
class ProposalService:
    """The plan and its state now. One per workspace (:class:`~.workspace.Workspace`), which
    hands it the workspace's comment store; a lock keeps two threads from refreshing its
    history index at once (the TUI's load worker and a compliance read, say)."""

    repo: ProposalRepo
    clock: Clock
    comments: CommentStore

    def __post_init__(self) -> None:
        self.history = HistoryStore(self.repo.root, self.repo.git_dir)
        self.words = WordCache(self.repo.git_dir)
        self._parsed: dict[bytes, Manifest] = {}
        self._lock = threading.RLock()

    def manifest(self) -> Manifest:
        return load_manifest(self.repo, cache=self._parsed)[0]

    def history_index(self, head: str | None) -> HistoryIndex:
        """The history index brought up to ``head`` (reads only the commits it lacks)."""
        with self._lock:
            return self.history.refresh(head)

    def snapshot(self, threads: bool = True) -> Snapshot:
        """Everything at once. Without ``threads`` (one-shot commands that only need counts)
        the comment threads are not parsed; counts come from a cache kept by branch tip."""
        with self._lock:
            return self._snapshot(threads)

    def _snapshot(self, threads: bool) -> Snapshot:
        recover_interrupted_edit(self.repo)
        # HEAD and its tree are read once and shared by every step (a git process is ~3 ms,
        # the largest cost of a refresh after one commit), which also keeps them consistent.
        head = self.repo.head()
        entries = self.repo.tree_entries(head) if head is not None else {}
        manifest, committed, current = load_manifest(self.repo, entries, self._parsed)
        # A first scan of a long history mostly waits on git log; the comment events and the
        # section files are read meanwhile (~0.4 s of a cold status at 50,000 commits).
        with ThreadPoolExecutor(max_workers=1) as pool:
            beside = pool.submit(self._files_and_comments, manifest, entries, head, threads)
            index = self.history.refresh(head)
            changed, words, (all_threads, counts, comment_errors) = beside.result()
        declared = self._declared_seqs(manifest, committed, current, index)
        states: list[SectionState] = []
        problems: list[ProposalError] = []
        for section in manifest.ordered_sections:
            count, uncommitted, error, missing = words[section.file]
            if error:
                problems.append(ProposalError(f"section '{section.id}': {error}", section.file))
            states.append(evaluate(
                section, manifest.proposal, self.clock, words=count,
                history=index.section_history(section.file),
                declared_seq=declared.get(section.id, UNCOMMITTED),
                open_comments=counts.get(section.id, 0), uncommitted_words=uncommitted,
                missing=missing, error=error))
        return Snapshot(manifest=manifest, states=tuple(states), now=self.clock.now(),
                        head=head, problems=tuple(problems),
                        activity=tuple(self._activity(manifest, index, all_threads)),
                        threads=tuple(all_threads), comment_errors=comment_errors,
                        commits_read=index.commits_read, bare=self.repo.bare,
                        branch=self.repo.branch(), read_only=self.repo.read_only,
                        blob_ids={p: e[1] for p in words if (e := entries.get(p))},
                        worktree_changed=None if changed is None else frozenset(changed))

    def _files_and_comments(self, manifest: Manifest, entries: dict[str, tuple[str, str]],
                            head: str | None, threads: bool
                            ) -> tuple[set[str] | None, FileWords, Comments]:
        """What the work tree and the comment branch say."""
        changed = self.repo.changed_paths(head)
        words = self._section_words([s.file for s in manifest.sections], entries, changed)
        if threads:
            all_threads = follow_renames(self.comments.threads(), manifest.aliases)
            comments = (all_threads, open_counts(all_threads),
                        tuple(str(e) for e in self.comments.errors))
        else:
            counts, bad = self.comments.open_counts(self.repo.git_dir)
            comments = ([], renamed_counts(counts, manifest.aliases),
                        (f"{bad} malformed comment event files (see 'proposal validate')",)
                        if bad else ())
        return changed, words, comments

    def _section_words(self, paths: list[str], entries: dict[str, tuple[str, str]],
                       changed: set[str] | None) -> FileWords:
        """(words, uncommitted words, error, missing) per file, reading only what changed:
        committed counts come from the cache by blob id, work-tree files only where git says
        (``changed``) they may differ from HEAD."""
        cache = self.words
        files = self.repo.read_files(paths, entries, known=_KnownBlobs(cache, paths),
                                     changed=changed)
        result = {}
        for path, content in files.items():
            fmt = format_for_path(path)
            error = content.problem
            words = 0
            if not error and content.committed_sha is not None:
                cached = cache.get(content.committed_sha, fmt)
                if cached is None and content.committed is not None:
                    cached = _count(content.committed, path, fmt)
                    cache.put(content.committed_sha, fmt, cached)
                if isinstance(cached, str):
                    error = cached
                elif cached is not None:
                    words = cached
            uncommitted = None
            if not error and content.uncommitted and content.working is not None:
                counted = _count(content.working, path, fmt)
                error = counted if isinstance(counted, str) else None
                uncommitted = counted if isinstance(counted, int) else None
            missing = content.missing
            if content.deleted:
                error = f"deleted in the work tree, not committed ('git checkout -- {path}' " \
                        "restores it)"
            elif missing:
                error = "file is missing from the repository"
            result[path] = (words, uncommitted, error, missing)
        cache.save()
        return result

    @staticmethod
    def _declared_seqs(manifest: Manifest, committed: bytes | None, current: bytes,
                       index: HistoryIndex) -> dict[str, int]:
        """Since which commit each section's declared status holds (UNCOMMITTED if edited)."""
        if committed is None:
            return {}
        if committed == current:
            head_statuses = {s.id: s.status.value for s in manifest.sections}
        else:
            head_statuses = manifest_statuses(committed.decode("utf-8", "replace"))
        return {s.id: index.status_since.get(s.id, UNCOMMITTED)
                for s in manifest.sections if head_statuses.get(s.id) == s.status.value}

    @staticmethod
    def _activity(manifest: Manifest, index: HistoryIndex,
                  threads: list[Thread]) -> list[Activity]:
        by_path: dict[str, str] = {}
        for section in manifest.sections:
            for path in index.lineage(section.file):
                by_path.setdefault(path, section.id)
        items = [Activity(when=dt.datetime.fromtimestamp(c["ts"], dt.UTC),
                          who=c["author"], what="commit", subject=c["subject"],
                          sections=tuple(dict.fromkeys(by_path[p] for p in c["paths"]
                                                       if p in by_path)), sha=c["sha"])
                 for c in index.recent]
        events = [e for thread in threads
                  for e in ([thread.root] if thread.root else []) + thread.events]
        # Only the newest can be in the feed: building all 5,000 of a large proposal (and
        # splitting every body into lines) was ~20 ms of each load. nlargest is a stable
        # sort, so ties keep the order they had.
        for e in heapq.nlargest(ACTIVITY_KEPT, events, key=lambda e: e.created):
            items.append(Activity(when=e.created, who=e.author, what=e.action,
                                  subject=e.body.splitlines()[0] if e.body else "",
                                  sections=(e.section,), sha=e.id))
        items.sort(key=lambda a: a.when, reverse=True)
        return items[:ACTIVITY_KEPT]
