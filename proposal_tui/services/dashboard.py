"""Everything one screen (or `proposal status`) shows, gathered in one place.

A :class:`ProposalService` keeps the history index warm between refreshes, so a refresh after
one new commit reads only that commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from proposal_tui.domain.clock import Clock, SystemClock
from proposal_tui.domain.comments import Thread, open_counts
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.manifest import MANIFEST_NAME, manifest_statuses, parse_manifest
from proposal_tui.domain.model import Manifest, SectionState
from proposal_tui.domain.status import UNCOMMITTED, evaluate
from proposal_tui.domain.wordcount import count_words, format_for_path
from proposal_tui.store.comments import CommentStore
from proposal_tui.store.history import HistoryIndex, HistoryStore
from proposal_tui.store.manifest_edit import recover_interrupted_edit
from proposal_tui.store.repo import FileContent, ProposalRepo


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

    def state(self, section_id: str) -> SectionState | None:
        return next((s for s in self.states if s.section.id == section_id), None)

    def threads_for(self, section_id: str) -> list[Thread]:
        return [t for t in self.threads if t.section == section_id]


def decode_text(data: bytes, path: str) -> str:
    """UTF-8 or a ProposalError naming the line of the first bad byte."""
    if b"\0" in data[:8192]:
        raise ProposalError("binary file, not text (a section must be a text file)", path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProposalError(f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8",
                            path, line) from None


def load_manifest(repo: ProposalRepo) -> tuple[Manifest, bytes | None, str]:
    current, committed = repo.manifest_bytes()
    text = decode_text(current, MANIFEST_NAME)
    return parse_manifest(text, MANIFEST_NAME), committed, text


@dataclass
class ProposalService:
    """The use-case layer shared by the CLI and the TUI."""

    repo: ProposalRepo
    clock: Clock = field(default_factory=SystemClock)

    def __post_init__(self) -> None:
        self.history = HistoryStore(self.repo.root, self.repo.git_dir)
        self.comments = CommentStore(self.repo.root)

    def manifest(self) -> Manifest:
        return load_manifest(self.repo)[0]

    def snapshot(self) -> Snapshot:
        recover_interrupted_edit(self.repo)
        manifest, committed, _text = load_manifest(self.repo)
        head = self.repo.head()
        index = self.history.refresh(head)
        declared = self._declared_seqs(manifest, committed, index)
        paths = [s.file for s in manifest.sections]
        files = self.repo.read_files(paths)
        threads = self.comments.threads()
        counts = open_counts(threads)
        states: list[SectionState] = []
        problems: list[ProposalError] = []
        for section in manifest.ordered_sections:
            content = files[section.file]
            words, uncommitted, error = self._words(content, section.file)
            missing = content.missing
            if missing:
                error = "file is missing from the repository"
            if error:
                problems.append(ProposalError(f"section '{section.id}': {error}", section.file))
            states.append(evaluate(
                section, manifest.proposal, self.clock, words=words,
                history=index.section_history(section.file),
                declared_seq=declared.get(section.id, UNCOMMITTED),
                open_comments=counts.get(section.id, 0), uncommitted_words=uncommitted,
                missing=missing, error=error))
        return Snapshot(manifest=manifest, states=tuple(states), now=self.clock.now(),
                        head=head, problems=tuple(problems),
                        activity=tuple(self._activity(manifest, index, threads)),
                        threads=tuple(threads), comment_errors=tuple(str(e) for e in self.comments.errors),
                        commits_read=index.commits_read, bare=self.repo.bare)

    @staticmethod
    def _declared_seqs(manifest: Manifest, committed: bytes | None,
                       index: HistoryIndex) -> dict[str, int]:
        """Since which commit each section's declared status holds (UNCOMMITTED if edited)."""
        if committed is None:
            return {}
        head_statuses = manifest_statuses(committed.decode("utf-8", "replace"))
        return {s.id: index.status_since.get(s.id, UNCOMMITTED)
                for s in manifest.sections if head_statuses.get(s.id) == s.status.value}

    @staticmethod
    def _words(content: FileContent, path: str) -> tuple[int, int | None, str | None]:
        if content.problem:
            return 0, None, content.problem
        fmt = format_for_path(path)
        try:
            words = count_words(decode_text(content.committed, path), fmt) \
                if content.committed is not None else 0
            uncommitted = count_words(decode_text(content.working, path), fmt) \
                if content.uncommitted and content.working is not None else None
        except ProposalError as exc:
            return 0, None, exc.message + (f" (line {exc.line})" if exc.line else "")
        return words, uncommitted, None

    @staticmethod
    def _activity(manifest: Manifest, index: HistoryIndex,
                  threads: list[Thread]) -> list[Activity]:
        by_path: dict[str, str] = {}
        for section in manifest.sections:
            for path in index.lineage(section.file):
                by_path.setdefault(path, section.id)
        items = [Activity(when=dt.datetime.fromtimestamp(c["ts"], dt.timezone.utc),
                          who=c["author"], what="commit", subject=c["subject"],
                          sections=tuple(dict.fromkeys(by_path[p] for p in c["paths"]
                                                       if p in by_path)), sha=c["sha"])
                 for c in index.recent]
        for thread in threads:
            events = ([thread.root] if thread.root else []) + thread.events
            for e in events:
                items.append(Activity(when=e.created, who=e.author, what=e.action,
                                      subject=e.body.splitlines()[0] if e.body else "",
                                      sections=(e.section,), sha=e.id))
        items.sort(key=lambda a: a.when, reverse=True)
        return items[:100]
