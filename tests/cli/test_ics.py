"""`proposal ics`: checked with a standard iCalendar parser (the `icalendar` package)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from proposal_tui.services.calendar import CalendarEvent, to_ics
from tests import TEST_DATA
from tests.command import assert_clean_error, run
from tests.fixtures import MANIFEST, commit_as, make_proposal
from tests.gitutil import git

NY = ZoneInfo("America/New_York")


def _events(data: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def test_ics_for_everyone_parses_and_holds_every_date(repo: Path, tmp_path: Path) -> None:
    assert run("--repo", str(repo), "--as", "mia", "round", "start", "pink").code == 0
    assert run("--repo", str(repo), "--as", "mia", "round", "close", "pink",
               now="2026-12-04T16:30:00-05:00").code == 0
    out = tmp_path / "team.ics"
    result = run("--repo", str(repo), "ics", "-o", str(out))
    assert result.code == 0, result.err
    data = out.read_bytes()
    assert b"\r\n" in data and all(len(line) <= 75 for line in data.split(b"\r\n"))
    events = _events(data)
    assert set(events) == {"Due: Executive Summary", "Due: Technical Approach", "Due: Staffing",
                           "Pink Team", "Pink review round starts", "Pink review round closed",
                           "Submission deadline: Bridge Inspection Services"}
    summary = events["Due: Executive Summary"]
    assert summary["DTSTART"].dt == dt.date(2026, 12, 8)  # a bare date: an all-day event
    assert summary["DTEND"].dt == dt.date(2026, 12, 9)
    assert "Owner: Wes Writer (wes)" in str(summary["DESCRIPTION"])
    assert "Limit: 50 words" in str(summary["DESCRIPTION"])
    deadline = events["Submission deadline: Bridge Inspection Services"]["DTSTART"].dt
    assert deadline == dt.datetime(2026, 12, 18, 17, 0, tzinfo=NY)
    assert events["Pink review round starts"]["DTSTART"].dt == \
        dt.datetime(2026, 12, 2, 9, 0, tzinfo=NY)
    assert events["Pink review round closed"]["DTSTART"].dt == \
        dt.datetime(2026, 12, 4, 16, 30, tzinfo=NY)
    uids = [str(e["UID"]) for e in events.values()]
    assert len(set(uids)) == len(uids)
    again = run("--repo", str(repo), "ics", now="2026-12-10T09:00:00-05:00")
    assert [str(e["UID"]) for e in _events(again.out.encode()).values()] == uids  # stable


def test_ics_for_one_person_keeps_their_sections_and_team_dates(repo: Path) -> None:
    result = run("--repo", str(repo), "ics", "--for", "val")
    assert result.code == 0, result.err
    events = _events(result.out.encode())
    assert "Due: Technical Approach" in events
    assert "Due: Executive Summary" not in events and "Due: Staffing" not in events
    assert "Pink Team" in events
    assert_clean_error(run("--repo", str(repo), "ics", "--for", "ghost"), 2, "unknown person")


def test_ics_escapes_hostile_titles(tmp_path: Path) -> None:
    hostile = [line for line in (TEST_DATA / "hostile-strings.txt")
               .read_text("utf-8").splitlines() if line.strip()]
    hostile += ["semi;colon, comma\\backslash", "line\nbreak\r\nand CR",
                "real \x1b[31mescape\x00 and \x07 bell", "BEGIN:VEVENT\nSUMMARY:injected",
                "長い日本語のタイトル" * 12]
    repo = tmp_path / "p"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    manifest = MANIFEST.replace('title = "Bridge Inspection Services"',
                                f"title = {json.dumps(hostile[0], ensure_ascii=False)}")
    extra = "".join(f'\n[[milestones]]\nname = {json.dumps(h, ensure_ascii=False)}\n'
                    f'date = 2026-12-{(i % 20) + 1:02d}T10:00:00-05:00\nkind = "other"\n'
                    for i, h in enumerate(hostile))
    manifest = manifest.replace("[[sections]]", extra + "\n[[sections]]", 1)
    commit_as(repo, "Mia", "mia@example.com", "2026-11-20T09:00:00-05:00", "hostile",
              {"proposal.toml": manifest, "sections/summary.md": "x\n",
               "sections/approach.md": "x\n", "sections/staffing.md": "x\n"})
    result = run("--repo", str(repo), "ics")
    assert result.code == 0, result.err
    events = _events(result.out.encode())
    names = set(events)
    for h in hostile:
        expected = "".join(c for c in h.replace("\r\n", "\n").replace("\r", "\n")
                           if c == "\n" or not (ord(c) < 32 or 0x7f <= ord(c) <= 0x9f))
        assert expected in names, h
    assert sum(1 for line in result.out.splitlines() if line == "BEGIN:VEVENT") == \
        len(events)


def test_folding_never_splits_a_character() -> None:
    """Long lines fold at 75 octets (icalendar writes them) between whole characters."""
    moment = dt.datetime(2026, 12, 1, 9, 0, tzinfo=NY)
    text = to_ics([CalendarEvent(uid="u@proposal-tui", summary="é📝" * 60, start=moment)],
                  moment, "name")
    data = text.encode("utf-8")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    folded = [line for line in text.split("\r\n") if line.startswith(("SUMMARY:", " "))]
    assert len(folded) > 2 and folded[1].startswith(" ")
    assert "".join(line.removeprefix(" ") for line in folded) == "SUMMARY:" + "é📝" * 60
