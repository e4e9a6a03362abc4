"""Progress over time from git history: words per section and open comments, day by day.

Each day is read at its end (23:59:59 in the proposal's time zone): the commit then at the tip
of the first-parent line gives the words, the comment events made by then give the open
threads. Blobs are counted once each, however many days share them. The TUI's burn-up chart and
`proposal progress --csv` both use :meth:`ProgressService.rows`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from proposal_tui.domain.clock import Clock
from proposal_tui.domain.comments import open_counts, renamed_counts, replay
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.model import Manifest
from proposal_tui.domain.rounds import section_files
from proposal_tui.domain.text import csv_cell
from proposal_tui.domain.wordcount import count_words, format_for_path
from proposal_tui.store.comments import CommentStore
from proposal_tui.store.progress import commit_at, first_parent_log, manifest_blob, tree_files
from proposal_tui.store.repo import ProposalRepo

MAX_DAYS = 731
CSV_COLUMNS = ("date", "section", "title", "words", "word_limit", "open_comments", "commit")


@dataclass(frozen=True)
class ProgressRow:
    day: dt.date
    section: str
    title: str
    words: int
    word_limit: int | None
    open_comments: int
    commit: str | None
    page_limit: float | None = None
    words_per_page: int = 500


@dataclass
class ProgressService:
    repo: ProposalRepo
    clock: Clock
    comments: CommentStore

    def rows(self, manifest: Manifest, since: dt.date | None = None,
             until: dt.date | None = None) -> list[ProgressRow]:
        """One row per (day, section of today's manifest), days in order, sections in order.

        A section's words on a day come from the file its manifest named that day (renames
        are followed); before the section existed it has 0 words.
        """
        zone = manifest.proposal.timezone
        log = first_parent_log(self.repo)
        today = self.clock.now().astimezone(zone).date()
        until = until or today
        if since is None:
            first = log[-1][1].astimezone(zone).date() if log else today
            since = manifest.proposal.kickoff or first
            since = min(since, first)
        if until < since:
            raise ProposalError(f"--until {until} is before --since {since}")
        if (until - since).days >= MAX_DAYS:
            raise ProposalError(f"{(until - since).days + 1} days asked for; at most {MAX_DAYS} "
                                "(narrow it with --since/--until)")
        days = [since + dt.timedelta(days=n) for n in range((until - since).days + 1)]
        ends = {d: dt.datetime.combine(d, dt.time(23, 59, 59), tzinfo=zone) for d in days}
        commits = {d: commit_at(log, ends[d]) for d in days}
        trees = tree_files(self.repo, [c for c in commits.values() if c])
        manifests = self._manifests(trees)
        wanted: dict[str, str] = {}  # blob -> path (for the counting format)
        for sha, files in trees.items():
            for _sid, (path, _title) in manifests[sha].items():
                if path in files:
                    wanted.setdefault(files[path], path)
        blobs = self.repo.read_blobs(list(wanted))
        words_of = {blob: count_words(data.decode("utf-8", "replace"),
                                      format_for_path(wanted[blob]))
                    for blob, data in blobs.items()}
        events = self.comments.events()
        rows: list[ProgressRow] = []
        for d in days:
            sha = commits[d]
            files = trees.get(sha, {}) if sha else {}
            named = manifests.get(sha, {}) if sha else {}
            counts = renamed_counts(open_counts(replay([e for e in events
                                                        if e.created <= ends[d]])),
                                    manifest.aliases)
            for s in manifest.ordered_sections:
                path = named.get(s.id, (None, ""))[0]
                blob = files.get(path) if path else None
                rows.append(ProgressRow(day=d, section=s.id, title=s.title,
                                        words=words_of.get(blob, 0) if blob else 0,
                                        word_limit=s.word_limit,
                                        open_comments=counts.get(s.id, 0), commit=sha,
                                        page_limit=s.page_limit,
                                        words_per_page=manifest.proposal.words_per_page))
        return rows

    def _manifests(self, trees: dict[str, dict[str, str]]) -> dict[str, dict[str, tuple[str,
                                                                                   str]]]:
        blob_of = {sha: manifest_blob(files) for sha, files in trees.items()}
        texts = self.repo.read_blobs([b for b in blob_of.values() if b])
        parsed: dict[str, dict[str, tuple[str, str]]] = {}
        for blob, data in texts.items():
            parsed[blob] = section_files(data.decode("utf-8", "replace"))
        return {sha: parsed.get(blob, {}) if blob else {} for sha, blob in blob_of.items()}


def to_csv(rows: list[ProgressRow]) -> str:
    """Long format (one line per day and section): spreadsheets pivot it, charts plot it.
    Text cells are cleaned of terminal controls and guarded against formula injection
    (:func:`~proposal_tui.domain.text.csv_cell`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([r.day.isoformat(), csv_cell(r.section), csv_cell(r.title), r.words,
                         "" if r.word_limit is None else r.word_limit, r.open_comments,
                         r.commit or ""])
    return buffer.getvalue()


def to_json(rows: list[ProgressRow]) -> list[dict[str, object]]:
    return [{"date": r.day.isoformat(), "section": r.section, "title": r.title,
             "words": r.words, "word_limit": r.word_limit, "open_comments": r.open_comments,
             "commit": r.commit, "page_limit": r.page_limit} for r in rows]
