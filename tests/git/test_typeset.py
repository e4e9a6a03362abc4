"""The typesetter (pandoc and Typst from pip): fixtures built to fill exactly N pages, or N
pages and one line, in each built-in profile are counted right; nothing a section says
reaches outside; counts are cached by content and profile."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from proposal_tui.domain.pages import BUILTIN_PROFILES, over_limit
from proposal_tui.services.pages import PageService
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.store.typeset import measure, to_typst
from tests.fixtures import commit_as, make_proposal


def lines(count: int) -> str:
    """``count`` lines of body text in one paragraph (hard line breaks): exactly one line
    pitch apart, so a page holds ``profile.lines_per_page`` of them."""
    return "\\\n".join(f"Line {i} of the fixture." for i in range(1, count + 1)) + "\n"


@pytest.mark.parametrize("name", sorted(BUILTIN_PROFILES))
def test_exactly_n_pages_and_one_line_more_are_counted_right(name: str) -> None:
    profile = BUILTIN_PROFILES[name]
    per_page = profile.lines_per_page
    for pages in (1, 2):
        full = measure(to_typst(lines(per_page * pages), "markdown"), profile)
        assert (full.pages, full.lines_left) == (pages, 0), (name, pages)
        assert not over_limit(full, pages)
        # one more line as a paragraph of its own (a line more in the same paragraph would
        # take its neighbour along: widow control, as in Word and TeX)
        more = measure(to_typst(lines(per_page * pages) + "\nOne more line.\n", "markdown"),
                       profile)
        assert (more.pages, more.lines_left) == (pages + 1, per_page - 1), (name, pages)
        assert over_limit(more, pages) and more.measured > pages
    half = measure(to_typst(lines(per_page // 2), "markdown"), profile)
    assert half.lines_left == per_page - per_page // 2 and 0.4 < half.measured < 0.6


def test_headings_are_found_on_their_pages() -> None:
    profile = BUILTIN_PROFILES["nsf"]
    text = "# Aims\n\n" + lines(60) + "\n## Risks *and* limits\n\nShort.\n"
    count = measure(to_typst(text, "markdown"), profile)
    assert [(h.page, h.text) for h in count.headings] == [(1, "Aims"),
                                                          (2, "Risks and limits")]


def test_sections_cannot_reach_outside(tmp_path: Path) -> None:
    """Raw Typst, TeX and HTML become code or nothing, images their alt text, includes are
    refused: the count succeeds and nothing is read."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    for text, fmt in ((f"![alt]({secret})\n\n```{{=typst}}\n#read(\"{secret}\")\n```\n"
                       f"\n`#import \"@preview/cetz:0.3.0\"`{{=typst}}\n", "markdown"),
                      (f"\\input{{{secret}}}\n\\includegraphics{{{secret}}}\n", "latex"),
                      (f".. include:: {secret}\n\n.. raw:: typst\n\n   #read(\"{secret}\")\n",
                       "rst")):
        fragment = to_typst(text, fmt)
        assert "TOP SECRET" not in fragment
        assert measure(fragment, BUILTIN_PROFILES["nsf"]).pages >= 0


def test_counts_are_cached_by_content_and_profile(tmp_path: Path) -> None:
    repo_path = make_proposal(tmp_path)
    commit_as(repo_path, "Val Writer", "val@example.com", "2026-11-27T09:00:00-05:00", "long",
              {"sections/approach.md": "# Technical Approach\n\n" + lines(100)})
    repo = ProposalRepo.open(repo_path)
    from proposal_tui.services.workspace import Workspace

    manifest = Workspace(repo).proposals.manifest()
    cold = PageService(repo).measure_all(manifest, "head", "approach")[0]
    assert cold.count is not None and cold.count.pages == 3  # 100 lines on 47 per page
    assert (repo.git_dir / "proposal-tui" / "pages.json").exists()
    started = time.perf_counter()
    warm = PageService(repo).measure_all(manifest, "head", "approach")[0]  # a new process
    assert time.perf_counter() - started < 1.0
    assert warm.count == cold.count
    fresh = PageService(repo)
    assert not fresh.pages_for_section(manifest, cold.section, cold.words).measured
    fresh.measure_all(manifest, "head")
    figure = fresh.pages_for_section(manifest, cold.section, cold.words)
    assert figure.measured and figure.pages == pytest.approx(cold.count.measured)
    assert not fresh.pages_for_section(manifest, cold.section, cold.words + 1).measured
