"""Find where a table or key sits in hand-written TOML, so errors can name a line.

tomllib reports syntax errors with a position but forgets positions once parsing succeeds;
semantic errors ("unknown owner") still deserve a line number. This scanner is deliberately
shallow: it understands table headers and ``key =`` lines, which is all hand-written
manifests use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")


@dataclass
class TableLines:
    line: int
    keys: dict[str, int] = field(default_factory=dict)


@dataclass
class LineMap:
    """Line numbers (1-based) of tables and their keys, arrays of tables in order."""

    tables: dict[str, list[TableLines]] = field(default_factory=dict)

    def table(self, name: str, index: int = 0) -> int | None:
        entries = self.tables.get(name, [])
        return entries[index].line if index < len(entries) else None

    def key(self, name: str, index: int, key: str) -> int | None:
        entries = self.tables.get(name, [])
        if index >= len(entries):
            return None
        return entries[index].keys.get(key, entries[index].line)


def scan(text: str) -> LineMap:
    result = LineMap()
    current = TableLines(line=1)
    result.tables[""] = [current]
    in_multiline: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if raw.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        header = _HEADER.match(raw)
        if header:
            name = header.group(1).strip().strip('"').strip("'")
            current = TableLines(line=number)
            result.tables.setdefault(name, []).append(current)
            continue
        key = _KEY.match(raw)
        if key:
            current.keys.setdefault(key.group(1).strip('"'), number)
            for quote in ('"""', "'''"):
                if raw.count(quote) % 2 == 1:
                    in_multiline = quote
    return result
