"""`proposal export`: Markdown and HTML, docx through pandoc and pdf through Typst (from pip);
HTML is checked against hostile titles, names and section text."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from proposal_tui.services.export import markdown_to_html, pdf_page_count
from tests import TEST_DATA
from tests.command import assert_clean_error, run
from tests.fixtures import MANIFEST, commit_as, make_proposal
from tests.gitutil import git

HOSTILE_FILE = TEST_DATA / "hostile-strings.txt"
HTML_ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</title><script>alert(2)</script>",
    "<iframe src=\"javascript:alert(3)\"></iframe>",
    "[click me](javascript:alert(4))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==)",
    "![x](http://example.invalid/track.png)",
    "<style>body{display:none}</style>",
    "<!-- a comment --> <a href=\"javascript:alert(6)\">x</a>",
    "``` <script>alert(7)</script>",
    "&lt;script&gt; already escaped",
]
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "div", "h1", "h2", "h3", "h4",
                "h5", "h6", "dl", "dt", "dd", "nav", "ol", "ul", "li", "a", "section", "p",
                "pre", "code", "em", "strong", "table", "thead", "tbody", "tr", "th", "td",
                "blockquote", "hr", "br"}
# markdown-it's table column alignment and a list's first number: the only attributes in
# section text besides a link's href.
ALIGN = {"text-align:left", "text-align:center", "text-align:right"}


def _layout_attribute(name: str, value: str | None) -> bool:
    if name in ("th.style", "td.style"):
        assert value in ALIGN, (name, value)
        return True
    if name == "ol.start":
        assert value and value.isdigit(), (name, value)
        return True
    return False


def hostile_strings() -> list[str]:
    lines = [line for line in HOSTILE_FILE.read_text("utf-8").splitlines() if line.strip()]
    # the file spells escapes as text ("\x1b"); use the real control characters too
    decoded = [line.encode("latin-1", "backslashreplace").decode("unicode_escape", "ignore")
               for line in lines if "\\x" in line]
    return lines + decoded + HTML_ATTACKS


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(f"{tag}.{k}", v) for k, v in attrs]


def audit(html: str) -> _Audit:
    parser = _Audit()
    parser.feed(html)
    parser.close()
    return parser


def assert_safe_html(html: str) -> None:
    parsed = audit(html)
    assert set(parsed.tags) <= ALLOWED_TAGS, set(parsed.tags) - ALLOWED_TAGS
    assert parsed.tags.count("script") == 0 and parsed.tags.count("style") == 1
    assert parsed.tags.count("title") == 1 and parsed.tags.count("meta") == 2
    for name, value in parsed.attrs:
        assert not name.split(".")[1].startswith("on"), name
        assert name in {"html.lang", "meta.charset", "meta.http-equiv", "meta.content",
                        "a.href", "section.id", "div.class", "nav.id", "p.class",
                        "pre.class"} or _layout_attribute(name, value), name
        if name == "a.href":
            assert value and (value.startswith("#") or value.startswith(("http://", "https://",
                                                                          "mailto:"))), value
    assert "default-src 'none'" in html
    assert "\x1b" not in html and "\x00" not in html and "\x07" not in html


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def test_markdown_export_orders_sections_with_title_page_and_contents(repo: Path) -> None:
    commit_as(repo, "Mia Manager", "mia@example.com", "2026-11-27T09:00:00-05:00", "Reqs",
              {"requirements.toml": '[[requirements]]\nid = "L.1"\ntext = "Summary"\n'
                                    'mandatory = true\n\n[[requirements]]\nid = "L.7"\n'
                                    'text = "Resumes"\nmandatory = true\n'})
    result = run("--repo", str(repo), "export")
    assert result.code == 0, result.err
    md = result.out
    assert md.startswith("# Bridge Inspection Services\n")
    for needle in ("**Client:** County of Example", "**Solicitation:** RFQ 77",
                   "**Due:** 2026-12-18 17:00 EST (America/New\\_York)",
                   "1. [Executive Summary](#sec-summary)", "2. [Technical Approach]"
                   "(#sec-approach)", "3. [Staffing](#sec-staffing)",
                   "## 1. Executive Summary", "We inspect bridges safely and on time.",
                   "## Appendix: Compliance Matrix", "| L.7 | yes | **none** | Resumes |",
                   "| L.1 | yes | Executive Summary (drafting) | Summary |"):
        assert needle in md, needle
    assert md.index("## 1. Executive Summary") < md.index("## 2. Technical Approach") < \
        md.index("## 3. Staffing")
    assert "# Executive Summary\n" not in md  # the file's own title line is not repeated
    no_appendix = run("--repo", str(repo), "export", "--no-appendix").out
    assert "Compliance Matrix" not in no_appendix


def test_html_export_is_a_complete_safe_document(repo: Path, tmp_path: Path) -> None:
    commit_as(repo, "Val Writer", "val@example.com", "2026-11-27T09:00:00-05:00", "Rich text",
              {"sections/approach.md": "# Technical Approach\n\n## Drones\n\nWe use **drones** "
               "and *sensors*; see [the spec](https://example.com/spec?a=1&b=2).\n\n"
               "- first\n- second\n\n3. third\n\n| Item | Cost |\n|---|--:|\n| Drone | $5 |\n\n"
               "```\ncode <b>here</b>\n```\n"})
    out = tmp_path / "bid.html"
    result = run("--repo", str(repo), "export", "-o", str(out))
    assert result.code == 0, result.err
    assert "wrote" in result.out and "3 sections" in result.out
    html = out.read_text("utf-8")
    assert_safe_html(html)
    for needle in ('<section id="sec-approach"><h2>2. Technical Approach</h2>',
                   "<h4>Drones</h4>", "<strong>drones</strong>", "<em>sensors</em>",
                   '<a href="https://example.com/spec?a=1&amp;b=2">the spec</a>',
                   "<ul>\n<li>first</li>\n<li>second</li>\n</ul>",
                   '<ol start="3">\n<li>third</li>\n</ol>',
                   "<thead>\n<tr>\n<th>Item</th>\n<th style=\"text-align:right\">Cost</th>\n"
                   "</tr>\n</thead>\n<tbody>\n<tr>\n<td>Drone</td>\n"
                   "<td style=\"text-align:right\">$5</td>\n</tr>\n</tbody>",
                   "<pre><code>code &lt;b&gt;here&lt;/b&gt;\n</code></pre>",
                   '<li><a href="#sec-staffing">Staffing</a></li>'):
        assert needle in html, needle


def test_html_export_escapes_every_hostile_string(tmp_path: Path) -> None:
    strings = hostile_strings()
    repo = tmp_path / "hostile"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    manifest = MANIFEST.replace('title = "Bridge Inspection Services"',
                                f"title = {_toml(strings[0] + ' ' + HTML_ATTACKS[0])}")
    manifest = manifest.replace('client = "County of Example"',
                                f"client = {_toml(HTML_ATTACKS[2])}")
    manifest = manifest.replace('name = "Mia Manager"', f"name = {_toml(HTML_ATTACKS[1])}")
    manifest = manifest.replace('title = "Staffing"', f"title = {_toml(HTML_ATTACKS[3])}")
    manifest = manifest.replace('title = "Technical Approach"',
                                f"title = {_toml(strings[6])}")
    body = "\n\n".join(strings) + "\n\n" + "\n".join(f"- {s}" for s in strings) + "\n"
    requirements = "".join(f"[[requirements]]\nid = \"R.{i}\"\ntext = {_toml(s)}\n"
                           f"source = {_toml(s)}\n\n" for i, s in enumerate(strings))
    commit_as(repo, "Mia", "mia@example.com", "2026-11-20T09:00:00-05:00", "hostile", {
        "proposal.toml": manifest, "requirements.toml": requirements,
        "sections/summary.md": body, "sections/approach.md": "plain <script>x</script>\n",
        "sections/staffing.md": "# T\n\n" + body})
    result = run("--repo", str(repo), "export", "--format", "html")
    assert result.code == 0, result.err
    html = result.out
    assert_safe_html(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript' not in html and "href='javascript" not in html
    assert "click me" in html and "<img" not in html
    assert "&amp;lt;script&amp;gt; already escaped" in html
    md = run("--repo", str(repo), "export").out
    assert md.startswith("# \\[bold red\\]not bold\\[/bold red\\] \\<script\\>")
    assert "\x1b" not in md and "\x00" not in md
    pdf = tmp_path / "hostile.pdf"  # every string typeset as text, never as Typst code
    result = run("--repo", str(repo), "export", "-o", str(pdf))
    assert result.code == 0, result.err
    reader = PdfReader(pdf)
    assert reader.metadata.title.startswith("[bold red]not bold[/bold red] <script>")
    first = reader.pages[0].extract_text()
    assert "<script>alert(1)</script>" in first and '"><svg onload=alert(1)>' in first


def test_markdown_to_html_never_passes_markup_through() -> None:
    for attack in HTML_ATTACKS + hostile_strings():
        assert_safe_html_fragment(markdown_to_html(attack))
        assert_safe_html_fragment(markdown_to_html(f"# {attack}\n\n> {attack}\n\n1. {attack}"))


def assert_safe_html_fragment(fragment: str) -> None:
    parsed = audit(fragment)
    assert set(parsed.tags) <= ALLOWED_TAGS - {"html", "head", "meta", "title", "style",
                                               "body"}, fragment
    for name, value in parsed.attrs:
        if _layout_attribute(name, value):
            continue
        assert name == "a.href" and value and value.startswith(("#", "http", "mailto:")), \
            (name, value)


def _staffing_as(repo: Path, suffix: str, text: str) -> None:
    manifest = (repo / "proposal.toml").read_text().replace("sections/staffing.md",
                                                            f"sections/staffing{suffix}")
    git(repo, "mv", "sections/staffing.md", f"sections/staffing{suffix}")
    commit_as(repo, "Mia Manager", "mia@example.com", "2026-11-27T09:00:00-05:00", suffix,
              {"proposal.toml": manifest, f"sections/staffing{suffix}": text})


def test_non_markdown_sections_are_preformatted(repo: Path) -> None:
    """A reStructuredText section is shown as its source, escaped."""
    _staffing_as(repo, ".rst", "Staff\n=====\nUses ``` fences <b>and</b> tags\n")
    html = run("--repo", str(repo), "export", "--format", "html").out
    assert '<pre class="source">Staff\n=====\nUses ``` fences &lt;b&gt;and&lt;/b&gt; ' \
           "tags\n</pre>" in html
    md = run("--repo", str(repo), "export").out
    assert "````rst\nStaff\n=====\nUses ``` fences <b>and</b> tags\n````" in md


def test_latex_sections_are_converted_by_pandoc(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.tex"
    secret.write_text("TOP SECRET\n")
    _staffing_as(repo, ".tex", "\\section{Team}\nWe field \\textbf{three} crews:\n"
                        "\\begin{itemize}\\item divers \\item climbers\\end{itemize}\n"
                        f"\\input{{{secret.with_suffix('')}}} <b>tag</b>\n")
    md = run("--repo", str(repo), "export").out
    staffing = md[md.index("## 3. Staffing"):]
    assert "### Team" in staffing and "**three**" in staffing
    assert re.search(r"^-\s+divers$", staffing, re.M)
    assert "```" not in staffing and "\\textbf" not in staffing
    html = run("--repo", str(repo), "export", "--format", "html").out
    assert "<h3>Team</h3>" in html and "<strong>three</strong>" in html
    assert "<ul>\n<li>" in html and "divers" in html and "&lt;b&gt;tag&lt;/b&gt;" in html
    assert "TOP SECRET" not in md + html  # pandoc reads it sandboxed: \input reads nothing
    assert_safe_html(html)


def test_export_a_round_tag_and_report_missing_files(repo: Path) -> None:
    assert run("--repo", str(repo), "--as", "mia", "round", "start", "pink").code == 0
    commit_as(repo, "Wes Writer", "wes@example.com", "2026-11-28T09:00:00-05:00", "more",
              {"sections/summary.md": "# Executive Summary\n\nNew text after Pink.\n"})
    at_pink = run("--repo", str(repo), "export", "--rev", "round/pink").out
    assert "We inspect bridges" in at_pink and "New text after Pink" not in at_pink
    git(repo, "rm", "-q", "sections/staffing.md")
    git(repo, "commit", "-q", "-m", "drop staffing file")
    result = run("--repo", str(repo), "export", "--format", "md")
    assert result.code == 0
    assert "*(sections/staffing.md is missing from HEAD)*" in result.out
    assert_clean_error(run("--repo", str(repo), "export", "--rev", "nope"), 2,
                       "unknown revision")


def test_export_works_on_a_bare_repository(repo: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    result = run("--repo", str(bare), "export", "--format", "html")
    assert result.code == 0 and "Bridge Inspection Services" in result.out


def _path_without_pandoc(tmp_path: Path) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    git_path = shutil.which("git")
    assert git_path
    (bin_dir / "git").symlink_to(git_path)
    return str(bin_dir)


def test_docx_and_pdf_need_no_system_package(repo: Path, tmp_path: Path) -> None:
    """pandoc comes from the pypandoc-binary wheel and Typst from the typst wheel: with
    nothing but git on PATH both formats are written."""
    path = _path_without_pandoc(tmp_path)
    for fmt in ("docx", "pdf"):
        out = tmp_path / f"out.{fmt}"
        result = run("--repo", str(repo), "export", "-o", str(out), env={"PATH": path})
        assert result.code == 0, result.err
        assert out.read_bytes()[:4] in (b"PK\x03\x04", b"%PDF")
    assert_clean_error(run("--repo", str(repo), "export", "--format", "docx"), 2,
                       "pass -o FILE.docx")


def test_docx_export_with_pandoc(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\nnot for the client")
    commit_as(repo, "Val Writer", "val@example.com", "2026-11-27T09:00:00-05:00", "img",
              {"sections/approach.md": f"# Technical Approach\n\n![Figure 1]({secret})\n\n"
                                       "<script>alert(1)</script> raw \\input{/etc/passwd}\n"})
    out = tmp_path / "bid.docx"
    result = run("--repo", str(repo), "export", "-o", str(out))
    assert result.code == 0, result.err
    with zipfile.ZipFile(out) as docx:
        text = docx.read("word/document.xml").decode("utf-8")
        names = docx.namelist()
    assert "Bridge Inspection Services" in text and "We inspect bridges" in text
    assert "Figure 1" in text and not any(n.startswith("word/media/") for n in names)


def test_pdf_export_is_typeset_in_order_with_contents_and_headers(repo: Path,
                                                                  tmp_path: Path) -> None:
    """Typst from pip: the title page, a table of contents, the sections in order under a
    running header with page numbers; nothing a section names is read or run."""
    commit_as(repo, "Val Writer", "val@example.com", "2026-11-27T09:00:00-05:00", "hostile",
              {"sections/approach.md": "# Technical Approach\n\n## Drones\n\n"
               "![x](/etc/passwd) #read(\"/etc/passwd\") $x$ \\input{/etc/passwd}\n\n"
               "```{=typst}\n#import \"@preview/cetz:0.3.0\"\n```\n\nWe fly drones.\n"})
    out = tmp_path / "bid.pdf"
    result = run("--repo", str(repo), "export", "-o", str(out))
    assert result.code == 0, result.err
    assert "pages: estimated" in result.out and "PDF " in result.out
    reader = PdfReader(out)
    pages = [page.extract_text() for page in reader.pages]
    assert "Bridge Inspection Services" in pages[0] and "Contents" in pages[0]
    body = "\n".join(pages[1:])
    assert body.index("1. Executive Summary") < body.index("2. Technical Approach") < \
        body.index("3. Staffing")
    assert "We fly drones." in body and "root:" not in body
    assert all(p.startswith("Bridge Inspection Services") for p in pages[1:]), pages[1][:80]


def test_pdf_page_count_reads_the_page_tree() -> None:
    assert pdf_page_count(b"1 0 obj << /Type /Pages /Kids [3 0 R] /Count 7 >> endobj") == 7
    assert pdf_page_count(b"<< /Type /Page >> << /Type /Page /Parent 2 0 R >>") == 2
    assert pdf_page_count(b"nothing here") is None


def test_markdown_to_html_stays_fast_on_pathological_text() -> None:
    """Linear on hostile 100-200 KB sections. markdown-it-py needs up to ~3 s of CPU for the
    worst of these on a CI machine; anything quadratic would need minutes. CPU time, so a
    loaded machine does not make it flaky."""
    import time

    for text in ("*a " * 60_000, "`" + "a `` " * 40_000, "# " + " " * 200_000 + "x",
                 "[" * 100_000, "**x " * 60_000, "_a " * 60_000, "![" * 50_000 + "](",
                 "| a " * 10_000 + "\n|---|\n" + "| b " * 10_000, "<!--" * 50_000,
                 "[a](" * 30_000):
        started = time.process_time()
        assert_safe_html_fragment(markdown_to_html(text))
        assert time.process_time() - started < 12, text[:20]
