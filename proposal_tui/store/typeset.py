"""Typesetting with Typst: a section's pages in its profile, and the proposal as a PDF.

Section text goes through pandoc (store/programs.py) to Typst markup and through the Typst
compiler (the ``typst`` wheel, in this process). Only the fonts Typst embeds are used, and
the system's are ignored, so a page count is the same on every machine. Nothing a section
says can reach outside: raw Typst/TeX/HTML passages become code, images become their alt
text (a Lua filter in pandoc), and the compiler's root is an empty folder, so no file can
be read and no package fetched.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.pages import HeadingMark, PageCount, PageProfile
from proposal_tui.store.programs import convert

# Our section formats (domain/wordcount.format_for_path) as pandoc readers.
READERS = {"markdown": "markdown-raw_html-raw_tex-raw_attribute", "rst": "rst",
           "latex": "latex", "text": "markdown_strict-raw_html"}
# Typeset from a conversion rather than by the source's own engine.
APPROXIMATE = frozenset({"latex"})

_FILTER = """
function Image(el) return el.caption end
function Cite(el) return el.content end
function RawBlock(el)
  if el.format == "latex" or el.format == "tex" then return {} end
  return pandoc.CodeBlock(el.text)
end
function RawInline(el)
  if el.format == "latex" or el.format == "tex" then return {} end
  return pandoc.Code(el.text)
end
"""

# What pandoc's Typst template defines and its fragments use, and the end-of-text marker
# the page count is read from (with every heading's page and position).
_DEFINITIONS = """#let horizontalrule = line(length: 100%, stroke: 0.5pt)
#show terms.item: it => block(breakable: false)[
  #text(weight: "bold")[#it.term]
  #block(inset: (left: 1.5em, top: -0.4em))[#it.description]
]
#set table(inset: 6pt, stroke: none)
#let proposal-plain(c) = if type(c) == str { c } else if c.has("text") {
  proposal-plain(c.text) } else if c.has("children") { c.children.map(proposal-plain).join("")
  } else if c.has("body") { proposal-plain(c.body) } else { " " }
"""
_END_MARK = """
#context [#metadata((end: here().position(), headings: query(heading).map(h => (
  page: h.location().page(), y: h.location().position().y,
  text: proposal-plain(h.body))))) <proposal-end>]
"""
_POINTS = re.compile(r"^(-?[0-9.]+)pt$")


def preamble(profile: PageProfile, definitions: bool = True) -> str:
    """The profile as Typst set rules: lines exactly ``line_pitch`` apart (each line box is
    one em, the leading makes up the rest); with what pandoc's fragments use, once a
    document."""
    leading = profile.line_pitch - profile.size
    gap = leading + profile.paragraph_gap * profile.line_pitch
    return (f'#set page(paper: "{profile.paper}", margin: {profile.margin}in)\n'
            f'#set text(font: "{profile.font}", size: {profile.size}pt, top-edge: 0.8em, '
            f'bottom-edge: -0.2em, lang: "en")\n'
            f"#set par(leading: {leading:.3f}pt, spacing: {gap:.3f}pt, justify: true)\n"
            f"#show heading: set block(above: {profile.line_pitch:.3f}pt, "
            f"below: {gap:.3f}pt)\n" + (_DEFINITIONS if definitions else ""))


def to_typst(text: str, fmt: str, shift: int = 0) -> str:
    """Section text (markdown, rst, latex, text) as a Typst fragment (headings ``shift``
    levels down: under the section's own heading in a whole document)."""
    with tempfile.TemporaryDirectory(prefix="proposal-typeset-") as tmp:
        lua = Path(tmp, "safe.lua")
        lua.write_text(_FILTER, "utf-8")
        return convert(text, READERS.get(fmt, READERS["text"]), "typst",
                       (f"--lua-filter={lua}", "--syntax-highlighting=none",
                        f"--shift-heading-level-by={shift}"))


def _compiler_options(root: str) -> dict[str, Any]:
    return {"root": root, "ignore_system_fonts": True, "font_paths": [],
            "package_path": root, "package_cache_path": root}


def _points(value: object) -> float:
    match = _POINTS.match(str(value))
    return float(match.group(1)) if match else 0.0


def measure(fragment: str, profile: PageProfile, approximate: bool = False) -> PageCount:
    """Typeset a Typst fragment in ``profile``: its pages, where the text ends on the last
    one, and where each heading falls."""
    import typst

    source = (preamble(profile) + "\n" + fragment + "\n" + _END_MARK).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="proposal-typeset-") as root:
        try:
            found = json.loads(typst.query(source, "<proposal-end>",
                                           **_compiler_options(root)))
        except (typst.TypstError, RuntimeError, ValueError) as exc:
            raise ProposalError(f"typst could not typeset the section: "
                                f"{str(exc).strip().splitlines()[0][:200]}") from None
    if not found:
        raise ProposalError("typst gave no end-of-text position")
    value = found[0]["value"]
    end = value["end"]
    headings = tuple(HeadingMark(int(h["page"]), _points(h["y"]), str(h["text"]).strip())
                     for h in value["headings"])
    return PageCount(profile, int(end["page"]), _points(end["y"]), headings, approximate)


@dataclass(frozen=True)
class PdfParts:
    """A whole document for :func:`render_pdf`: a title block, then the body (Typst)."""

    title: str
    header: str  # the running header, right of the page number
    front: str  # title-page lines (Typst markup, already escaped)
    body: str


def escape(text: str) -> str:
    """Plain text as literal Typst markup (on one line, no control characters)."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return re.sub(r"([\\#$*_`<>@\[\]~/=+\-\"'])", r"\\\1", printable)


def _string(text: str) -> str:
    """Plain text as a Typst string literal."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_pdf(parts: PdfParts, profile: PageProfile, timestamp: int) -> bytes:
    """The document as PDF bytes: a title page with a table of contents, then the body,
    with a running header and page numbers. ``timestamp`` fixes the PDF's date, so the same
    commit gives the same bytes."""
    import typst

    source = (preamble(profile)
              + f"#set document(title: {_string(parts.title)})\n"
              + "#set page(header: context { if counter(page).get().first() > 1 [\n"
              + f"  #text(size: 0.8em)[{escape(parts.header)} #h(1fr) "
              + "#counter(page).display(\"1\")] ] })\n"
              + "#set heading(numbering: none)\n"
              + parts.front + "\n#outline(depth: 2)\n#pagebreak()\n" + parts.body + "\n")
    with tempfile.TemporaryDirectory(prefix="proposal-typeset-") as root:
        try:
            return bytes(typst.compile(source.encode("utf-8"), timestamp=timestamp,
                                       **_compiler_options(root)))
        except (typst.TypstError, RuntimeError, ValueError) as exc:
            raise ProposalError(f"typst could not make the PDF: "
                                f"{str(exc).strip().splitlines()[0][:200]}") from None
