"""Word counts remembered by blob id: a blob never changes, so its count never goes stale.

Kept as JSON under .git/proposal-tui/ (never pickle: on a shared server the repository is
writable by the whole group, and a cache must not be a way to run code as someone else).
"""

from __future__ import annotations

import json
from pathlib import Path

from proposal_tui.store.atomic import write_atomic

LIMIT = 50_000


class WordCache:
    limit = LIMIT  # entries kept; the oldest go first

    def __init__(self, git_dir: Path) -> None:
        self.path = git_dir / "proposal-tui" / "words.json"
        self._data: dict[str, int | str] | None = None
        self._dirty = False

    def _load(self) -> dict[str, int | str]:
        if self._data is None:
            try:
                raw = json.loads(self.path.read_bytes())
                self._data = {k: v for k, v in raw.items() if isinstance(v, (int, str))} \
                    if isinstance(raw, dict) else {}
            except (OSError, ValueError, RecursionError):  # a cache anyone in the group
                # may write must never stop a reader: a bad one is just a miss
                self._data = {}
        return self._data

    def get(self, sha: str, fmt: str) -> int | str | None:
        """The count, or the reason the blob cannot be counted, or None if unknown."""
        return self._load().get(f"{sha}:{fmt}")

    def put(self, sha: str, fmt: str, value: int | str) -> None:
        data = self._load()
        data[f"{sha}:{fmt}"] = value
        self._dirty = True
        if len(data) > self.limit:
            for key in list(data)[: len(data) - self.limit]:
                del data[key]

    def save(self) -> None:
        if not self._dirty or self._data is None:
            return
        try:
            write_atomic(self.path, json.dumps(self._data, separators=(",", ":")).encode(),
                         durable=False, shared=self.path.parent.parent)
            self._dirty = False
        except OSError:
            pass  # read-only repository: counts are simply recomputed next time
