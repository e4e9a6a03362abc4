"""Pages per section, measured by typesetting each in its profile (`proposal pages`,
`proposal check`, the dashboard's worker), with the word estimate beside it.

Typesetting costs a pandoc process and a Typst compile (0.1-0.5 s a section), so counts are
cached by content and profile (store/pagecache.py), and :meth:`PageService.pages_for_section`
never typesets: it answers from what was measured, else the estimate, marked as such.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.model import Manifest, Section, SectionState
from proposal_tui.domain.pages import (
    PageCount,
    PageFigure,
    PageProfile,
    limit_point,
    over_limit,
    page_figure,
)
from proposal_tui.domain.text import decode_text
from proposal_tui.domain.wordcount import count_words, format_for_path
from proposal_tui.store.pagecache import PageCache, one_measurer
from proposal_tui.store.programs import at_low_priority
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.store.requirements import View
from proposal_tui.store.typeset import APPROXIMATE, measure, to_typst


@dataclass(frozen=True)
class SectionPages:
    """One section's pages: measured (or why not) and estimated."""

    section: Section
    profile: PageProfile
    words: int
    estimate: float
    count: PageCount | None = None
    problem: str | None = None

    @property
    def over(self) -> bool:
        limit = self.section.page_limit
        return limit is not None and self.count is not None and over_limit(self.count, limit)

    def to_json(self) -> dict[str, Any]:
        c, limit = self.count, self.section.page_limit
        return {"id": self.section.id, "file": self.section.file, "profile": self.profile.name,
                "page_limit": limit, "words": self.words,
                "estimated_pages": round(self.estimate, 2),
                "pages": round(c.measured, 2) if c else None,
                "whole_pages": c.pages if c else None,
                "lines_left": c.lines_left if c else None,
                "approximate": c.approximate if c else None,
                "over_limit": self.over, "problem": self.problem,
                "limit_falls": (limit_point(c, limit).describe(limit)
                                if c and limit is not None and self.over else None)}


class PageService:
    """Measures sections and remembers the last measurement of each (for the dashboard)."""

    def __init__(self, repo: ProposalRepo) -> None:
        self.repo = repo
        self.cache = PageCache(repo.git_dir)
        self._lock = threading.Lock()
        self._latest: dict[str, tuple[int, PageCount]] = {}  # section id -> (words, count)
        self._recalled: set[tuple[str, int]] = set()  # (section id, words) looked up

    def count(self, manifest: Manifest, section: Section, data: bytes) -> PageCount:
        """Pages of ``data`` as ``section`` in its profile: from the cache, else typeset."""
        profile = manifest.profile_for(section)
        fmt = format_for_path(section.file)
        with self._lock:
            cached = self.cache.count(data, fmt, profile)
        if cached is not None:
            return cached
        with one_measurer(self.repo.git_dir):  # another process may be typesetting it now
            with self._lock:
                self.cache.reread()
                cached = self.cache.count(data, fmt, profile)
            if cached is not None:
                return cached
            fragment = to_typst(decode_text(data, section.file), fmt)
            counted = measure(fragment, profile, approximate=fmt in APPROXIMATE)
            with self._lock:
                self.cache.store(data, fmt, counted)
                self.cache.save()  # before letting the next process look
        return counted

    def measure_all(self, manifest: Manifest, view: str = "worktree",
                    only: str | None = None, limited_only: bool = False,
                    background: bool = False) -> list[SectionPages]:
        """Every section (or section ``only``; with ``limited_only`` those with a page limit)
        measured in the ``view`` (worktree, index or head), in the manifest's order.
        ``background`` (the dashboard's worker): typeset at a lower CPU priority."""
        if background:
            return at_low_priority(lambda: self.measure_all(manifest, view, only,
                                                            limited_only))
        sections = [s for s in manifest.ordered_sections
                    if (only is None or s.id == only)
                    and not (limited_only and s.page_limit is None)]
        if only is not None and not sections:
            raise ProposalError(f"unknown section '{only}'")
        contents = View(self.repo, view).read([s.file for s in sections])
        wpp = manifest.proposal.words_per_page
        out = []
        try:
            for s in sections:
                out.append(self._one(manifest, s, contents[s.file], wpp))
        finally:
            with self._lock:
                self.cache.save()
        return out

    def _one(self, manifest: Manifest, section: Section,
             content: tuple[bytes | None, str | None], wpp: int) -> SectionPages:
        profile = manifest.profile_for(section)
        data, why = content
        if why or data is None:
            return SectionPages(section, profile, 0, 0.0,
                                problem=f"{section.file} {why or 'is missing'}")
        try:
            words = count_words(decode_text(data, section.file), format_for_path(section.file))
            counted = self.count(manifest, section, data)
        except ProposalError as exc:
            return SectionPages(section, profile, 0, 0.0, problem=exc.message)
        with self._lock:
            self._latest[section.id] = (words, counted)
        return SectionPages(section, profile, words, words / wpp, counted)

    def recall(self, manifest: Manifest, states: Iterable[SectionState]) -> None:
        """Take what the cache already knows (another process measured it, or this one
        before a restart) for the page-limited sections not measured here yet, so a
        dashboard opened after the first one shows measured pages at once and typesets
        nothing. Reads HEAD's text of those sections once per (section, words); a miss is
        left to the measuring worker. Never typesets, but reads git: call it off the UI
        thread."""
        wanted = [s for s in states if s.section.page_limit is not None and not s.error
                  and not s.missing and (s.section.id, s.words) not in self._recalled
                  and not self.pages_for_section(manifest, s.section, s.words).measured]
        if not wanted:
            return
        contents = View(self.repo, "head").read([s.section.file for s in wanted])
        for state in wanted:
            self._recalled.add((state.section.id, state.words))
            data, why = contents.get(state.section.file, (None, "missing"))
            if why or data is None:
                continue
            fmt = format_for_path(state.section.file)
            with self._lock:
                cached = self.cache.count(data, fmt, manifest.profile_for(state.section))
                if cached is not None:
                    self._latest[state.section.id] = (state.words, cached)

    def pages_for_section(self, manifest: Manifest, section: Section, words: int) -> PageFigure:
        """What to show for a section now, never waiting for a typesetter: its last
        measurement if the section still has that many words, else the word estimate."""
        with self._lock:
            latest = self._latest.get(section.id)
        fresh = latest is not None and latest[0] == words and \
            latest[1].profile == manifest.profile_for(section)
        return page_figure(latest[1] if fresh and latest else None, words,
                           manifest.proposal.words_per_page)
