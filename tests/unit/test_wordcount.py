"""Word counts on real proposal prose: markup must never count, rendered words always must."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposal_tui.domain.wordcount import FORMATS, count_words, estimate_pages, format_for_path
from tests import ROOT

# --- realistic samples, counted by hand -------------------------------------------------------

MARKDOWN_SAMPLE = """\
---
title: Technical Approach
owner: raj
---

# 2. Technical Approach {#tech}

<!-- TODO: tighten this after Pink team -->

Our team will deliver a **cloud-native** data platform for the
[Department of Energy](https://www.energy.gov/) within *90 days* of award.[^1]

1. Discovery and planning
2. Migration of 40 legacy systems
- [x] Security review by the ISSO

| Phase | Duration |
|-------|---------:|
| Build | 6 weeks  |

![Architecture overview](img/arch.png "Figure 1")

```python
def migrate(system):
    return system.upgrade()
```

See the [quality plan][qp] &mdash; it is state-of-the-art.<br>Questions&nbsp;welcome.

[qp]: https://example.com/qp "Quality plan"
[^1]: Award expected in Q3 FY2025.
"""
# 3 heading ("2." is printed) + 10 + 8 + 3 + 5 + 5 (task) + 2 + 3 (table) + 2 (alt text)
# + 4 (code) + 9 + 5 (footnote text) = 59
MARKDOWN_WORDS = 59

RST_SAMPLE = """\
=====================
Management Approach
=====================

:Author: Jane Doe
:Version: 1.2

.. contents:: Table of Contents
   :depth: 2

.. This comment is for the capture team only
   and spans two lines.

Our program manager reports directly to the **contracting officer**
and follows the plan in :doc:`the management volume <management>`.
See `PMI standards <https://www.pmi.org>`_ and section :ref:`risks` [1]_.

.. note:: Staffing is fixed

   Key personnel will not change without approval.

#. Weekly status reports
#. Monthly reviews

.. image:: org-chart.png
   :alt: Organisation chart
   :width: 400px

.. _risks:

Risks
-----

Schedule risk is *low*.

.. [1] Based on the 2023 CPARS rating.
"""
# 2 title + 3 fields + 3 contents title + 9 + 8 + 6 + 3 note title + 7 note body + 3 + 2
# + 1 heading + 4 + 6 footnote = 57
RST_WORDS = 57

LATEX_SAMPLE = r"""\documentclass[11pt]{article}
\usepackage{amsmath}
\title{Ignored preamble title}
\begin{document}

\section{Past Performance}\label{sec:past}
% Reviewer note: confirm CPARS numbers before Red team.
Our team has delivered 12~projects for NASA~\cite{nasa2021,nasa2022},
each rated \textbf{Exceptional} on time and within 5\% of budget.
Throughput grew as $n^2$ where $n$ is the number of sites, see
Table~\ref{tab:perf} and Figure~\ref{fig:map}.

\begin{equation}
  C = \sum_{i=1}^{n} c_i
\end{equation}

\begin{figure}[htbp]
  \centering
  \includegraphics[width=0.8\linewidth]{figures/map.pdf}
  \caption{Sites supported since 2019.}
  \label{fig:map}
\end{figure}

\begin{itemize}
  \item Na\"{\i}ve schedules were replaced by \emph{risk-adjusted} plans.
  \item Costs fell by 30\%.\footnote{Source: internal audit.}
\end{itemize}
\end{document}
Anything after the end of the document is ignored.
"""
# 2 heading + 8 + 10 + 12 (two inline maths) + 3 + 1 (equation) + 4 caption + 7 + 7 = 54
LATEX_WORDS = 54

TEXT_SAMPLE = "The quick — brown fox | jumps 3 times; state-of-the-art ... 中文标题 emoji 📝\n"
# 8 Latin words and numbers + 4 ideographs + "emoji"; "—", "|", "..." and the emoji are not words
TEXT_WORDS = 13


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        (MARKDOWN_SAMPLE, "markdown", MARKDOWN_WORDS),
        (RST_SAMPLE, "rst", RST_WORDS),
        (LATEX_SAMPLE, "latex", LATEX_WORDS),
        (TEXT_SAMPLE, "text", TEXT_WORDS),
    ],
    ids=["markdown", "rst", "latex", "text"],
)
def test_realistic_sample(text: str, fmt: str, expected: int) -> None:
    assert count_words(text, fmt) == expected


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        (MARKDOWN_SAMPLE, "markdown", MARKDOWN_WORDS),
        (RST_SAMPLE, "rst", RST_WORDS),
        (LATEX_SAMPLE, "latex", LATEX_WORDS),
    ],
    ids=["markdown", "rst", "latex"],
)
def test_windows_line_endings_and_bom_do_not_change_counts(text: str, fmt: str,
                                                           expected: int) -> None:
    assert count_words("\ufeff" + text.replace("\n", "\r\n"), fmt) == expected


# --- the definition of a word -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("   \n\t ", 0),
        ("one", 1),
        ("state-of-the-art", 1),
        ("— | ... * # -- ___ ** ~", 0),
        ("(a) [b] {c}", 3),
        ("3.14 and 1,000,000 and 42%", 5),
        ("e-mail, don't, U.S.A.", 3),
        ("snake_case is one word", 4),
        ("naïve café Ünïcödé", 3),
        ("Привет мир", 2),
        ("مرحبا بالعالم", 2),
        ("中文标题", 4),
        ("日本語のテキスト", 8),
        ("Python中文", 3),
        ("中文，标题。", 4),
        ("한국어 문장", 2),
        ("emoji 📝 🚀", 1),
        ("word\u00a0word", 2),
        ("word\u3000word", 2),
        ("word\u200bword", 1),
    ],
)
def test_plain_word_definition(text: str, expected: int) -> None:
    assert count_words(text, "text") == expected


# --- markdown ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\ntitle: A long title here\ntags: [a, b]\n---\nBody text.", 2),
        ("+++\ntitle = 'Some title'\n+++\nBody text.", 2),
        ("---\nnot front matter, just a rule\n", 6),
        ("Before\n\n---\n\nAfter", 2),
        ("```\ncode words here\n```", 3),
        ("```python\nprint('hi')\n```\nafter", 2),
        ("~~~\nx = 1\n~~~~\nprose", 3),
        ("````\n```\nstill code\n````\nprose", 3),
        ("```\nunclosed code block", 3),
        ("`inline code` stays", 3),
        ("a <!-- hidden comment --> b", 2),
        ("a <!-- multi\nline\ncomment --> b", 2),
        ("a <!-- unclosed comment hides the rest", 1),
        ("<div class=\"note\">Inside a div</div>", 3),
        ("line<br>break<br/>here<br />too", 4),
        ("<em>un</em>believable", 1),
        ("a <img src=\"x.png\" alt=\"alt\"> b", 2),
        ("<https://example.com> autolink", 2),
        ("[link text](https://example.com/a/b?c=d)", 2),
        ("[link](https://en.wikipedia.org/wiki/Foo_(bar)) after", 2),
        ('[link](https://example.com "A long title")', 1),
        ("![alt text here](img.png)", 3),
        ("![](img.png)", 0),
        ("[![badge alt](badge.svg)](https://ci.example.com)", 2),
        ("[text][ref] and [shortcut]", 3),
        ("[ref]: https://example.com\n[other]: <https://x.y> 'Title'", 0),
        ("[Note]: this is prose, not a definition", 7),
        ("# Heading\n## Sub heading ##\nSetext\n======", 4),
        ("## Intro {#intro .unnumbered}", 1),
        ("**bold** and __strong__ and *em* and _em_ and ~~del~~", 9),
        ("- one\n* two\n+ three", 3),
        ("1. one\n2) two\n10. ten", 3),
        ("- [ ] todo\n- [x] done\n- [X] done", 3),
        ("The year\n2024. was good", 5),
        ("Text[^note] here.\n\n[^note]: Footnote words.", 4),
        ("| a | b |\n|---|:-:|\n|c|d|", 4),
        ("***\n___\n- - -", 0),
        ("&copy; 2024 &mdash; Acme&nbsp;Corp", 3),
        ("escaped \\* star \\[not link\\]", 4),
        ("> quoted words\n> more", 3),
    ],
)
def test_markdown(text: str, expected: int) -> None:
    assert count_words(text, "markdown") == expected


# --- reStructuredText -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Title\n=====\n\nBody words here.", 4),
        ("=====\nTitle\n=====", 1),
        (".. note::\n\n   Body of the note.", 4),
        (".. warning:: Danger ahead\n\n   Body.", 3),
        (".. image:: figures/org-chart.png\n   :alt: Org chart\n   :width: 200px", 0),
        (".. figure:: map.png\n   :width: 50%\n\n   Caption of the figure.", 4),
        (".. code-block:: python\n   :linenos:\n\n   print('hello')", 1),
        (".. toctree::\n   :maxdepth: 2\n\n   intro\n   approach", 0),
        (".. math::\n\n   E = mc^2", 1),
        (".. a comment\n   that continues\n\nProse.", 1),
        ("..\n   comment block\n\nProse.", 1),
        ("..\n\n   Block quote after an empty comment.", 6),
        (".. _target-label:\n\nProse.", 1),
        (".. _python: https://www.python.org\n\nProse.", 1),
        ("__ https://anonymous.example.com\n\nProse.", 1),
        (".. |logo| image:: logo.png\n\nThe |logo| here.", 3),
        (".. [#] Auto-numbered footnote text.", 3),
        ("See :ref:`the intro <intro>` now.", 4),
        ("See :ref:`intro` now.", 3),
        ("Use :math:`a + b = c` here.", 3),
        ("Visit `Python <https://www.python.org>`_ today.", 3),
        ("Visit `the docs`_ and Python_ and `anon`__.", 7),
        ("Text [1]_ and [#note]_ and [CIT2002]_.", 3),
        (":Author: Jane Doe\n:Date of issue: 2024", 3),
        (":Author: A. Smith", 2),
        ("   :Indented: field value", 2),
        ("**bold** *em* ``literal`` and `interpreted`", 5),
        ("1. one\n#. two\na) three\n(iv) four\nIV. five", 5),
        ("mix. is a word at line start", 7),
        ("+-----+-----+\n| a   | b   |\n+=====+=====+", 2),
        ("Paragraph::\n\n   literal block", 3),
    ],
)
def test_rst(text: str, expected: int) -> None:
    assert count_words(text, "rst") == expected


# --- LaTeX ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plain words only", 3),
        ("a % comment here\nb", 2),
        ("50\\% of cost", 3),
        ("line\\\\% a comment after a line break\nnext", 2),
        ("joined%\nword", 1),
        ("\\documentclass{article}\n\\usepackage[utf8]{inputenc}\nPreamble words",
         2),  # no \begin{document}: everything counts
        ("\\documentclass{article}\\title{Preamble}\\begin{document}Body\\end{document}After",
         1),
        ("% \\begin{document} in a comment\nAll counts", 2),
        ("\\section{Introduction}", 1),
        ("\\section*{Broader Impacts}", 2),
        ("\\section[Short]{Long Title}", 2),
        ("\\subsection{Risk Mitigation}\\label{sec:risk}", 2),
        ("see \\cite{smith2020} and \\citep[p.~5]{jones}", 2),
        ("Section~\\ref{sec:a} and Eq.~\\eqref{eq:b} and page \\pageref{c}", 5),
        ("\\includegraphics[width=0.5\\textwidth]{fig/a.pdf}", 0),
        ("\\begin{itemize}\\item one \\item two\\end{itemize}", 2),
        ("\\begin{tabular}{|l|c|}\nA & B \\\\\n\\hline\nC&D\\\\[2pt]\n\\end{tabular}", 4),
        ("where $x$ is", 3),
        ("$x$-axis", 1),
        ("where \\(x\\) is", 3),
        ("before $$a+b$$ after", 3),
        ("before \\[ a + b \\] after", 3),
        ("\\begin{align*}\na &= b \\\\\nc &= d\n\\end{align*}", 1),
        ("empty $$ $$ and $ $ math", 3),
        ("costs \\$5 and \\$10", 4),
        ("caf\\'{e} and na\\\"ive and Stra\\ss e", 5),
        ("\\LaTeX{} is nice", 3),
        ("hy\\-phen\\-ated word", 2),
        ("a\\,b and a\\ b", 5),
        ("R\\&D work", 2),
        ("text\\footnote{A footnote.} more", 4),
        ("\\href{https://example.com}{the site} and \\url{https://x.org}", 4),
        ("\\verb|\\cite{x} raw| works", 3),
        ("\\begin{verbatim}\n\\section{x} 50% raw\n\\end{verbatim}\nafter", 4),
        ("\\begin{lstlisting}[language=Python]\nprint(x)\n\\end{lstlisting}", 1),
        ("\\begin{comment}\nhidden words\n\\end{comment}\nshown", 1),
        ("\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}", 0),
        ("\\newcommand{\\foo}[1]{\\textbf{#1}}\nwords", 1),
        ("{\\bf Bold} and {\\em em}", 3),
        ("``quoted'' text---with dashes", 3),
    ],
)
def test_latex(text: str, expected: int) -> None:
    assert count_words(text, "latex") == expected


# --- formats and pages ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("sections/approach.md", "markdown"),
        ("A.MARKDOWN", "markdown"),
        ("notes.mdown", "markdown"),
        ("vol1/mgmt.rst", "rst"),
        ("paper.tex", "latex"),
        ("paper.LaTeX", "latex"),
        ("README", "text"),
        ("notes.txt", "text"),
        ("archive.md.bak", "text"),
        ("dir.md/file", "text"),
        ("C:\\docs\\plan.md", "markdown"),
        ("", "text"),
    ],
)
def test_format_for_path(path: str, fmt: str) -> None:
    assert format_for_path(path) == fmt
    assert format_for_path(path) in FORMATS


def test_format_names_are_forgiving_but_unknown_ones_fail() -> None:
    assert count_words("a b", "MD") == count_words("a b", " Markdown ") == 2
    assert count_words("a b", "tex") == count_words("a b", "txt") == 2
    with pytest.raises(ValueError, match="unknown text format"):
        count_words("a b", "docx")


@pytest.mark.parametrize(
    ("words", "per_page", "pages"),
    [(0, 500, 0.0), (250, 500, 0.5), (1000, 500, 2.0), (501, 500, 1.002)],
)
def test_estimate_pages(words: int, per_page: int, pages: float) -> None:
    assert estimate_pages(words, per_page) == pytest.approx(pages)
    assert isinstance(estimate_pages(words, per_page), float)


@pytest.mark.parametrize(("words", "per_page"), [(10, 0), (10, -5), (-1, 500)])
def test_estimate_pages_rejects_nonsense(words: int, per_page: int) -> None:
    with pytest.raises(ValueError):
        estimate_pages(words, per_page)


# --- speed and pathological input -------------------------------------------------------------

def _timed(text: str, fmt: str) -> tuple[int, float]:
    start = time.perf_counter()
    n = count_words(text, fmt)
    return n, time.perf_counter() - start


@pytest.mark.parametrize("fmt", FORMATS)
def test_five_megabyte_single_line_is_fast(fmt: str) -> None:
    unit = ("We will deliver the **system** on time, within budget — "
            "see [the plan](https://example.com/plan) and `code`. ")
    units = 5_000_000 // len(unit) + 1
    line = unit * units
    assert len(line) > 5_000_000 and "\n" not in line
    n, elapsed = _timed(line, fmt)
    assert n == 14 * units
    assert elapsed < 2.0, f"{fmt}: {elapsed:.2f}s"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("text", ["[" * 10**6, "`" * 10**6, "\\" * 10**6],
                         ids=["brackets", "backticks", "backslashes"])
def test_pathological_megabyte_is_fast(text: str, fmt: str) -> None:
    n, elapsed = _timed(text, fmt)
    assert n == 0
    assert elapsed < 2.0, f"{fmt}: {elapsed:.2f}s"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "text",
    [
        "$" * 10**6, "<!--" * 250_000, "{" * 10**6, "<a " * 333_333, "[a](" * 250_000,
        "\\(" * 500_000, "\\[a" * 330_000, "\\begin{equation}" * 60_000, ".. \n" * 250_000,
        ":a:`" * 250_000, "```\n" * 250_000, "~~~~\n```\n" * 100_000, "\\verb|" * 200_000,
        "%" * 10**6, "\\cite{" * 160_000, "\\cite{{{" * 100_000, "\\\\[" * 330_000,
        "`<" * 500_000, "`a<" * 330_000, "*" * 10**6, "](" * 500_000, "![" * 500_000,
        "\\x" * 500_000, "&" * 10**6, "&#" * 500_000, "a\n" * 500_000, "1. a\n" * 200_000,
        "- [x] " * 160_000, "[^" * 500_000, "\n   " * 250_000, "$a" * 500_000,
    ],
    ids=lambda t: repr(t[:8]),
)
def test_other_hostile_input_stays_linear(text: str, fmt: str) -> None:
    """Quadratic behaviour would take minutes here; the bound is loose for slow CI machines."""
    n, elapsed = _timed(text, fmt)
    assert 0 <= n <= len(text)
    assert elapsed < 5.0, f"{fmt}: {elapsed:.2f}s"


# --- properties -------------------------------------------------------------------------------

def _reference_count(text: str) -> int:
    """The definition, written the slow obvious way."""
    def is_cjk(c: str) -> bool:
        o = ord(c)
        return (0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF
                or 0xF900 <= o <= 0xFAFF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9D
                or 0x20000 <= o <= 0x3134F or c in "\u3005\u3007\u3021\u3022\u3023\u3024"
                "\u3025\u3026\u3027\u3028\u3029\u3038\u3039\u303a\u303b")

    count = 0
    current: list[str] = []
    for c in text + " ":
        if c.isspace() or is_cjk(c):
            if any(ch.isalnum() for ch in current):
                count += 1
            current = []
            count += is_cjk(c)
        else:
            current.append(c)
    return count


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_text_count_matches_the_definition(text: str) -> None:
    assert count_words(text, "text") == _reference_count(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcXYZ019é中 \n\t")))
def test_markup_free_text_counts_the_same_in_every_format(text: str) -> None:
    expected = count_words(text, "text")
    for fmt in FORMATS:
        assert count_words(text, fmt) == expected, fmt


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab1 \n\t[](){}<>!#*_-|`~$%\\&^:.=+\"'/@")),
       st.sampled_from(FORMATS))
def test_any_markup_soup_counts_without_error(text: str, fmt: str) -> None:
    n = count_words(text, fmt)
    assert isinstance(n, int)
    assert 0 <= n <= len(text)


# --- layering ---------------------------------------------------------------------------------

def test_domain_modules_import_only_the_standard_library() -> None:
    """The domain layer must stay headless: no UI, git or watcher library may load with it."""
    root = ROOT
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import proposal_tui.domain.wordcount, proposal_tui.domain.text\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print(','.join(sorted(new - set(sys.stdlib_module_names) - {'proposal_tui'})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == ""
