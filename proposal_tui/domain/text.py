"""Other people's text: read it from bytes (:func:`decode_text`), and make it safe to show in
a terminal.

Commit messages, section titles, comments and names come from anyone with push access. Rich
and Textual pass control characters through to the terminal, so a string holding
``ESC]0;...BEL`` retitles the user's terminal and ``ESC]52;...`` writes to their clipboard;
bidi overrides reorder what is shown (Trojan Source), and zero-width characters make two
different names look identical. Everything here removes such characters while keeping every
visible character, so Rich markup such as ``[bold]`` must still be escaped (or passed as
``Text``) by the caller: this module is about bytes reaching the terminal, not markup.

Decisions:

- Escape sequences are dropped whole (CSI ``ESC[...m``, OSC ``ESC]...BEL`` or ``...ESC\\``,
  DCS/SOS/PM/APC strings, two- and three-byte escapes, and their 8-bit C1 forms), so no
  ``]0;title`` residue is left. An unterminated string sequence is dropped to the end of its
  line: the terminal would have swallowed it too.
- ``\\r\\n`` becomes ``\\n``; a lone ``\\r`` (which would let later text overwrite earlier text on
  screen) becomes the visible marker "␍" so tampering stays noticeable.
- Other C0 controls (NUL included) except ``\\n`` and ``\\t``, DEL and C1 controls are removed.
- Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the invisible
  marks LRM, RLM and ALM are removed: terminals do not apply bidi, so they only hide intent.
- Zero-width and invisible format characters are removed: U+200B zero-width space, word
  joiner and invisible operators (U+2060-U+2064), U+206A-U+206F, BOM/ZWNBSP (U+FEFF), soft
  hyphen, U+180E, interlinear annotation marks, Hangul fillers U+3164/U+FFA0 and tag
  characters (U+E0000-U+E007F, used to smuggle hidden ASCII). ZWJ and ZWNJ (U+200C, U+200D)
  are kept: emoji sequences and several scripts need them.
- U+2028/U+2029 line and paragraph separators become ``\\n``; lone surrogates (from
  ``surrogateescape`` decoding of bad bytes) become U+FFFD, as writing them would raise.
"""

from __future__ import annotations

import re

from proposal_tui.domain.errors import ProposalError

__all__ = ["clean_for_display", "csv_cell", "decode_text", "one_line"]

CR_MARKER = "\u240d"  # ␍ SYMBOL FOR CARRIAGE RETURN
ELLIPSIS = "\u2026"

# Whole escape sequences, 7-bit (ESC-introduced) and 8-bit (C1-introduced).
_ESCAPE_SEQUENCE = re.compile(
    # OSC, DCS, SOS, PM, APC: a string ended by BEL or ST (ESC \ or U+009C), else by the line end
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*+(?:\x07|\x1b\\|\x9c)?"
    # CSI: parameter bytes, intermediate bytes, one final byte
    r"|(?:\x1b\[|\x9b)[0-?]*+[ -/]*+[@-~]?"
    # other escapes: intermediate bytes then a final byte (ESC ( B, ESC c, ESC 7, ...)
    r"|\x1b[ -/]*+[0-~]"
)
_FORBIDDEN = re.compile(
    "["
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 except \t and \n (\r is handled before), DEL, C1
    "\u00ad\u061c\u180e"  # soft hyphen, Arabic letter mark, Mongolian vowel separator
    "\u200b\u200e\u200f"  # zero-width space, LRM, RLM
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u2064\u2066-\u206f"  # word joiner, invisible operators, isolates, deprecated
    "\u3164\ufeff\uffa0\ufff9-\ufffb"  # Hangul fillers, BOM, interlinear annotations
    "\U000e0000-\U000e007f"  # tag characters
    "]+"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
# Anything that makes clean_for_display do work; most strings take the fast path.
_NEEDS_CLEANING = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2028\u2029\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
    "\ud800-\udfff\U000e0000-\U000e007f]"
)
_WHITESPACE = re.compile(r"\s+")


def clean_for_display(s: str) -> str:
    """Return ``s`` with nothing that a terminal would act on or hide; visible text is kept.

    Newlines and tabs survive; see the module docstring for what is removed and why.
    """
    if not _NEEDS_CLEANING.search(s):
        return s
    if _SURROGATE.search(s):
        s = _SURROGATE.sub("\ufffd", s)
    if "\x1b" in s or _has_c1_introducer(s):
        s = _ESCAPE_SEQUENCE.sub("", s)
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", CR_MARKER)
    if "\u2028" in s or "\u2029" in s:
        s = s.replace("\u2028", "\n").replace("\u2029", "\n")
    return _FORBIDDEN.sub("", s)


def _has_c1_introducer(s: str) -> bool:
    return any(c in s for c in "\x90\x98\x9b\x9d\x9e\x9f")


def one_line(s: str, limit: int | None = None) -> str:
    """``s`` cleaned and flattened for a table cell or status line, at most ``limit`` characters.

    Every run of whitespace (newlines, tabs, a lone ``\\r``) becomes one space; the result is
    stripped, and when longer than ``limit`` it is cut and ends with "…". ``limit`` counts
    characters, not terminal cells: measuring cells is the UI's job.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must not be negative, not {limit}")
    s = clean_for_display(s.replace("\r", "\n"))
    s = _WHITESPACE.sub(" ", s).strip()
    if limit is None or len(s) <= limit:
        return s
    if limit == 0:
        return ""
    return s[: limit - 1].rstrip() + ELLIPSIS


def csv_cell(s: str) -> str:
    """A text cell for CSV: cleaned for display, and never a spreadsheet formula.

    OWASP's CSV-injection advice: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return is prefixed with ``'`` so spreadsheets show it as text. Numbers we write
    ourselves are not passed through here, so ``-3`` stays a number.
    """
    s = clean_for_display(s)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def decode_text(data: bytes, path: str) -> str:
    """UTF-8 or a ProposalError naming the line of the first bad byte."""
    nul = data.find(b"\0", 0, 8192)
    if nul >= 0:
        raise ProposalError("contains a NUL byte: a binary file, not text (save it as "
                            "UTF-8 text)", path, data.count(b"\n", 0, nul) + 1)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProposalError(f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8",
                            path, line) from None
