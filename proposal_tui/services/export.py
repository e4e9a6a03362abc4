"""Final assembly: the sections in order as one document with a title page, a table of
contents and a compliance appendix. Markdown and HTML are built here; docx goes through pandoc
(shipped by pypandoc-binary), pdf through pandoc and the Typst compiler (store/typeset.py),
each section typeset in its page profile.

HTML is built for hostile input: every user string is escaped, section Markdown is converted
by markdown-it-py (CommonMark and tables) with raw HTML off (it is shown as text), links keep
only http(s), mailto and in-page targets, images become their alt text, and a
Content-Security-Policy forbids scripts even if something slipped through.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from proposal_tui.domain.clock import Clock
from proposal_tui.domain.compliance import (
    REQUIREMENTS_NAME,
    Matrix,
    build_matrix,
    parse_requirements,
)
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.manifest import MANIFEST_NAME, parse_manifest
from proposal_tui.domain.model import Manifest
from proposal_tui.domain.text import decode_text
from proposal_tui.domain.wordcount import count_words, format_for_path
from proposal_tui.services.compliance import ComplianceService
from proposal_tui.store.programs import latex_to_markdown, run_pandoc
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.store.rounds import files_at, resolve_commit
from proposal_tui.store.typeset import PdfParts, escape, preamble, render_pdf, to_typst

FORMATS = ("md", "html", "docx", "pdf")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class ExportSection:
    id: str
    title: str
    file: str
    fmt: str  # markdown (LaTeX too, once pandoc converted it), rst, latex, text
    text: str
    words: int
    pages: float  # estimated from words_per_page
    owner: str = ""
    problem: str | None = None


@dataclass(frozen=True)
class Document:
    manifest: Manifest
    commit: str
    rev: str
    exported_at: dt.datetime
    sections: tuple[ExportSection, ...]
    matrix: Matrix | None = None

    @property
    def words(self) -> int:
        return sum(s.words for s in self.sections)

    @property
    def estimated_pages(self) -> float:
        return sum(s.pages for s in self.sections)


@dataclass
class ExportResult:
    fmt: str
    data: bytes
    estimated_pages: float
    pdf_pages: int | None = None


def clean(text: str) -> str:
    """No control characters in a document (they are invalid in HTML and XML)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def esc(text: str) -> str:
    return html.escape(clean(text), quote=True)


@dataclass
class ExportService:
    repo: ProposalRepo
    clock: Clock
    compliance: ComplianceService

    def document(self, rev: str = "HEAD", appendix: bool = True) -> Document:
        """Everything to export, read from one commit so the result is reproducible."""
        if rev == "HEAD" and self.repo.head() is None:
            raise ProposalError("nothing to export: the repository has no commits yet")
        commit = resolve_commit(self.repo, rev)
        raw = files_at(self.repo, commit, [MANIFEST_NAME, REQUIREMENTS_NAME])
        if raw[MANIFEST_NAME] is None:
            raise ProposalError(f"no {MANIFEST_NAME} in {rev}")
        manifest = parse_manifest(decode_text(raw[MANIFEST_NAME], MANIFEST_NAME), MANIFEST_NAME)
        ordered = manifest.ordered_sections
        blobs = files_at(self.repo, commit, [s.file for s in ordered])
        wpp = manifest.proposal.words_per_page
        sections = []
        for s in ordered:
            data = blobs[s.file]
            fmt = format_for_path(s.file)
            problem = None
            text = ""
            if data is None:
                problem = f"{s.file} is missing from {rev}"
            else:
                try:
                    text = decode_text(data, s.file)
                except ProposalError as exc:
                    problem = exc.message
            words = count_words(text, fmt) if text else 0
            if fmt == "latex" and text and (converted := latex_to_markdown(text)) is not None:
                fmt, text = "markdown", converted  # read by pandoc, not shown as source
            sections.append(ExportSection(id=s.id, title=s.title, file=s.file, fmt=fmt,
                                          text=text, words=words, pages=words / wpp,
                                          owner=s.owner or "", problem=problem))
        matrix = None
        if appendix and raw[REQUIREMENTS_NAME] is not None:
            requirements = parse_requirements(decode_text(raw[REQUIREMENTS_NAME],
                                                          REQUIREMENTS_NAME))
            statuses = self.compliance.statuses(manifest)
            matrix = build_matrix(requirements, manifest, statuses)
        return Document(manifest=manifest, commit=commit, rev=rev,
                        exported_at=self.clock.now(), sections=tuple(sections), matrix=matrix)

    def export(self, doc: Document, fmt: str, output: Path | None = None) -> ExportResult:
        if fmt == "md":
            return ExportResult(fmt, to_markdown(doc).encode("utf-8"), doc.estimated_pages)
        if fmt == "html":
            return ExportResult(fmt, to_html(doc).encode("utf-8"), doc.estimated_pages)
        if fmt == "pdf":
            data = to_pdf(doc)
            return ExportResult(fmt, data, doc.estimated_pages, pdf_page_count(data))
        if fmt == "docx":
            return ExportResult(fmt, run_pandoc(to_markdown(doc, for_pandoc=True), fmt),
                                doc.estimated_pages)
        raise ProposalError(f"unknown export format '{fmt}' (use {', '.join(FORMATS)})")


# --- Markdown ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|!~])")
_HEADING = re.compile(r"^(#{1,6})(\s)")
_MD_IMAGE = re.compile(r"!\[([^\[\]]*)\](?:\([^()]*(?:\([^()]*\)[^()]*)*\)|\[[^\[\]]*\])")


def md_inline(text: str) -> str:
    """A user string (title, name) as literal Markdown text: nothing in it becomes markup."""
    return _MD_SPECIAL.sub(r"\\\1", clean(text).replace("\n", " ")).replace("&", "&amp;")


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _demote(text: str, by: int) -> str:
    """Section headings sit under the section's own heading (# -> ###), fences untouched."""
    out, fence = [], None
    for line in text.split("\n"):
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        elif fence is not None and stripped.startswith(fence):
            fence = None
        elif fence is None and (m := _HEADING.match(line)):
            line = "#" * min(6, len(m.group(1)) + by) + line[len(m.group(1)):]
        out.append(line)
    return "\n".join(out)


def _strip_title(text: str, title: str) -> str:
    """Drop a leading heading that repeats the section title (the stub every file starts with)."""
    lines = text.lstrip("\n").split("\n")
    if lines and re.sub(r"^#+\s*", "", lines[0]).strip().lower() == title.strip().lower():
        return "\n".join(lines[1:]).lstrip("\n")
    return text


def _anchor(section_id: str) -> str:
    return "sec-" + section_id  # ids are [a-z0-9._-]: safe in any attribute


def _due(doc: Document) -> str:
    info = doc.manifest.proposal
    return f"{info.due.astimezone(info.timezone):%Y-%m-%d %H:%M %Z} ({info.timezone})" \
        if info.due else ""


def _title_fields(doc: Document) -> list[tuple[str, str]]:
    info = doc.manifest.proposal
    fields = [("Client", info.client), ("Solicitation", info.solicitation), ("Due", _due(doc)),
              ("Version", f"{doc.rev} ({doc.commit[:10]}), exported "
                          f"{doc.exported_at.astimezone(info.timezone):%Y-%m-%d %H:%M}"),
              ("Length", f"{doc.words} words, about {doc.estimated_pages:.1f} pages at "
                         f"{info.words_per_page} words per page")]
    return [(k, v) for k, v in fields if v]


def to_markdown(doc: Document, for_pandoc: bool = False) -> str:
    info = doc.manifest.proposal
    out = [f"# {md_inline(info.title)}", ""]
    out += [f"**{k}:** {md_inline(v)}  " for k, v in _title_fields(doc)]
    out += ["", "---", ""]
    if not for_pandoc:  # pandoc builds its own table of contents (--toc)
        out += ["## Contents", ""]
        out += [f"{i}. [{md_inline(s.title)}](#{_anchor(s.id)})"
                for i, s in enumerate(doc.sections, 1)]
        if doc.matrix is not None:
            out.append(f"{len(doc.sections) + 1}. [Appendix: Compliance Matrix]"
                       "(#appendix-compliance)")
        out += ["", "---", ""]
    for i, s in enumerate(doc.sections, 1):
        heading = f"## {i}. {md_inline(s.title)}"
        if for_pandoc:
            out += [heading + f" {{#{_anchor(s.id)}}}", ""]
        else:
            out += [f'<a id="{_anchor(s.id)}"></a>', "", heading, ""]
        if s.problem:
            out += [f"*({md_inline(s.problem)})*", ""]
        elif s.fmt == "markdown":
            text = _demote(_strip_title(clean(s.text), s.title), 2).rstrip()
            if for_pandoc:  # pandoc would embed the image file: a path could read any file
                text = _MD_IMAGE.sub(lambda m: m.group(1), text)
            out += [text, ""]
        else:
            fence = _fence(s.text)
            lang = {"rst": "rst", "latex": "latex"}.get(s.fmt, "text")
            out += [fence + lang, clean(s.text).rstrip("\n"), fence, ""]
    if doc.matrix is not None:
        heading = "## Appendix: Compliance Matrix"
        out += ([heading + " {#appendix-compliance}", ""] if for_pandoc else
                ['<a id="appendix-compliance"></a>', "", heading, ""])
        out += [*_matrix_markdown(doc.matrix, doc.sections), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _matrix_markdown(matrix: Matrix, sections: Sequence[ExportSection]) -> list[str]:
    """The compliance matrix as a Markdown table."""
    out = ["| Requirement | Mandatory | Answered by | Text |", "|---|---|---|---|"]
    titles = {s.id: s.title for s in sections}
    for row in matrix.rows:
        r = row.requirement
        answers = ", ".join(f"{md_inline(titles.get(a.section, a.section))} "
                            f"({a.status.label})" for a in row.answers) or "**none**"
        out.append(f"| {md_inline(r.id)} | {'yes' if r.mandatory else 'no'} | {answers} | "
                   f"{md_inline(r.text)} |")
    return out


# --- HTML -------------------------------------------------------------------------------------

_CSS = """body{font:12pt/1.45 Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;color:#111}
h1{font-size:2em}h2{border-bottom:1px solid #999;margin-top:2em}table{border-collapse:collapse}
td,th{border:1px solid #999;padding:.2em .5em;vertical-align:top}pre{white-space:pre-wrap;
background:#f4f4f4;padding:.5em}.title-page{page-break-after:always}
section{page-break-before:always}.missing{color:#a00}"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_SAFE_URL = re.compile(r"^(https?://|mailto:|#)", re.IGNORECASE)


def _heading(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
             env: EnvType) -> str:
    """Section headings sit under the section's own: # becomes h3 (at most h6)."""
    token = tokens[idx]
    level = min(6, int(token.tag[1]) + env.get("heading_offset", 0))
    return f"<h{level}>" if token.nesting == 1 else f"</h{level}>\n"


def _link_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
               env: EnvType) -> str:
    """Only http(s), mailto and in-page targets become links; any other keeps its text."""
    href = str(tokens[idx].attrGet("href") or "")
    safe = bool(_SAFE_URL.match(href))
    env["link_dropped"] = not safe  # links do not nest, so one flag pairs open and close
    return f'<a href="{escapeHtml(href)}">' if safe else ""


def _link_close(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
                env: EnvType) -> str:
    return "" if env.pop("link_dropped", False) else "</a>"


def _image(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
           env: EnvType) -> str:
    """An image is its alt text: nothing is loaded from anywhere."""
    return escapeHtml(self.renderInlineAsText(tokens[idx].children or [], options, env))


def _code(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
          env: EnvType) -> str:
    """Code blocks and fences alike, without the fence's language class (no attributes)."""
    return f"<pre><code>{escapeHtml(tokens[idx].content)}</code></pre>\n"


def _parser() -> MarkdownIt:
    """CommonMark plus tables; raw HTML off (it is shown as text), no linkify, no typography.

    Every link parses (``validateLink``) so an unsafe one can keep its label when rendered.
    """
    md = MarkdownIt("commonmark", {"html": False, "xhtmlOut": False}).enable("table")
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    for name in ("heading_open", "heading_close"):
        md.add_render_rule(name, _heading)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("link_close", _link_close)
    md.add_render_rule("image", _image)
    md.add_render_rule("fence", _code)
    md.add_render_rule("code_block", _code)
    return md


_MARKDOWN = _parser()


def _drop_comments(text: str) -> str:
    """HTML comments are notes to co-writers, not content (linear, unlike a lazy regex)."""
    out, pos = [], 0
    while (start := text.find("<!--", pos)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        out.append(text[pos:start])
        pos = end + 3
    out.append(text[pos:])
    return "".join(out)


def markdown_to_html(text: str, heading_offset: int = 0) -> str:
    """Section Markdown as safe HTML (markdown-it-py): raw HTML stays visible text, links
    keep only safe targets, images become their alt text, control characters are dropped."""
    text = _drop_comments(clean(text))
    if text.startswith(("---\n", "+++\n")):  # front matter is metadata, not content
        end = text.find("\n" + text[:3] + "\n", 4)
        if end > 0:
            text = text[end + 5:]
    return _MARKDOWN.render(text, {"heading_offset": heading_offset}).rstrip("\n")


def to_html(doc: Document) -> str:
    info = doc.manifest.proposal
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
             f"<title>{esc(info.title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
             '<div class="title-page">', f"<h1>{esc(info.title)}</h1>", "<dl>"]
    for key, value in _title_fields(doc):
        parts.append(f"<dt>{esc(key)}</dt><dd>{esc(value)}</dd>")
    parts += ["</dl>", "</div>", '<nav id="contents"><h2>Contents</h2><ol>']
    for s in doc.sections:
        parts.append(f'<li><a href="#{_anchor(s.id)}">{esc(s.title)}</a></li>')
    if doc.matrix is not None:
        parts.append('<li><a href="#appendix-compliance">Appendix: Compliance Matrix</a></li>')
    parts.append("</ol></nav>")
    for i, s in enumerate(doc.sections, 1):
        parts.append(f'<section id="{_anchor(s.id)}"><h2>{i}. {esc(s.title)}</h2>')
        if s.problem:
            parts.append(f'<p class="missing">({esc(s.problem)})</p>')
        elif s.fmt == "markdown":
            parts.append(markdown_to_html(_strip_title(s.text, s.title), heading_offset=2))
        else:
            parts.append(f'<pre class="source">{esc(s.text)}</pre>')
        parts.append("</section>")
    if doc.matrix is not None:
        titles = {s.id: s.title for s in doc.sections}
        parts += ['<section id="appendix-compliance"><h2>Appendix: Compliance Matrix</h2>',
                  "<table><tr><th>Requirement</th><th>Mandatory</th><th>Answered by</th>"
                  "<th>Text</th></tr>"]
        for row in doc.matrix.rows:
            r = row.requirement
            answers = "<br>".join(f"{esc(titles.get(a.section, a.section))} "
                                  f"({esc(a.status.label)})" for a in row.answers) or \
                "<strong>none</strong>"
            parts.append(f"<tr><td>{esc(r.id)}</td><td>{'yes' if r.mandatory else 'no'}</td>"
                         f"<td>{answers}</td><td>{esc(r.text)}</td></tr>")
        parts += ["</table>", "</section>"]
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def pdf_page_count(data: bytes) -> int | None:
    """Pages of a PDF: the page tree's /Count when visible, else the /Type /Page objects."""
    counts = [int(m) for m in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(m) for m in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    if counts:
        return max(counts)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    return pages or None


# --- PDF (Typst) -------------------------------------------------------------------------------

def _typst_heading(text: str) -> str:
    return f"= {escape(text)}\n"


_TYPST_HEADING = re.compile(r"^(?:=+ (.*)|#heading\([^)]*\)\[(.*)\])\n(<[^>\n]*>\n)?")


def _without_title(fragment: str, title: str) -> str:
    """Drop a first heading that repeats the section's title (the stub's, or a LaTeX
    ``\\section*``): the document gives each section its numbered heading already."""
    match = _TYPST_HEADING.match(fragment)
    said = (match.group(1) or match.group(2) or "") if match else ""
    if match and re.sub(r"\\(.)", r"\1", said).strip().lower() == title.strip().lower():
        return fragment[match.end():]
    return fragment


def to_pdf(doc: Document) -> bytes:
    manifest = doc.manifest
    info = manifest.proposal
    title = f"#text(size: 1.6em, weight: \"bold\")[{escape(info.title)}]"
    front = [f"#align(center)[#par(justify: false)[{title}]]",
             "#v(1em)"]
    front += [f"/ {escape(key)}: {escape(value)}" for key, value in _title_fields(doc)]
    body = []
    for i, s in enumerate(doc.sections, 1):
        section = manifest.section(s.id)
        profile = manifest.profile_for(section) if section else \
            manifest.profiles()[manifest.page_profile]
        body.append("#pagebreak(weak: true)\n#[\n" + preamble(profile, definitions=False))
        body.append(_typst_heading(f"{i}. {s.title}"))
        if s.problem:
            body.append(f"_({escape(s.problem)})_\n")
        else:
            text = _strip_title(clean(s.text), s.title) if s.fmt == "markdown" else s.text
            try:
                body.append(_without_title(to_typst(text, s.fmt, shift=1), s.title))
            except ProposalError as exc:
                raise ProposalError(f"section '{s.id}' ({s.file}): {exc.message}") from None
        body.append("\n]\n")
    if doc.matrix is not None:
        table = "\n".join(_matrix_markdown(doc.matrix, doc.sections))
        body += ["#pagebreak(weak: true)\n", _typst_heading("Appendix: Compliance Matrix"),
                 to_typst(table, "markdown")]
    parts = PdfParts(title=info.title, header=info.title, front="\n\n".join(front),
                     body="\n".join(body))
    return render_pdf(parts, manifest.profiles()[manifest.page_profile],
                      int(doc.exported_at.timestamp()))
