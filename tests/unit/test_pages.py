"""Page rules: the profiles funders state, custom profiles in proposal.toml (with file, line
and reason when bad), where a page limit falls, and what the dashboard shows."""

from __future__ import annotations

import pytest

from proposal_tui.domain.manifest import ManifestErrors, parse_manifest
from proposal_tui.domain.pages import (
    BUILTIN_PROFILES,
    HeadingMark,
    PageCount,
    limit_point,
    over_limit,
    page_figure,
)
from proposal_tui.domain.wordtrip import SpanComment, comment_spans, place_in_text

BASE = """\
[proposal]
title = "T"

[[people]]
handle = "ana"
name = "Ana"

[[sections]]
id = "aims"
title = "Specific Aims"
file = "aims.md"
page_limit = 1
"""


def test_builtin_profiles_follow_the_funders_rules() -> None:
    nsf, nih, letter = (BUILTIN_PROFILES[n] for n in ("nsf", "nih", "letter-11pt"))
    for profile in (nsf, nih, letter):
        assert profile.size >= 11 and profile.paper == "us-letter"
        assert profile.line_pitch >= 12  # at most 6 lines per vertical inch
    assert nsf.margin == 1 and nsf.font == "New Computer Modern"
    assert nih.margin == 0.5
    assert letter.margin == 1
    assert nsf.lines_per_page == 47  # (648 pt - 11 pt) // 13.6 pt + 1
    assert nih.lines_per_page > nsf.lines_per_page


def test_manifest_chooses_a_profile_and_defines_its_own() -> None:
    manifest = parse_manifest(BASE.replace('page_limit = 1', 'page_limit = 1\n'
                                           'page_profile = "r21"') +
                              '\n[pages]\nprofile = "nih"\n\n[pages.profiles.r21]\n'
                              'base = "nih"\nsize = 12\nline_pitch = 14.5\n')
    section = manifest.sections[0]
    profile = manifest.profile_for(section)
    assert (profile.name, profile.size, profile.line_pitch, profile.margin) == \
        ("r21", 12.0, 14.5, 0.5)
    assert manifest.page_profile == "nih"
    assert parse_manifest(BASE).profile_for(section).name == "letter-11pt"
    # unknown keys are kept and ignored, as everywhere in proposal.toml
    assert parse_manifest(BASE + '[pages]\nteam_note = 1\n[pages.profiles.x]\ncolor = 1\n')


@pytest.mark.parametrize(("extra", "line", "reason"), [
    ('[pages]\nprofile = "apa"\n', 15, "unknown page profile 'apa'"),
    ('[pages.profiles.x]\nfont = "Arial"\n', 15, "font 'Arial' is not embedded"),
    ('[pages.profiles.x]\nsize = 3\n', 15, "'size' must be a number from 6 to 24"),
    ('[pages.profiles.x]\nline_pitch = 9\nsize = 11\n', 15, "at least the font size"),
    ('[pages.profiles.nsf]\nsize = 12\n', 14, "a profile name must be new"),
])
def test_bad_page_settings_name_file_line_and_reason(extra: str, line: int,
                                                     reason: str) -> None:
    with pytest.raises(ManifestErrors) as caught:
        parse_manifest(BASE + "\n" + extra)
    problem = caught.value.problems[0]
    assert reason in problem.message and problem.path == "proposal.toml"
    assert problem.line == line, problem


def _count(pages: int, lines_on_last: int, headings: tuple[HeadingMark, ...] = ()) -> PageCount:
    profile = BUILTIN_PROFILES["nsf"]
    end = profile.text_top + profile.size + (lines_on_last - 1) * profile.line_pitch
    return PageCount(profile, pages, end, headings)


def test_a_full_page_is_within_a_limit_and_one_line_more_is_over() -> None:
    full, one_more = _count(2, 47), _count(3, 1)
    assert not over_limit(full, 2) and full.lines_left == 0
    assert over_limit(one_more, 2) and one_more.lines_left == 46
    assert 2.0 < one_more.measured < 2.05 and 1.95 < full.measured <= 2.0
    assert over_limit(_count(2, 30), 1.5) and not over_limit(_count(2, 20), 1.5)


def test_the_limit_names_its_page_and_the_heading_in_force_there() -> None:
    headings = (HeadingMark(1, 72, "Aims"), HeadingMark(2, 500, "Approach"),
                HeadingMark(3, 100, "Risks"))
    count = _count(3, 20, headings)
    assert limit_point(count, 2).describe(2) == \
        "the limit falls at the end of page 2, under the heading 'Approach'"
    assert limit_point(count, 1.5).heading == "Aims"  # half of page 2 is above 500 pt
    assert limit_point(_count(1, 3), 1).heading is None


def test_the_dashboard_figure_marks_estimates_and_approximations() -> None:
    assert page_figure(None, 1240, 100).label(15) == "~12.4/15p"
    assert page_figure(_count(13, 20), 1240, 100).label(15).endswith("/15p")
    assert not page_figure(_count(13, 20), 0, 100).label().startswith(("~", "≈"))
    approx = PageCount(BUILTIN_PROFILES["nsf"], 1, 300.0, (), approximate=True)
    assert page_figure(approx, 0, 100).label() == f"≈{approx.measured:.1f}p"


def test_comment_spans_nest_replies_on_one_passage_and_refuse_bad_places() -> None:
    spans = comment_spans([SpanComment('A "q" \\ b', "2026-11-27T10:00:00Z", "Why?"),
                           SpanComment("B", "2026-11-27T11:00:00Z", "Because.")], 4, "on time")
    assert spans == ('[Why?]{.comment-start id="4" author="A \'q\' / b" '
                     'date="2026-11-27T10:00:00Z"}[Because.]{.comment-start id="5" '
                     'author="B" date="2026-11-27T11:00:00Z"}on time'
                     '[]{.comment-end id="5"}[]{.comment-end id="4"}')
    text = "# Title\n\nWe inspect bridges on time.\n\n`code` here\n"
    assert place_in_text(text, "on time") == (text.index("on time"), text.index("on time") + 7)
    for quote in ("Title", "bridges on time.\n\n`code`", "missing", "code` here", None):
        assert place_in_text(text, quote) is None, quote
