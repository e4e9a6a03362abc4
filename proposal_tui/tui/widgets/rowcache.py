"""Rebuild a section's row only when its state changed.

A commit changes one section; building rich Text for all 300 rows of the table and the
timeline cost ~140 ms on the UI thread after every refresh, most of the live-update budget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class RowCache(Generic[T]):
    """Rows by section id, valid while the section's state and the shared context are equal.

    The context holds everything else a row depends on (manifest, clock minute, layout,
    theme); any change there forgets every row.
    """

    def __init__(self) -> None:
        self._context: tuple[object, ...] | None = None
        self._rows: dict[str, tuple[object, T]] = {}

    def start(self, *context: object) -> None:
        """Call before each pass with the pass's context."""
        old = self._context
        if old is None or len(old) != len(context) or \
                any(a is not b and a != b for a, b in zip(old, context)):
            self._rows.clear()
        self._context = context

    def get(self, key: str, state: object, build: Callable[[], T]) -> T:
        cached = self._rows.get(key)
        if cached is not None and (cached[0] is state or cached[0] == state):
            return cached[1]
        value = build()
        self._rows[key] = (state, value)
        return value

    def clear(self) -> None:
        self._rows.clear()
        self._context = None
