"""Pages as funders count them: page profiles (paper, font, size, margins, line pitch), a
section's measured page count, and where a page limit falls.

A page limit is a property of the rendered document, so a section's pages come from
typesetting it in its profile (store/typeset.py); ``words / words_per_page`` stays as the
estimate shown until the measurement is known. Pure rules only: no typesetting here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

POINTS_PER_INCH = 72.0
# Page sizes in points (width, height), by Typst's paper names.
PAPERS = {"us-letter": (612.0, 792.0), "a4": (595.28, 841.89), "us-legal": (612.0, 1008.0)}
# The fonts the Typst compiler embeds: a page count never depends on the machine's fonts.
FONTS = ("New Computer Modern", "Libertinus Serif", "DejaVu Sans Mono")
DEFAULT_PROFILE = "letter-11pt"


@dataclass(frozen=True)
class PageProfile:
    """How a section is typeset. ``line_pitch`` is baseline to baseline in points: "no more
    than 6 lines per inch" (NSF, NIH) means at least 12 pt; ``paragraph_gap`` is the space
    between paragraphs, in lines."""

    name: str
    paper: str = "us-letter"
    font: str = "New Computer Modern"
    size: float = 11.0  # points
    margin: float = 1.0  # inches, every side
    line_pitch: float = 13.6  # points: LaTeX's single spacing at 11 pt
    paragraph_gap: float = 0.5  # lines
    source: str = ""  # who asks for it

    @property
    def text_top(self) -> float:
        return self.margin * POINTS_PER_INCH

    @property
    def text_bottom(self) -> float:
        return PAPERS[self.paper][1] - self.margin * POINTS_PER_INCH

    @property
    def text_height(self) -> float:
        return self.text_bottom - self.text_top

    @property
    def lines_per_page(self) -> int:
        """Lines of body text a page holds: the first line needs its height, each further
        line one pitch."""
        return int((self.text_height - self.size) // self.line_pitch) + 1

    def describe(self) -> str:
        return (f"{self.name}: {self.font} {self.size:g} pt on {self.line_pitch:g} pt lines, "
                f"{self.margin:g} in margins, {self.paper}")


BUILTIN_PROFILES: dict[str, PageProfile] = {p.name: p for p in (
    PageProfile("nsf", source="NSF PAPPG: Computer Modern 11 pt or larger, margins of at "
                "least 1 in, at most 6 lines per inch"),
    PageProfile("nih", margin=0.5, source="NIH: 11 pt or larger, margins of at least "
                "0.5 in, at most 6 lines per inch"),
    PageProfile("letter-11pt", font="Libertinus Serif", source="US letter, 11 pt Times-like "
                "serif, 1 in margins"),
)}

# What a custom profile may set in proposal.toml, with the accepted range.
PROFILE_KEYS: dict[str, tuple[type | tuple[type, ...], float, float]] = {
    "size": ((int, float), 6.0, 24.0), "margin": ((int, float), 0.25, 3.0),
    "line_pitch": ((int, float), 6.0, 60.0), "paragraph_gap": ((int, float), 0.0, 4.0),
}


def custom_profile(name: str, table: dict[str, Any], known: dict[str, PageProfile]
                   ) -> tuple[PageProfile | None, list[tuple[str, str]]]:
    """A ``[pages.profiles.NAME]`` table as a profile, built on ``base`` (default
    letter-11pt); or the problems found, each (key, reason). Unknown keys are ignored, as
    everywhere in proposal.toml."""
    problems: list[tuple[str, str]] = []
    base_name = table.get("base", DEFAULT_PROFILE)
    base = known.get(base_name) if isinstance(base_name, str) else None
    if base is None:
        problems.append(("base", f"unknown profile {base_name!r} (use {', '.join(known)})"))
        base = known[DEFAULT_PROFILE]
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "base":
            continue
        if key == "paper":
            if value not in PAPERS:
                problems.append((key, f"unknown paper {value!r} (use {', '.join(PAPERS)})"))
            else:
                values[key] = value
        elif key == "font":
            if value not in FONTS:
                problems.append((key, f"font {value!r} is not embedded (use "
                                      f"{', '.join(FONTS)})"))
            else:
                values[key] = value
        elif key in PROFILE_KEYS:
            kinds, low, high = PROFILE_KEYS[key]
            if isinstance(value, bool) or not isinstance(value, kinds) or \
                    not low <= value <= high:
                problems.append((key, f"'{key}' must be a number from {low:g} to {high:g}"))
            else:
                values[key] = float(value)
    profile = replace(base, name=name, source=f"custom, based on {base.name}", **values)
    if profile.line_pitch < profile.size:
        problems.append(("line_pitch", "'line_pitch' must be at least the font size"))
    return (None if problems else profile), problems


@dataclass(frozen=True)
class HeadingMark:
    page: int
    y: float  # points from the top of the page
    text: str


@dataclass(frozen=True)
class PageCount:
    """A section typeset in ``profile``: whole pages, and how far the last one is filled.

    ``end_y`` is where the text ends on the last page (the bottom of its last line).
    ``approximate``: typeset from a conversion (LaTeX through pandoc), not the source's own
    engine.
    """

    profile: PageProfile
    pages: int
    end_y: float
    headings: tuple[HeadingMark, ...] = field(default_factory=tuple)
    approximate: bool = False

    @property
    def last_page_used(self) -> float:
        """0 to 1: the share of the last page's text height in use."""
        used = (self.end_y - self.profile.text_top) / self.profile.text_height
        return min(1.0, max(0.0, used))

    @property
    def measured(self) -> float:
        """Pages as a fraction: 12.4 is twelve full pages and 40% of a thirteenth."""
        if self.pages == 0:
            return 0.0
        return self.pages - 1 + self.last_page_used

    @property
    def lines_left(self) -> int:
        """Lines of body text that still fit on the last page."""
        room = self.profile.text_bottom - self.end_y
        return max(0, int(room // self.profile.line_pitch + 1e-6))

    def heading_at(self, page: int, y: float) -> str | None:
        """The heading in force at (page, y): the last one that starts before it."""
        before = [h for h in self.headings if (h.page, h.y) <= (page, y)]
        return before[-1].text if before else None


@dataclass(frozen=True)
class LimitPoint:
    """Where a page limit falls in a typeset section."""

    page: int
    y: float
    heading: str | None

    def describe(self, limit: float) -> str:
        where = "the end of" if float(limit).is_integer() else "part way down"
        under = f", under the heading '{self.heading}'" if self.heading else ""
        return f"the limit falls at {where} page {self.page}{under}"


def limit_point(count: PageCount, limit: float) -> LimitPoint:
    page = max(1, math.ceil(limit))
    share = limit - (page - 1)
    y = count.profile.text_top + share * count.profile.text_height
    return LimitPoint(page, y, count.heading_at(page, y))


def over_limit(count: PageCount, limit: float) -> bool:
    """Over when text reaches past the limit: a page of 47 lines full to its last line is
    one page, the 48th line makes it more."""
    return count.pages > math.ceil(limit) or (
        count.pages == math.ceil(limit) and not float(limit).is_integer()
        and count.measured > limit)


@dataclass(frozen=True)
class PageFigure:
    """Pages to show for a section: measured when known, else the word estimate."""

    pages: float
    measured: bool
    approximate: bool = False
    lines_left: int | None = None
    profile: str = ""

    def label(self, limit: float | None = None) -> str:
        """``12.4/15p`` measured, ``~12.4/15p`` estimated (``≈`` typeset approximately)."""
        mark = "" if self.measured and not self.approximate else \
            ("≈" if self.measured else "~")
        return f"{mark}{self.pages:.1f}" + (f"/{limit:g}p" if limit is not None else "p")


def page_figure(count: PageCount | None, words: int, words_per_page: int) -> PageFigure:
    if count is None:
        return PageFigure(words / words_per_page, measured=False)
    return PageFigure(count.measured, True, count.approximate, count.lines_left,
                      count.profile.name)


def words_per_page_seen(figure: PageFigure | None, words: int, words_per_page: int) -> int:
    """Words a page of this section holds as typeset (its measured pages), else the
    proposal's estimate: how a page limit is drawn where the chart counts words."""
    if figure is None or not figure.measured or figure.pages <= 0 or words <= 0:
        return words_per_page
    return max(1, round(words / figure.pages))
