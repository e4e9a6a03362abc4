"""Every private part of Textual that proposal_tui touches, in one place.

Checked against Textual 8.2.8 (``textual==8.2.8`` in pyproject.toml). Our widgets import
Textual's private names only from here. The private methods they override or call, the private
attributes they read or write and the Textual code they copy are listed below as data, which
tests/tui/test_textual_compat.py checks against the installed Textual: it fails, naming what
changed, before a table or a footer draws wrong. To upgrade Textual, run that test, re-read the
code at each ``where`` it names against the new version, then update ``TEXTUAL_VERSION`` and the
digests.

Private names imported:
- ``SegmentLines`` (textual.widgets._data_table): the return type of
  ``DataTable._render_line_in_row``, which widgets/sections_table.py overrides.
- ``FooterKey`` (textual.widgets._footer): the footer's key widgets, which widgets/footer.py
  greys in or out in place instead of letting Footer rebuild them all.
- ``Compositor`` and ``ChopsUpdate`` (textual._compositor): the screen's compositor and the
  partial update it returns, which dirty_lines.py draws with fewer lines.
(``RowKey`` and ``CellKey`` are public, in textual.widgets.data_table.)

One private part of rich: ``rich._unicode_data.load`` (the width tables ``rich.cells``
measures with), rewritten by :func:`spacing_marks_take_a_cell`; tests/tui/test_tui_devanagari.py
checks its shape.

Why each override or shortcut pays for itself is said where it is made; here is only the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual._compositor import ChopsUpdate, Compositor  # noqa: PLC2701 - see the docstring
from textual.cache import LRUCache
from textual.content import Content
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.widget import PseudoClasses, Widget
from textual.widgets import DataTable, Footer
from textual.widgets._data_table import SegmentLines  # noqa: PLC2701 - see the docstring
from textual.widgets._footer import FooterKey  # noqa: PLC2701 - see the docstring

TEXTUAL_VERSION = "8.2.8"

__all__ = ["MIRRORED", "PRIVATE", "TEXTUAL_VERSION", "ChopsUpdate", "Compositor", "FooterKey",
           "Mirrored", "Private", "SegmentLines"]


@dataclass(frozen=True)
class Private:
    """One private member of a Textual class that our code uses.

    For a method, ``params`` are its parameter names after ``self``, as we override or call
    it. For an attribute, ``value`` is the type its value must have and ``has`` the members we
    use on that value; an attribute set in ``__init__`` is looked up on a new instance.
    """

    owner: type
    name: str
    use: Literal["override", "call", "read", "write"]
    where: str
    params: tuple[str, ...] = ()
    value: type | tuple[type, ...] | None = None
    has: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mirrored:
    """A Textual function whose body our code copies or relies on line by line: ``digest``
    starts the sha256 of its source in ``TEXTUAL_VERSION``, so any change to it is noticed."""

    owner: type
    name: str
    digest: str
    where: str


_TABLE = "widgets/sections_table.py SectionsTable"
_WIDTHS = "widgets/set_widths.py SetWidths"
_KEPT = "widgets/kept_cells.py KeptCells"
_FOOTER = "widgets/footer.py KeyFooter.flip"
_STRIPS = "widgets/strips.py set_virtual_size"
_DIRTY = "dirty_lines.py DirtyLinesCompositor"

PRIVATE: tuple[Private, ...] = (
    # The sections table: a row's lines do not depend on a cursor that is on another row.
    Private(DataTable, "_render_line_in_row", "override", _TABLE,
            ("row_key", "line_no", "base_style", "cursor_location", "hover_location")),
    Private(DataTable, "_render_line", "override", _TABLE, ("y", "x1", "x2", "base_style")),
    Private(DataTable, "_get_offsets", "call", f"{_TABLE}._render_line", ("y",)),
    Private(DataTable, "_line_cache", "write", f"{_TABLE}._render_line", value=LRUCache,
            has=("get", "__setitem__")),
    Private(DataTable, "_row_locations", "read", _TABLE, has=("get", "get_key")),
    Private(DataTable, "_show_hover_cursor", "read", _TABLE, value=bool),
    Private(DataTable, "_pseudo_class_state", "write", f"{_TABLE}.prepare_rows",
            value=PseudoClasses),
    Private(DataTable, "_set_hover_cursor", "override", _TABLE, ("active",)),
    # Both dashboard tables: a cell or a row is drawn again only when its values or its place
    # changed (and _render_line_in_row above, overridden there too).
    Private(DataTable, "_render_cell", "override", _KEPT,
            ("row_index", "column_index", "base_style", "width", "cursor", "hover")),
    Private(DataTable, "_cell_render_cache", "write", f"{_KEPT}._render_cell", value=LRUCache,
            has=("get", "__setitem__")),
    Private(DataTable, "_row_render_cache", "write", f"{_KEPT}._render_line_in_row",
            value=LRUCache, has=("get", "__setitem__")),
    Private(DataTable, "_column_locations", "read", f"{_KEPT}._render_cell", has=("get_key",)),
    Private(DataTable, "_data", "read", f"{_KEPT}.row_values", value=dict, has=("get",)),
    Private(DataTable, "_update_count", "read", f"{_KEPT}.shape_count", value=int),
    Private(DataTable, "_on_resize", "override", f"{_KEPT}: beside DataTable's, not instead",
            ("_",)),
    # Tables whose columns all have set widths measure no cell.
    Private(DataTable, "_update_dimensions", "override", _WIDTHS, ("new_rows",)),
    Private(DataTable, "_update_column_widths", "override", _WIDTHS, ("updated_cells",)),
    # The footer greys keys in or out without rebuilding them.
    Private(Footer, "_bindings_ready", "read", _FOOTER, value=bool),
    Private(FooterKey, "_disabled", "write", _FOOTER, value=bool),
    # A pane's border title repaints its top line only.
    Private(Widget, "_border_title", "write", "widgets/border_title.py retitle",
            value=(Content, type(None))),
    # A new scroll range without a layout of the screen.
    Private(ScrollView, "_scrollbar_changes", "write", _STRIPS, value=set, has=("clear",)),
    Private(ScrollView, "_scroll_update", "call", _STRIPS, ("virtual_size",)),
    # The dashboard's compositor draws only the lines a partial update changed.
    Private(Screen, "_compositor", "write", f"screens/dashboard.py, for {_DIRTY}",
            value=Compositor),
    Private(Compositor, "_dirty_regions", "write", f"{_DIRTY}.render_partial_update",
            value=set, has=("copy", "clear")),
    Private(Compositor, "_regions_to_spans", "call", f"{_DIRTY}.render_partial_update"),
)

MIRRORED: tuple[Mirrored, ...] = (
    Mirrored(DataTable, "_render_line", "a32c6991165cea90",
             f"{_TABLE}._render_line: its line-cache key fields"),
    Mirrored(DataTable, "_render_line_in_row", "669cc46a7ca119d2",
             f"{_TABLE} and {_KEPT}._render_line_in_row: its row cache keys"),
    Mirrored(DataTable, "render_lines", "4e0ae4f0a9bd61c0",
             f"{_TABLE}.prepare_rows: sets _pseudo_class_state as it does"),
    Mirrored(DataTable, "_render_cell", "56c87899a3bfc4da",
             f"{_KEPT}._render_cell: what a cell's drawing reads is in its key"),
    Mirrored(ScrollView, "_size_updated", "1606ca15d9392999",
             f"{_STRIPS}: its scrollbar part"),
    Mirrored(type(vars(Widget)["border_title"]), "__set__", "56fa711aecd98f1d",
             "widgets/border_title.py retitle: the same title, stored the same way"),
    Mirrored(FooterKey, "__init__", "ad69cb341018def5",
             f"{_FOOTER}: _disabled goes with the -disabled class"),
    Mirrored(Footer, "bindings_changed", "eb88714081bd2305",
             "widgets/footer.py KeyFooter.bindings_changed: sets _bindings_ready, rebuilds"),
    Mirrored(Compositor, "render_partial_update", "888dccc892d8ecc2",
             f"{_DIRTY}.render_partial_update: the same spans and chops, fewer lines drawn"),
    Mirrored(Compositor, "_render_chops", "ca8c3359d7afd017",
             f"{_DIRTY}.render_partial_update: front to back, the first strip of a cut wins"),
    Mirrored(ChopsUpdate, "__init__", "f40588bd8fbd6469",
             f"{_DIRTY}.render_partial_update: what a ChopsUpdate is made of"),
)


def spacing_marks_take_a_cell() -> None:
    """Terminals (glibc's wcwidth, tmux, xterm) give a spacing combining mark (Unicode
    category Mc: Devanagari's vowel signs, for one) a cell; rich's width tables (rich 15,
    ``rich._unicode_data.load``, read by ``rich.cells``) give it none. A row holding a
    Devanagari name then ended cells early on screen and pushed the pane's right border
    out. Rewrites the tables rich measures with so that Mc characters are one cell wide
    (a code point in no zero-width range counts one). Idempotent."""
    import functools
    import unicodedata

    from rich import _unicode_data, cells  # noqa: PLC2701 - rich 15's width tables, here only

    if getattr(cells.load_cell_table, "spacing_marks", False):
        return
    original = _unicode_data.load

    @functools.cache
    def load(unicode_version: str = "auto") -> cells.CellTable:
        table = original(unicode_version)
        widths: list[tuple[int, int, int]] = []
        for start, end, width in table.widths:
            if width != 0:
                widths.append((start, end, width))
                continue
            run = start
            for point in range(start, end + 1):
                if unicodedata.category(chr(point)) == "Mc":
                    if run < point:
                        widths.append((run, point - 1, 0))
                    run = point + 1
            if run <= end:
                widths.append((run, end, 0))
        return table._replace(widths=widths)

    load.spacing_marks = True  # type: ignore[attr-defined]
    cells.load_cell_table = load  # type: ignore[assignment]
    cells.get_character_cell_size.cache_clear()
    cells.cached_cell_len.cache_clear()
