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
