"""Parse TOML and JSON that anyone with push access wrote, with a bound on nesting.

tomllib and json recurse once per level: 5,000 nested brackets raise RecursionError, which
no caller expects, and since comment events are never deleted one such file would break
every reader for good. Both parsers here turn that into :class:`TooDeep` (a ValueError, so
callers report it as bad input), and refuse more than :data:`MAX_DEPTH` levels even when the
parser coped: what we build from the value (caches, JSON output) must not recurse either.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

MAX_DEPTH = 64  # a manifest, requirements file or comment event needs three or four


class TooDeep(ValueError):
    def __init__(self) -> None:
        super().__init__(f"nested too deeply (more than {MAX_DEPTH} levels of arrays or "
                         "tables)")


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Raise TooDeep if ``value`` nests lists/dicts more than ``limit`` levels (iteratively)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise TooDeep()
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))


def loads_toml(text: str) -> dict[str, Any]:
    """tomllib.loads; TooDeep instead of RecursionError (TOMLDecodeError as usual)."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise TooDeep() from None
    check_depth(data)
    return data


def loads_json(text: str) -> Any:
    """json.loads; TooDeep instead of RecursionError (JSONDecodeError as usual)."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise TooDeep() from None
    check_depth(data)
    return data
