"""Word counts as a proposal portal would report them: the prose, not the markup.

Limits in solicitations are counted on the rendered document, so markup that never reaches the
page (URLs, labels, citation keys, directive names, comments, front matter) must not count, and
text that does reach the page (link text, image alt text, captions, footnotes, code) must.

A *word* is a maximal run of non-space characters holding at least one letter or digit: "—" or
"|" alone is not a word, "state-of-the-art" is one. Each CJK ideograph or kana counts as one
word (Chinese and Japanese are written without spaces, and portals and word processors count
them per character); Hangul is written with spaces and is counted like Latin text.

Every pattern here is linear: each scan stops at the next opening delimiter and uses possessive
quantifiers (Python 3.11+), and unterminated constructs are found with ``str.find``, so
megabytes of pathological input ("[[[[", "````", "\\\\\\\\") are counted in well under a second.

Only the standard library is imported: this module is part of the headless domain layer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

__all__ = ["FORMATS", "count_words", "estimate_pages", "format_for_path"]

FORMATS: tuple[str, ...] = ("markdown", "rst", "latex", "text")

_EXTENSIONS: dict[str, str] = {
    "md": "markdown",
    "markdown": "markdown",
    "mdown": "markdown",
    "rst": "rst",
    "tex": "latex",
    "latex": "latex",
}

_ALIASES: dict[str, str] = {
    "md": "markdown",
    "tex": "latex",
    "txt": "text",
    "plain": "text",
    "restructuredtext": "rst",
}


def format_for_path(path: str) -> str:
    """Pick the counting rules from a file name; anything unknown is counted as plain text."""
    name = re.split(r"[/\\]", path)[-1]
    _, dot, ext = name.rpartition(".")
    if not dot:
        return "text"
    return _EXTENSIONS.get(ext.lower(), "text")


def estimate_pages(words: int, words_per_page: int) -> float:
    """Pages the words would fill: page limits are checked against this, not a layout engine."""
    if words_per_page <= 0:
        raise ValueError(f"words_per_page must be positive, not {words_per_page}")
    if words < 0:
        raise ValueError(f"words must not be negative, not {words}")
    return words / words_per_page


def count_words(text: str, fmt: str) -> int:
    """Count the words a reader sees once ``text`` (in ``fmt``, see FORMATS) is rendered.

    Decisions, so that counts are predictable:

    - markdown: fenced code blocks count (code is content in a technical volume) but not
      their fence lines; front matter, HTML comments and tags, URLs, reference definitions,
      footnote markers, list bullets and numbers (up to 3 digits), task boxes, table pipes
      and heading attributes do not. Link text and image alt text count.
    - rst: directive lines and their ``:option:`` lines, comments, hyperlink targets and
      substitution definitions do not count; directive bodies, footnote bodies, role text
      and link text do.
    - latex: only the document body counts when ``\\begin{document}`` is present. Each
      non-empty inline or display math span counts as ONE word (a reader reads "$n$" as a
      word in the sentence); ``%`` comments, citation keys, labels, references, file names,
      environment names and package options do not. Verbatim content counts as plain text;
      ``comment`` and ``tikzpicture`` environments do not count.
    - text: every word as defined in the module docstring.

    In every format each CJK ideograph or kana counts as one word.
    """
    key = fmt.strip().lower()
    key = _ALIASES.get(key, key)
    counter = _COUNTERS.get(key)
    if counter is None:
        raise ValueError(f"unknown text format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not text:
        return 0
    return counter(_normalise_newlines(text))


# --- plain words ------------------------------------------------------------------------------

# Han ideographs (with extensions and compatibility forms), kana and half-width katakana.
_CJK = re.compile(
    "[\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9d\U00020000-\U0003134f]"
)
# From the first letter or digit to the end of its run: one match per word.
_WORD = re.compile(r"[^\W_]\S*+")


def _count_plain(text: str) -> int:
    """Words in text with no markup left; CJK characters count one each."""
    cjk = 0
    if not text.isascii():
        text, cjk = _CJK.subn(" ", text)
    return cjk + _WORD.subn("", text)[1]


def _normalise_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.removeprefix("\ufeff")


def _drop_delimited(text: str, opener: str, closer: str, replacement: str = " ") -> str:
    """Remove every ``opener ... closer`` span; an unclosed one runs to the end (as in HTML).

    Uses ``str.find`` so that a million openers with no closer stay linear.
    """
    if opener not in text:
        return text
    parts: list[str] = []
    pos = 0
    while True:
        start = text.find(opener, pos)
        if start < 0:
            parts.append(text[pos:])
            break
        parts.append(text[pos:start])
        parts.append(replacement)
        end = text.find(closer, start + len(opener))
        if end < 0:
            break
        pos = end + len(closer)
    return "".join(parts)


# --- markdown ---------------------------------------------------------------------------------

# Line-based patterns start with a literal "\n" (the text is framed by newlines first) rather
# than "^" with re.M: the regex engine then skips to newlines at C speed on a huge single line.
_MD_FRONT_MATTER = re.compile(r"\A(?:---|\+\+\+)[ \t]*+\n")
_MD_YAML_END = re.compile(r"\n(?:---|\.\.\.)[ \t]*+(?=\n|\Z)")
_MD_TOML_END = re.compile(r"\n\+\+\+[ \t]*+(?=\n|\Z)")
_MD_FENCE = re.compile(r"\n[ \t]*+(`{3,}+|~{3,}+)([^\n]*+)")
_MD_FENCE_CLOSE = re.compile(r"\n[ \t]*+(`{3,}+|~{3,}+)[ \t]*+(?=\n)")
_MD_REF_DEF = re.compile(
    r"\n[ \t]{0,3}\[(?!\^)[^\[\]\n]++\]:[ \t]*+\S++"
    r"(?:[ \t]++(?:\"[^\"\n]*+\"|'[^'\n]*+'|\([^()\n]*+\)))?+[ \t]*+(?=\n)"
)
_MD_FOOTNOTE = re.compile(r"\[\^[^\[\]\s]++\]:?")
# Only the targets go: the brackets left around link text are punctuation and never count, so
# "[two words](url)" is two words and "![](img.png)" none, with a literal (fast) replacement.
_MD_LINK_TARGET = re.compile(r"\]\((?:[^()\n]|\([^()\n]*+\))*+\)")
_MD_REF_TARGET = re.compile(r"\]\[[^\[\]\n]*+\]")
_MD_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*+)(?:\s[^<>]*+)?/?>")
# Replacements are literal (no group references): those run in C, templates run in Python.
_MD_ORDERED = re.compile(r"\n[ \t>]*+\d{1,3}[.)](?=[ \t\n])")
_MD_TASK = re.compile(r"\n[ \t>]*+[-*+][ \t]++\[[ xX]\](?=[ \t\n])")
_MD_ATTRIBUTES = re.compile(r"\{[#.][^{}\n]*+\}[ \t]*+(?=\n)")
# Tags that sit inside a word (<em>un</em>likely); all others separate words (<br>, <td>).
_INLINE_TAGS = frozenset(
    "a abbr b bdi bdo cite code data del dfn em font i ins kbd mark q s samp small span strike "
    "strong sub sup time tt u var".split()
)


def _md_tag(match: re.Match[str]) -> str:
    return "" if match.group(1).lower() in _INLINE_TAGS else " "


def _count_markdown(text: str) -> int:
    text = _md_strip_front_matter(text)
    prose, code = _md_split_fences("\n" + text + "\n")
    return _count_plain(_md_prose(prose)) + _count_plain(code)


def _md_strip_front_matter(text: str) -> str:
    """YAML (---) or TOML (+++) metadata is for tools, never printed."""
    opening = _MD_FRONT_MATTER.match(text)
    if not opening:
        return text
    closer = _MD_TOML_END if text.startswith("+") else _MD_YAML_END
    end = closer.search(text, opening.end() - 1)
    if end is None:
        return text  # an unclosed "---" is a thematic break, not front matter
    return text[end.end():]


def _md_split_fences(text: str) -> tuple[str, str]:
    """Separate fenced code (counted as is) from prose; ``text`` is framed by newlines."""
    if "```" not in text and "~~~" not in text:
        return text, ""
    prose: list[str] = []
    code: list[str] = []
    pos = 0
    while True:
        opening = _MD_FENCE.search(text, pos)
        if opening is None:
            break
        fence = opening.group(1)
        if fence[0] == "`" and "`" in opening.group(2):
            pos = opening.end()  # inline code spanning a line, not a fence
            continue
        prose.append(text[pos:opening.start()])
        body_start = opening.end()
        search_at = body_start
        while True:
            closing = _MD_FENCE_CLOSE.search(text, search_at)
            if closing is None:
                code.append(text[body_start:])
                prose.append("\n")
                return "".join(prose), "\n".join(code)
            mark = closing.group(1)
            if mark[0] == fence[0] and len(mark) >= len(fence):
                break
            search_at = closing.end()
        code.append(text[body_start:closing.start()])
        pos = closing.end()
    prose.append(text[pos:])
    return "".join(prose), "\n".join(code)


def _md_prose(text: str) -> str:
    """Remove markup whose words would otherwise count; bare punctuation never counts anyway.

    ``text`` starts and ends with a newline, which the line patterns rely on.
    """
    text = _drop_delimited(text, "<!--", "-->")
    if "]:" in text:
        text = _MD_REF_DEF.sub("\n", text)
    if "[^" in text:
        text = _MD_FOOTNOTE.sub("", text)
    if "[ ]" in text or "[x]" in text or "[X]" in text:
        text = _MD_TASK.sub("\n", text)
    if "](" in text:
        text = _MD_LINK_TARGET.sub("]", text)
    if "][" in text:
        text = _MD_REF_TARGET.sub("]", text)
    if "<" in text:
        text = _MD_TAG.sub(_md_tag, text)
    if "&" in text:
        text = html.unescape(text)  # "&nbsp;" separates words, "&mdash;" is punctuation
    text = _MD_ORDERED.sub("\n", text)
    if "{" in text:
        text = _MD_ATTRIBUTES.sub(" ", text)
    return text.replace("|", " ")


# --- reStructuredText -------------------------------------------------------------------------

_RST_HAS_EXPLICIT = re.compile(r"\n[ \t]*+\.\.(?=[ \t\n])")
_RST_EXPLICIT = re.compile(r"([ \t]*+)\.\.(?:[ \t]++(.*))?$")
_RST_DIRECTIVE = re.compile(
    r"(?:\|[^|\n]++\|[ \t]++)?([\w][\w.+-]*+(?::[\w][\w.+-]*+)*+)::(?:[ \t]++(.*)|[ \t]*+$)"
)
_RST_FOOTNOTE_LABEL = re.compile(r"\[[^\[\]\n]++\][ \t]*+")
_RST_OPTION = re.compile(r"[ \t]*+:[^:\s][^:\n]*+:(?:[ \t]|$)")
_RST_ANON_TARGET = re.compile(r"\n[ \t]*+__[ \t]++\S[^\n]*+")
_RST_MATH_ROLE = re.compile(r":math:`[^`]*+`")
_RST_ROLE_PREFIX = re.compile(r":[\w][\w.+:-]*+:(?=`)")
_RST_ROLE_SUFFIX = re.compile(r"`:[\w][\w.+:-]*+:")
_RST_EMBEDDED_URI = re.compile(r"<[^`<>\n]*+>`")  # the "<url>" of `text <url>`_
_RST_FOOTNOTE_REF = re.compile(r"\[[#*]?[\w.-]*+\]_")
_RST_FIELD = re.compile(r"\n[ \t]*+:[^:\s][^:\n]*+:(?=[ \t\n])")
# List enumerators: numbers, "#", one letter, or a well-formed roman numeral ("mix." is a word).
_ENUM = (r"(?:\d{1,3}|#|[A-Za-z]|x{0,3}(?:ix|iv|vi{0,3}|i{1,3})|x{1,3}"
         r"|X{0,3}(?:IX|IV|VI{0,3}|I{1,3})|X{1,3})")
_RST_ENUMERATOR = re.compile(
    # the lookahead is a cheap filter so that ordinary lines fail before the alternation
    r"\n[ \t]*+(?=\(?[0-9A-Za-z#]{1,6}[.)][ \t])(?:\(?" + _ENUM + r"\)|" + _ENUM + r"\.)(?=[ \t])"
)
# Directives whose argument is printed (a title or the first line of the text).
_RST_TITLED = frozenset(
    "admonition attention caution contents danger error hint important note tip warning seealso "
    "topic sidebar rubric table list-table csv-table container line-block parsed-literal".split()
)
# Directives whose body is not prose: file lists, raw output, diagram sources.
_RST_NO_BODY = frozenset(
    "toctree raw meta include graphviz digraph graph mermaid uml plantuml".split()
)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _count_rst(text: str) -> int:
    text = "\n" + text + "\n"  # the line patterns start with a newline
    if ".." in text and _RST_HAS_EXPLICIT.search(text):
        text = _rst_explicit_markup(text)
    if "__" in text:
        text = _RST_ANON_TARGET.sub("\n", text)
    if "`" in text:
        text = _RST_MATH_ROLE.sub("m", text)
        text = _RST_ROLE_PREFIX.sub("", text)
        text = _RST_ROLE_SUFFIX.sub("`", text)
        text = _RST_EMBEDDED_URI.sub("`", text)
    if "]_" in text:
        text = _RST_FOOTNOTE_REF.sub("", text)
    text = _RST_ENUMERATOR.sub("\n", text)  # before fields: ":Author: A. Smith" keeps "A."
    if ":" in text:
        text = _RST_FIELD.sub("\n", text)
    return _count_plain(text)


def _rst_explicit_markup(text: str) -> str:
    """Resolve ``..`` blocks: comments and targets vanish, directives keep only what prints."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        start = _RST_EXPLICIT.match(line)
        if start is None:
            out.append(line)
            i += 1
            continue
        indent = len(start.group(1))
        rest = start.group(2) or ""
        end = i + 1
        if rest or (end < n and lines[end].strip()):  # ".." then a blank line owns nothing
            while end < n and (not lines[end].strip() or _indent(lines[end]) > indent):
                end += 1
        body = lines[i + 1:end]
        i = end
        directive = _RST_DIRECTIVE.match(rest)
        if directive:
            name = directive.group(1).lower()
            if rest.startswith("|") or name in _RST_NO_BODY:
                out.append("")  # substitution definitions print only where they are used
                continue
            k = 0
            while k < len(body) and _RST_OPTION.match(body[k]):
                k += 1
            if name in _RST_TITLED and directive.group(2):
                out.append(directive.group(2))
            if name == "math":
                out.append("m" if any(b.strip() for b in body[k:]) else "")
            else:
                out.extend(body[k:])
        elif rest.startswith("[") and (label := _RST_FOOTNOTE_LABEL.match(rest)):
            out.append(rest[label.end():])
            out.extend(body)
        else:
            out.append("")  # comment, hyperlink target or empty comment
    return "\n".join(out)


# --- LaTeX ------------------------------------------------------------------------------------

_VERBATIM_ENVS = "verbatim|Verbatim|BVerbatim|lstlisting|minted|alltt"
_SKIPPED_ENVS = "comment|tikzpicture|pgfpicture"
_SKIPPED = frozenset(_SKIPPED_ENVS.split("|"))
# Everything the scanner must see in order: line breaks, escapes, comments, verbatim, document.
# Every branch starts with a literal so the engine can skip ordinary text quickly.
_TEX_SCAN = re.compile(
    r"\\(?:(?P<br>\\(?:\\\\)*+\*?(?:\[[^\[\]\n]*+\])?)"
    r"|(?P<esc>[%$&#_{}])"
    r"|(?P<verb>verb)(?![a-zA-Z])\*?"
    r"|begin\{(?P<env>(?:" + _VERBATIM_ENVS + "|" + _SKIPPED_ENVS + r")\*?)\}"
    r"|(?P<doc>begin|end)\{document\})"
    r"|%(?P<comment>[^\n]*+(?:\n[ \t]*+)?)"
)
_TEX_ESCAPED = {"%": "%", "$": "\u00a4", "&": "+", "#": "#", "_": "_", "{": "(", "}": ")"}
_TEX_ENV_ARGS = re.compile(r"(?:[ \t]*+(?:\[[^\[\]\n]*+\]|\{[^{}\n]*+\}))*+")
_TEX_MATH_ENVS = re.compile(
    r"\\begin\{((?:equation|align|alignat|flalign|gather|multline|eqnarray|displaymath|math|"
    r"dmath|dgroup)\*?)\}"
)
_TEX_DISPLAY_EMPTY = re.compile(r"\$\$\s*+\$\$")
_TEX_DISPLAY = re.compile(r"\$\$[^$]++\$\$|\\\[(?:[^\\]|\\(?![\[\]]))*+\\\]")
_TEX_INLINE = re.compile(r"\$[^$]++\$|\\\((?:[^\\]|\\(?![()]))*+\\\)")
_TEX_ARG = r"(?:\[[^\[\]]*+\]|\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*+\})*+\})*+\})"
_TEX_DROPPED = re.compile(
    r"\\(?:cite[a-zA-Z]*+|nocite|ref|eqref|pageref|autoref|[cC]ref|vref|nameref|label|"
    r"includegraphics|usepackage|RequirePackage|documentclass|input|include|includeonly|"
    r"bibliography|bibliographystyle|addbibresource|printbibliography|bibitem|begin|"
    r"vspace|hspace|vskip|hskip|setlength|addtolength|setcounter|addtocounter|newcommand|"
    r"renewcommand|providecommand|newenvironment|renewenvironment|DeclareMathOperator|"
    r"color|pagecolor|pagestyle|thispagestyle|pagenumbering|linespread|fontsize|"
    r"graphicspath|hypersetup|geometry|hyperref|newpage|clearpage)\*?(?![a-zA-Z])"
    r"[ \t]*+" + _TEX_ARG + "?+" + _TEX_ARG + "*+"
)
_TEX_END = re.compile(r"\\end[ \t]*+\{[^{}]*+\}")
_TEX_HREF = re.compile(r"\\href[ \t]*+\{[^{}]*+\}")  # the URL; the link text that follows counts
_TEX_LOGO = re.compile(r"\\(?:La)?TeX(?![a-zA-Z])")
_TEX_ACCENT = re.compile(r"\\(?:[`'^\"~=.]|[uvHcdbtkr](?![a-zA-Z])[ \t]*+)")
_TEX_LETTER = re.compile(r"\\(?:ss|ae|AE|oe|OE|aa|AA|[ijoOlL])(?![a-zA-Z])[ \t]*+(?:\{\})?")
_TEX_COMMAND = re.compile(r"\\(?!item(?![a-zA-Z]))[a-zA-Z@]++\*?(?:\[[^\[\]]*+\])?|\\[a-zA-Z@]++")
_TEX_SPACING = re.compile(r"\\[,;: !>]")
_TEX_SYMBOL = re.compile(r"\\[^a-zA-Z]")


def _count_latex(text: str) -> int:
    prose, code = _tex_scan(text)
    return _count_plain(_tex_prose(prose)) + _count_plain(code)


def _tex_scan(text: str) -> tuple[str, str]:
    """One left-to-right pass for what depends on order: escapes, comments, verbatim, body."""
    prose: list[str] = []
    code: list[str] = []
    pos = 0
    n = len(text)
    line_end = -1  # cached end of the current line, so \verb stays linear
    while True:
        m = _TEX_SCAN.search(text, pos)
        if m is None:
            prose.append(text[pos:])
            break
        prose.append(text[pos:m.start()])
        pos = m.end()
        kind = m.lastgroup
        if kind == "br":
            prose.append(" ")
        elif kind == "esc":
            prose.append(_TEX_ESCAPED[m.group("esc")])
        elif kind == "comment":
            pass  # TeX drops the comment, the newline and the next line's indentation
        elif kind == "verb":
            if line_end < pos:
                line_end = text.find("\n", pos)
                if line_end < 0:
                    line_end = n
            if pos < n and not text[pos].isalpha() and not text[pos].isspace():
                end = text.find(text[pos], pos + 1, line_end)
                if end >= 0:
                    prose.append(" ")
                    code.append(text[pos + 1:end])
                    pos = end + 1
                    continue
            prose.append(" ")
        elif kind == "env":
            env = m.group("env")
            closer = "\\end{" + env + "}"
            end = text.find(closer, pos)
            stop = n if end < 0 else end
            if env.rstrip("*") not in _SKIPPED:
                args = _TEX_ENV_ARGS.match(text, pos)
                code.append(text[args.end() if args else pos:stop])
            prose.append(" ")
            pos = n if end < 0 else end + len(closer)
        elif m.group("doc") == "begin":
            prose.clear()  # the preamble is set-up, not prose
            code.clear()
        else:
            break  # \end{document}: TeX reads no further
    return "".join(prose), "\n".join(code)


def _tex_math_envs(text: str) -> str:
    """Display-math environments become one word each (or nothing when empty)."""
    parts: list[str] = []
    pos = 0
    while True:
        m = _TEX_MATH_ENVS.search(text, pos)
        if m is None:
            parts.append(text[pos:])
            return "".join(parts)
        parts.append(text[pos:m.start()])
        closer = "\\end{" + m.group(1) + "}"
        end = text.find(closer, m.end())
        body = text[m.end():] if end < 0 else text[m.end():end]
        parts.append(" m " if body.strip() else " ")
        if end < 0:
            return "".join(parts)
        pos = end + len(closer)


def _tex_prose(text: str) -> str:
    """Reduce the body to the words a reader sees."""
    if "\\begin" in text:
        text = _tex_math_envs(text)
    if "$" in text:
        text = _TEX_DISPLAY_EMPTY.sub(" ", text)
    if "$$" in text or "\\[" in text:
        text = _TEX_DISPLAY.sub(_math_word(" m "), text)
    if "$" in text or "\\(" in text:
        text = _TEX_INLINE.sub(_math_word("m"), text)
    if "\\" in text:
        text = _TEX_HREF.sub(" ", text)
        text = _TEX_DROPPED.sub(" ", text)
        text = _TEX_END.sub(" ", text)
        text = _TEX_LOGO.sub("TeX", text)
        text = _TEX_ACCENT.sub("", text)
        text = _TEX_LETTER.sub("i", text)
        text = _TEX_COMMAND.sub(" ", text)
        text = _TEX_SPACING.sub(" ", text)
        text = _TEX_SYMBOL.sub("", text)  # \- and \/ sit inside words
    # str.replace is far faster than str.translate on non-ASCII text.
    return text.replace("~", " ").replace("&", " ").replace("{", "").replace("}", "")


def _math_word(word: str) -> Callable[[re.Match[str]], str]:
    """Math reads as one word ("where $n$ is"), but empty delimiters are nothing."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(0).strip("$")
        if inner.startswith("\\"):
            inner = inner[2:-2]
        return word if inner.strip() else " "

    return replace


_COUNTERS: dict[str, Callable[[str], int]] = {
    "markdown": _count_markdown,
    "rst": _count_rst,
    "latex": _count_latex,
    "text": _count_plain,
}
