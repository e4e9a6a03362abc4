"""Page limits are first-class wherever word limits are (issue 18, item 13): the burn-up
draws the page limit's line for a `page_limit` section (it said "no word limit"), and the
owners' totals count pages and sections over either limit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from proposal_tui.domain.clock import FixedClock
from proposal_tui.domain.rollup import owner_summaries
from proposal_tui.services.workspace import Workspace
from proposal_tui.tui.charts import burnup, series_of
from tests.fixtures import make_proposal

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))


def test_the_burnup_draws_a_page_limit_and_owners_count_pages(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)  # approach: page_limit 2 at 100 words a page
    workspace = Workspace(repo, FixedClock(NOW))
    manifest = workspace.proposals.manifest()
    series = series_of(workspace.progress.rows(manifest), "approach")
    assert series is not None and series.limit == 200
    chart = burnup(series, 70, 8, {}).plain
    assert "no word" not in chart
    limit_line = next(line for line in chart.splitlines() if line.endswith(" limit"))
    assert limit_line.split()[0] == "2p" and "╌" in limit_line
    assert "≈ 1.2 of 2 pages" in chart.splitlines()[-1]
    snap = workspace.proposals.snapshot()
    owners = {o.handle: o for o in owner_summaries(snap.manifest, list(snap.states))}
    assert owners["val"].pages == round(sum(s.pages for s in snap.states
                                            if s.section.owner == "val"), 2) > 1
    assert owners["wes"].over_limit == sum(s.over_limit for s in snap.states
                                           if s.section.owner == "wes")
