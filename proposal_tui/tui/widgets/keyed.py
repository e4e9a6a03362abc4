"""Update a DataTable to a new set of keyed rows in place: the refresh path of both tables."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable


def apply_rows(table: DataTable[Text], shown: dict[str, tuple[Text, ...]],
               rows: dict[str, tuple[Text, ...]], columns: list[str],
               force: bool = False) -> int:
    """Make ``table`` show ``rows`` in that order; returns how many cells were rewritten.

    ``shown`` mirrors what the table holds (it is updated here): rows no longer wanted are
    removed, new ones added, changed cells rewritten with ``update_cell``, and the order fixed
    with an in-place ``sort``. Unchanged cells are not touched, so nothing flickers.
    """
    updates = 0
    for key in [k for k in shown if k not in rows]:
        table.remove_row(key)
        del shown[key]
    for key, new in rows.items():
        old = shown.get(key)
        if old is None:
            table.add_row(*new, key=key)
            shown[key] = new
            continue
        merged = []
        for column, before, after in zip(columns, old, new):
            if force or (before is not after and before != after):  # cached rows: same object
                table.update_cell(key, column, after)
                updates += 1
                merged.append(after)
            else:
                merged.append(before)
        shown[key] = tuple(merged)
    order = list(rows)
    if [row.key.value for row in table.ordered_rows] != order:
        # The first cell object of each row identifies it inside DataTable.sort's key.
        rank = {id(shown[key][0]): i for i, key in enumerate(order)}
        table.sort(key=lambda values: rank[id(values[0])])
    return updates
