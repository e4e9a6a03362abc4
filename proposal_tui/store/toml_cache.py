"""The manifest's TOML, kept under ``.git/proposal-tui/`` for the bytes it was read from.

tomllib is pure Python: reading a 500-section manifest takes it ~60 ms, the largest single
cost of a warm ``proposal status`` and of the dashboard's first load. The cache holds what
tomllib returned and the line map, keyed by the git blob id of the exact bytes; every rule is
still checked on each read. It is JSON, never pickle: a damaged or foreign file can only be
a miss, or TOML values that the rules then judge as they would judge the manifest's own.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from proposal_tui.domain.manifest import TomlDocument
from proposal_tui.domain.tomllines import LineMap, TableLines
from proposal_tui.store.atomic import write_atomic
from proposal_tui.store.repo import blob_sha

CACHE_VERSION = 1
# Every JSON object in the file is a one-key tag: a table (as [key, value] pairs, since a
# TOML key may be any string) or a date, time or datetime, which JSON does not have.
_DATES: dict[str, Callable[[str], Any]] = {
    "datetime": dt.datetime.fromisoformat, "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat}


def encode(value: Any) -> Any:
    """A TOML value (as tomllib returns it) as JSON-ready data that :func:`decode` undoes."""
    if isinstance(value, dict):
        return {"table": [[key, encode(item)] for key, item in value.items()]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    for name in _DATES:  # datetime before date: a datetime is a date too
        if isinstance(value, getattr(dt, name)):
            return {name: value.isoformat()}
    return value


def decode(value: Any) -> Any:
    """Raises ValueError, KeyError or TypeError on anything :func:`encode` did not write."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        ((kind, inner),) = value.items()
        if kind == "table":
            return {str(key): decode(item) for key, item in inner}
        return _DATES[kind](inner)
    if value is None:
        raise ValueError("TOML has no null")
    return value


def _lines_json(lines: LineMap) -> dict[str, list[list[Any]]]:
    return {name: [[table.line, table.keys] for table in tables]
            for name, tables in lines.tables.items()}


def _lines(data: dict[str, list[list[Any]]]) -> LineMap:
    return LineMap({str(name): [TableLines(int(line), {str(k): int(v) for k, v in keys.items()})
                                for line, keys in tables] for name, tables in data.items()})


class TomlCache:
    """One entry: the manifest as it is now. ``git_dir`` None keeps nothing."""

    def __init__(self, git_dir: Path | None) -> None:
        self.file = None if git_dir is None else git_dir / "proposal-tui" / "manifest.json"

    def get(self, data: bytes) -> TomlDocument | None:
        if self.file is None:
            return None
        try:
            saved = json.loads(self.file.read_bytes())
            if saved["version"] != CACHE_VERSION or saved["blob"] != blob_sha(data):
                return None
            table = decode(saved["data"])
            if not isinstance(table, dict):
                return None
            return TomlDocument(table, _lines(saved["lines"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None  # missing, damaged or another version: read the TOML again

    def put(self, data: bytes, document: TomlDocument) -> None:
        if self.file is None:
            return
        saved = {"version": CACHE_VERSION, "blob": blob_sha(data),
                 "data": encode(document.data), "lines": _lines_json(document.lines)}
        try:
            write_atomic(self.file, json.dumps(saved, separators=(",", ":")).encode(),
                         durable=False, shared=self.file.parent.parent)
        except OSError:
            pass  # read-only repository: read the TOML again next time
