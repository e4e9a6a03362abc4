"""One schedule rule, one symbol each, the same in the CLI, the JSON and the TUI (issue 18,
items 7 and 8).

A section handed over (ready for review or later) has met its due date: `status` said
"4d late" for it while the JSON said not overdue and the TUI showed `✔ 03 Dec`. A section that
is only stale (drafting, no recent commit) showed `⚠` in the table although help defines `⚠`
as "due within 2 working days"; the JSON said `schedule: "at-risk"` beside `at_risk: false`,
and the owners pane counted no risk for it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from proposal_tui.domain.clock import FixedClock
from proposal_tui.domain.rollup import owner_summaries
from proposal_tui.domain.status import SCHEDULE_SYMBOLS, due_label, schedule_state
from proposal_tui.services.workspace import Workspace
from proposal_tui.tui.cells import due_cell
from proposal_tui.tui.screens.help import MARKS
from tests.command import run
from tests.fixtures import make_proposal

# approach: ready for review (a trailer), due Dec 14; two days later it is delivered, not late.
AFTER_DUE = "2026-12-16T10:00:00-05:00"
# summary: drafting, last commit Nov 24, due Dec 8: stale on Dec 1, yet 5 working days away.
STALE_ONLY = "2026-12-01T10:00:00-05:00"


def snapshot(repo: Path, when: str):
    return Workspace(repo, FixedClock(dt.datetime.fromisoformat(when))).proposals.snapshot()


def row(out: str, section: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(section + " "))


def test_a_delivered_section_is_never_late_anywhere(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    human = run("--repo", str(repo), "status", now=AFTER_DUE)
    assert human.code == 0, human.err
    assert "late" not in row(human.out, "approach")
    assert "✔ 14 Dec" in row(human.out, "approach")
    assert "✖" in row(human.out, "staffing")  # not started, due Dec 1: really late
    data = json.loads(run("--repo", str(repo), "status", "--json", now=AFTER_DUE).out)
    approach = next(s for s in data["sections"] if s["id"] == "approach")
    assert approach["overdue"] is False and approach["schedule"] == "done"
    snap = snapshot(repo, AFTER_DUE)
    zone = snap.manifest.proposal.timezone
    for state in snap.states:  # the TUI's due cell says what the CLI says
        assert due_cell(state, snap.now, zone, {}).plain == due_label(state, snap.now, zone)
        assert due_label(state, snap.now, zone) in row(human.out, state.section.id)


def test_stale_alone_is_not_at_risk_in_any_front_end(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    data = json.loads(run("--repo", str(repo), "status", "--json", now=STALE_ONLY).out)
    summary = next(s for s in data["sections"] if s["id"] == "summary")
    assert summary["stale"] is True and summary["at_risk"] is False
    assert summary["schedule"] == "on-track"
    for section in data["sections"]:  # the word and the flags agree
        assert (section["schedule"] == "at-risk") == section["at_risk"]
        assert (section["schedule"] == "overdue") == section["overdue"]
    snap = snapshot(repo, STALE_ONLY)
    zone = snap.manifest.proposal.timezone
    state = snap.state("summary")
    assert state is not None
    assert "⚠" not in due_cell(state, snap.now, zone, {}).plain
    human = run("--repo", str(repo), "status", now=STALE_ONLY)
    assert "⚠" not in row(human.out, "summary") and "… stale" in row(human.out, "summary")
    timeline = run("--repo", str(repo), "timeline", "--width", "100", now=STALE_ONLY)
    assert row(timeline.out, "summary").rstrip().endswith("on-track")
    # The owners pane counts what the table marks.
    risk = SCHEDULE_SYMBOLS["at-risk"]
    for owner in owner_summaries(snap.manifest, list(snap.states)):
        mine = [s for s in snap.states if (s.section.owner or "") == owner.handle]
        assert owner.at_risk == sum(risk in due_cell(s, snap.now, zone, {}).plain for s in mine)
        assert owner.overdue == sum(schedule_state(s) == "overdue" for s in mine)


def test_help_defines_each_symbol_once_as_the_rule_does() -> None:
    meanings = dict(MARKS)
    assert meanings["⚠"].startswith("at risk") and "2 working days" in meanings["⚠"]
    assert meanings["…"].startswith("stale")
    symbols = [symbol for symbol, _ in MARKS]
    assert len(symbols) == len(set(symbols))
