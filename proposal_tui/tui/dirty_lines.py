"""A compositor that, for a partial update, draws only the lines that changed and show.

Textual's compositor draws every widget that overlaps the box around all the changed regions.
A cursor move changes two table rows near the top, the preview on the right and a footer key
at the bottom: that box is the whole screen, so every widget drew every line. Here, going
from the front widget to the back as Textual does, a widget draws only its lines where a
changed span still has a gap that no widget in front of it filled: the owners pane draws
nothing, and a container draws only the lines where its border or padding shows. What
reaches the terminal is the same: Textual writes only the changed spans either way.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import groupby, pairwise

from textual.geometry import Region
from textual.strip import Strip

from proposal_tui.tui.textual_compat import ChopsUpdate, Compositor


def runs(lines: list[int]) -> list[tuple[int, int]]:
    """Sorted line numbers as (first, count) runs of consecutive lines."""
    found = []
    for _key, group in groupby(enumerate(lines), lambda pair: pair[1] - pair[0]):
        members = [y for _i, y in group]
        found.append((members[0], len(members)))
    return found


class DirtyLinesCompositor(Compositor):
    def render_partial_update(self) -> ChopsUpdate | None:
        regions = self._dirty_regions.copy()
        self._dirty_regions.clear()
        if not regions:
            return None
        spans = list(self._regions_to_spans(regions))
        by_line: dict[int, list[tuple[int, int]]] = {}
        for y, x1, x2 in spans:
            by_line.setdefault(y, []).append((x1, x2))
        dirty = sorted(by_line)
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [{}] * len(cuts)  # read on changed lines only
        for y in dirty:
            chops[y] = dict.fromkeys(cuts[y][:-1])
        for widget, (region, clip) in self.visible_widgets.items():  # front to back
            shown = region.intersection(clip)
            left, right = shown.x, shown.right
            lines = [y for y in dirty[bisect_left(dirty, shown.y):bisect_left(dirty, shown.bottom)]
                     if self._gap(chops[y], cuts[y], by_line[y], left, right)]
            for first, count in runs(lines):
                strips = widget.render_lines(
                    Region(left - region.x, first - region.y, shown.width, count))
                for y, strip in zip(range(first, first + count), strips, strict=True):
                    line = chops[y]
                    own = [cut for cut in cuts[y] if right >= cut >= left]
                    for cut, piece in zip(own, strip.divide([cut - left for cut in own[1:]]),
                                          strict=False):
                        if line.get(cut) is None:
                            line[cut] = piece
        return ChopsUpdate(chops, spans, [cut_set[1:] for cut_set in cuts])

    @staticmethod
    def _gap(line: dict[int, Strip | None], line_cuts: list[int],
             line_spans: list[tuple[int, int]], left: int, right: int) -> bool:
        """Whether a changed span meets a piece of this line between ``left`` and ``right``
        that no widget in front has drawn yet."""
        for cut, end in pairwise(line_cuts):
            if cut >= right:
                return False
            if cut >= left and line[cut] is None and \
                    any(x1 < end and x2 > cut for x1, x2 in line_spans):
                return True
        return False
