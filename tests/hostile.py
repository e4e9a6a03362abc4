"""The hostile strings of ../shared/hostile-strings.txt (copy in tests/data), decoded."""

from __future__ import annotations

import re
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "hostile-strings.txt"
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_strings() -> list[str]:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    return [re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), line)
            for line in lines if line]


def visible_core(s: str) -> str:
    """A fragment of the string that must survive display literally (letters, markup)."""
    words = re.findall(r"[\w\[\]/@=.$`{}()%;:#-]{3,}", s)
    return max(words, key=len) if words else ""


# The TUI's reading: \t, \n and \r as well as \xNN.
HOSTILE = DATA
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|[tnr])")


def decode(line: str) -> str:
    """The file writes control characters as \\xNN (and \\t, \\r, \\n); make them real."""
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        return {"t": "\t", "n": "\n", "r": "\r"}.get(code) or chr(int(code[1:], 16))

    return _ESCAPE.sub(one, line)


LINES = [decode(line) for line in HOSTILE.read_text(encoding="utf-8").splitlines() if line]
COMMENTABLE = [line for line in LINES if "\0" not in line]  # the review service refuses NUL
