"""`proposal progress --csv`: words per section and open comments per day, from history."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

from proposal_tui.domain.comments import make_event
from proposal_tui.domain.identity import Identity
from proposal_tui.store.comments import CommentStore
from tests.command import assert_clean_error, run
from tests.fixtures import commit_as, make_proposal
from tests.gitutil import git

EST = dt.timezone(dt.timedelta(hours=-5))


def _rows(out: str) -> dict[tuple[str, str], dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(out)))
    return {(r["date"], r["section"]): r for r in rows}


def test_progress_csv_follows_history_day_by_day(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    # a late-evening commit belongs to its own day in the proposal's zone (UTC says Nov 27)
    commit_as(repo, "Wes Writer", "wes@example.com", "2026-11-26T22:30:00-05:00", "Evening",
              {"sections/summary.md": "# Executive Summary\n\n" + "word " * 20})
    store = CommentStore(repo)
    rex = Identity("Rex", "rex@example.com")
    first = make_event("comment", "approach", "rex", dt.datetime(2026, 11, 25, 15, tzinfo=EST),
                       random.Random(1), body="Cite M.1")
    store.append(first, rex)
    store.append(make_event("comment", "approach", "rex",
                            dt.datetime(2026, 11, 26, 15, tzinfo=EST), random.Random(2),
                            body="Figure?"), rex)
    store.append(make_event("resolve", "approach", "val", dt.datetime(2026, 11, 27, 9,
                                                                      tzinfo=EST),
                            random.Random(3), thread=first.id), rex)
    result = run("--repo", str(repo), "progress", "--csv", "--since", "2026-11-23",
                 "--until", "2026-11-28")
    assert result.code == 0, result.err
    header = result.out.splitlines()[0]
    assert header == "date,section,title,words,word_limit,open_comments,commit"
    rows = _rows(result.out)
    assert len(rows) == 6 * 3
    words = {d: int(rows[(d, "summary")]["words"]) for d in
             ("2026-11-23", "2026-11-24", "2026-11-26", "2026-11-27")}
    assert words == {"2026-11-23": 2, "2026-11-24": 9, "2026-11-26": 22, "2026-11-27": 22}
    approach = [int(rows[(f"2026-11-{d}", "approach")]["words"]) for d in range(23, 29)]
    assert approach == [2, 2, 82, 122, 122, 122]
    comments = [int(rows[(f"2026-11-{d}", "approach")]["open_comments"]) for d in range(23, 29)]
    assert comments == [0, 0, 1, 2, 1, 1]
    assert rows[("2026-11-24", "summary")]["word_limit"] == "50"
    head = git(repo, "rev-parse", "HEAD").strip()
    assert rows[("2026-11-28", "staffing")]["commit"] == head
    as_json = run("--repo", str(repo), "progress", "--json", "--since", "2026-11-27",
                  "--until", "2026-11-27").json()
    assert [r["section"] for r in as_json] == ["summary", "approach", "staffing"]


def test_progress_defaults_to_first_commit_until_today(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    result = run("--repo", str(repo), "progress")  # NOW is 2026-12-02
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert rows[0]["date"] == "2026-11-20" and rows[-1]["date"] == "2026-12-02"
    assert rows[0]["words"] == "2"  # the scaffold's heading


def test_progress_follows_renamed_files_and_neutralises_formulas(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    git(repo, "mv", "sections/summary.md", "sections/00-summary.md")
    manifest = (repo / "proposal.toml").read_text().replace(
        '"sections/summary.md"', '"sections/00-summary.md"').replace(
        'title = "Executive Summary"', 'title = "=HYPERLINK(\\"http://x\\")"')
    commit_as(repo, "Mia Manager", "mia@example.com", "2026-11-27T09:00:00-05:00", "Rename",
              {"proposal.toml": manifest})
    result = run("--repo", str(repo), "progress", "--since", "2026-11-26", "--until",
                 "2026-11-27")
    rows = _rows(result.out)
    assert rows[("2026-11-26", "summary")]["words"] == "9"
    assert rows[("2026-11-27", "summary")]["words"] == "9"
    assert rows[("2026-11-27", "summary")]["title"] == "'=HYPERLINK(\"http://x\")"


def test_progress_rejects_bad_dates(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    assert_clean_error(run("--repo", str(repo), "progress", "--since", "yesterday"), 2,
                       "--since: invalid date")
    assert_clean_error(run("--repo", str(repo), "progress", "--since", "2026-12-05",
                           "--until", "2026-12-01"), 2, "before")
