"""Final assembly: the sections in order as one document with a title page, a table of
contents and a compliance appendix. Markdown and HTML are built here; docx and pdf go through
pandoc when it is installed.

HTML is built for hostile input: every user string is escaped, section Markdown is converted
by a deliberately small converter that never passes raw HTML through (it is shown as text),
links keep only http(s), mailto and in-page targets, images become their alt text, and a
Content-Security-Policy forbids scripts even if something slipped through.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

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
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.store.rounds import files_at, resolve_commit

FORMATS = ("md", "html", "docx", "pdf")
PANDOC_HELP = ("pandoc is not installed; md and html exports need nothing, docx and pdf need "
               "pandoc: 'sudo apt-get install pandoc' (Debian/Ubuntu), 'brew install pandoc' "
               "(macOS), 'winget install pandoc' (Windows) or https://pandoc.org/installing.html")
PDF_ENGINES = ("pdflatex", "xelatex", "lualatex", "wkhtmltopdf", "weasyprint", "typst")
PDF_ENGINE_HELP = ("pdf export needs a PDF engine for pandoc and none was found (tried "
                   + ", ".join(PDF_ENGINES) + "): 'sudo apt-get install texlive-latex-recommended"
                   "' (Debian/Ubuntu) or 'brew install --cask basictex' (macOS); or export docx "
                   "or html and print that to PDF")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class ExportSection:
    id: str
    title: str
    file: str
    fmt: str  # markdown, rst, latex, text
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
        if fmt in ("docx", "pdf"):
            data = run_pandoc(to_markdown(doc, for_pandoc=True), fmt)
            pages = pdf_page_count(data) if fmt == "pdf" else None
            return ExportResult(fmt, data, doc.estimated_pages, pages)
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
        out += ["| Requirement | Mandatory | Answered by | Text |", "|---|---|---|---|"]
        titles = {s.id: s.title for s in doc.sections}
        for row in doc.matrix.rows:
            r = row.requirement
            answers = ", ".join(f"{md_inline(titles.get(a.section, a.section))} "
                                f"({a.status.label})" for a in row.answers) or "**none**"
            out.append(f"| {md_inline(r.id)} | {'yes' if r.mandatory else 'no'} | {answers} | "
                       f"{md_inline(r.text)} |")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# --- HTML -------------------------------------------------------------------------------------

_CSS = """body{font:12pt/1.45 Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;color:#111}
h1{font-size:2em}h2{border-bottom:1px solid #999;margin-top:2em}table{border-collapse:collapse}
td,th{border:1px solid #999;padding:.2em .5em;vertical-align:top}pre{white-space:pre-wrap;
background:#f4f4f4;padding:.5em}.title-page{page-break-after:always}
section{page-break-before:always}.missing{color:#a00}"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_LINK = re.compile(r"(!?)\[([^\[\]]*)\]\(([^()\s]*)(?:\s+&quot;[^)]*&quot;)?\)")
_TICKS = re.compile(r"`+")
_DELIMITER = re.compile(r"\*\*|__|\*|_")
_ATX = re.compile(r"^\s{0,3}(#{1,6})(?:\s+(.*))?$")
_SAFE_URL = re.compile(r"^(https?://|mailto:|#)", re.IGNORECASE)


def _inline(text: str) -> str:
    """Escape, then re-add the few inline forms we understand; nothing else is markup."""
    out: list[str] = []
    runs = list(_TICKS.finditer(text))
    following: dict[int, int] = {}  # run index -> next run of the same length (linear scan)
    last: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        size = len(runs[i].group(0))
        if size in last:
            following[i] = last[size]
        last[size] = i
    pos = i = 0
    while i < len(runs):
        close = following.get(i)
        if close is None:
            i += 1
            continue
        out.append(_inline_text(text[pos:runs[i].start()]))
        out.append(f"<code>{esc(text[runs[i].end():runs[close].start()].strip())}</code>")
        pos = runs[close].end()
        i = close + 1
    out.append(_inline_text(text[pos:]))
    return "".join(out)


def _emphasis(s: str) -> str:
    """Pair * ** _ __ delimiters in one left-to-right pass (CommonMark's flanking rules,
    simplified); unpaired delimiters stay literal. Linear, whatever the input."""
    marks = list(_DELIMITER.finditer(s))
    tags: dict[int, str] = {}  # match index -> replacement
    opened: dict[str, int] = {}
    for i, m in enumerate(marks):
        mark = m.group(0)
        before = s[m.start() - 1] if m.start() else " "
        after = s[m.end()] if m.end() < len(s) else " "
        word = mark[0] == "_"
        can_open = not after.isspace() and not (word and before.isalnum())
        can_close = not before.isspace() and not (word and after.isalnum())
        if mark[0] == "*" and len(mark) == 1:
            can_open = can_open and not before.isalnum()
            can_close = can_close and not after.isalnum()
        if can_close and mark in opened:
            start = opened.pop(mark)
            tag = "strong" if len(mark) == 2 else "em"
            tags[start], tags[i] = f"<{tag}>", f"</{tag}>"
            for other in [k for k, v in opened.items() if v > start]:
                del opened[other]  # keep the nesting proper
        elif can_open:
            opened[mark] = i
    if not tags:
        return s
    out, pos = [], 0
    for i, m in enumerate(marks):
        if i in tags:
            out += [s[pos:m.start()], tags[i]]
            pos = m.end()
    out.append(s[pos:])
    return "".join(out)


def _link(m: re.Match[str]) -> str:
    label, url = m.group(2), html.unescape(m.group(3)).strip()
    if m.group(1):  # an image: its alt text only, nothing is loaded
        return label
    if _SAFE_URL.match(url) and not any(c.isspace() or c in "\"'<>" for c in url):
        return f'<a href="{html.escape(url, quote=True)}">{label}</a>'
    return label


def _inline_text(text: str) -> str:
    return _LINK.sub(_link, _emphasis(esc(text)))


_LIST_ITEM = re.compile(r"^\s{0,3}(?:([-*+])|(\d{1,9})[.)])\s+(.*)$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HR = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def markdown_to_html(text: str, heading_offset: int = 0) -> str:
    """A small, safe Markdown subset: headings, paragraphs, lists, quotes, code, tables,
    rules, emphasis, code spans and links. Raw HTML stays visible text."""
    text = clean(text)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    if text.startswith(("---\n", "+++\n")):  # front matter is metadata, not content
        end = text.find("\n" + text[:3] + "\n", 4)
        if end > 0:
            text = text[end + 5:]
    lines = text.split("\n")
    out: list[str] = []
    para: list[str] = []
    i = 0

    def flush() -> None:
        if para:
            out.append("<p>" + _inline(" ".join(p.strip() for p in para)) + "</p>")
            para.clear()

    while i < len(lines):
        line = lines[i]
        if not line.strip():
            flush()
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence:
            flush()
            mark = fence.group(1)
            body = []
            i += 1
            while i < len(lines) and not lines[i].lstrip().startswith(mark):
                body.append(lines[i])
                i += 1
            out.append("<pre><code>" + esc("\n".join(body)) + "</code></pre>")
            i += 1
            continue
        heading = _ATX.match(line)
        if heading:
            flush()
            level = min(6, len(heading.group(1)) + heading_offset)
            title = (heading.group(2) or "").rstrip().rstrip("#").rstrip()
            out.append(f"<h{level}>{_inline(title)}</h{level}>")
            i += 1
            continue
        if _HR.match(line):
            flush()
            out.append("<hr>")
            i += 1
            continue
        if "|" in line and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1]) and \
                "-" in lines[i + 1]:
            flush()
            rows = ["<tr>" + "".join(f"<th>{_inline(c)}</th>" for c in _cells(line)) + "</tr>"]
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.append("<tr>" + "".join(f"<td>{_inline(c)}</td>"
                                             for c in _cells(lines[i])) + "</tr>")
                i += 1
            out.append("<table>" + "".join(rows) + "</table>")
            continue
        if line.lstrip().startswith(">"):
            flush()
            quote = []
            while i < len(lines) and lines[i].lstrip().startswith(">"):
                quote.append(lines[i].lstrip()[1:].removeprefix(" "))
                i += 1
            out.append("<blockquote>" + markdown_to_html("\n".join(quote), heading_offset)
                       + "</blockquote>")
            continue
        item = _LIST_ITEM.match(line)
        if item:
            flush()
            tag = "ul" if item.group(1) else "ol"
            items: list[str] = []
            while i < len(lines):
                m = _LIST_ITEM.match(lines[i])
                if m:
                    items.append(m.group(3))
                elif lines[i].strip() and lines[i].startswith((" ", "\t")) and items:
                    items[-1] += " " + lines[i].strip()  # a continuation line
                else:
                    break
                i += 1
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(t)}</li>" for t in items)
                       + f"</{tag}>")
            continue
        para.append(line)
        i += 1
    flush()
    return "\n".join(out)


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


# --- pandoc -----------------------------------------------------------------------------------

def pandoc_path() -> str | None:
    return shutil.which("pandoc")


def pdf_engine() -> str | None:
    return next((e for e in PDF_ENGINES if shutil.which(e)), None)


def run_pandoc(markdown: str, fmt: str) -> bytes:
    """docx or pdf bytes from our Markdown; raw HTML/TeX in sections is not interpreted."""
    pandoc = pandoc_path()
    if pandoc is None:
        raise ProposalError(PANDOC_HELP)
    args = [pandoc, "--from", "markdown-raw_html-raw_tex-raw_attribute", "--toc",
            "--standalone", "--sandbox"]
    if fmt == "pdf":
        engine = pdf_engine()
        if engine is None:
            raise ProposalError(PDF_ENGINE_HELP)
        args.append(f"--pdf-engine={engine}")
    with tempfile.TemporaryDirectory(prefix="proposal-export-") as tmp:
        target = Path(tmp, f"out.{fmt}")
        try:
            proc = subprocess.run([*args, "--output", str(target)], input=markdown.encode(),
                                  capture_output=True, timeout=300, cwd=tmp,
                                  env={**os.environ, "LC_ALL": "C.UTF-8"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ProposalError(f"pandoc failed: {exc}") from None
        # pandoc < 2.15 has no --sandbox, and 2.17's sandbox cannot read its own docx
        # template: retry without it (images are already reduced to their alt text).
        if proc.returncode != 0 and (b"sandbox" in proc.stderr or
                                     b"Could not find data file" in proc.stderr):
            proc = subprocess.run([a for a in args if a != "--sandbox"] + ["--output",
                                  str(target)], input=markdown.encode(), capture_output=True,
                                  timeout=300, cwd=tmp)
        if proc.returncode != 0 or not target.exists():
            said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ProposalError(f"pandoc failed: {said[-1] if said else proc.returncode}")
        return target.read_bytes()


def pdf_page_count(data: bytes) -> int | None:
    """Pages of a PDF: the page tree's /Count when visible, else the /Type /Page objects."""
    counts = [int(m) for m in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(m) for m in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    if counts:
        return max(counts)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    return pages or None
