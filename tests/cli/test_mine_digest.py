"""`proposal mine` and `proposal digest` as real processes on a real repository, at a pinned
clock (PROPOSAL_NOW): what is mine, what changed, what is late, who owes an answer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from proposal_tui.domain.clock import FixedClock
from proposal_tui.services.workspace import Workspace
from tests.command import NOW, assert_clean_error, run
from tests.fixtures import MANIFEST, commit_as, make_proposal

AT = dt.datetime.fromisoformat(NOW)  # Wed 2 Dec 2026, 09:00 New York


def _as(repo: Path, handle: str, hours_ago: float) -> tuple[Workspace, object]:
    workspace = Workspace(repo, FixedClock(AT - dt.timedelta(hours=hours_ago)))
    manifest = workspace.proposals.manifest()
    return workspace, manifest


def _comment(repo: Path, author: str, section: str, body: str, hours_ago: float,
             kind: str = "comment", round: str | None = None) -> str:
    workspace, manifest = _as(repo, author, hours_ago)
    person = manifest.person(author)  # type: ignore[attr-defined]
    return workspace.reviews.comment(manifest, person, section, body, kind=kind,
                                     round=round).id


def _reply(repo: Path, author: str, thread: str, body: str, hours_ago: float) -> None:
    workspace, manifest = _as(repo, author, hours_ago)
    workspace.reviews.reply(manifest, manifest.person(author), thread, body)  # type: ignore[attr-defined]


def _resolve(repo: Path, author: str, thread: str, hours_ago: float) -> None:
    workspace, manifest = _as(repo, author, hours_ago)
    workspace.reviews.set_resolved(manifest, manifest.person(author),  # type: ignore[attr-defined]
                                   thread, True)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """make_proposal (summary drafting, approach ready by trailer, staffing not started and
    late since Dec 1), then in the last two days: wes edits the summary with a trailer, mia
    approves the approach and brings the summary's due date to Dec 3 in proposal.toml, and
    reviewers comment. A commit dated after the pinned now must never show."""
    repo = make_proposal(tmp_path_factory.mktemp("mine"))
    commit_as(repo, "Wes Writer", "wes@example.com", "2026-12-01T10:00:00-05:00",
              "Summary: the safety record\n\nProposal-Status: drafting",
              {"sections/summary.md": "# Executive Summary\n\nWe inspect bridges safely, on "
                                      "time, with a spotless record.\n"})
    plan = MANIFEST.replace('status = "not-started"\norder = 20', 'status = "approved"\n'
                            'order = 20').replace("due = 2026-12-08", "due = 2026-12-03")
    commit_as(repo, "Mia Manager", "mia@example.com", "2026-12-01T11:00:00-05:00",
              "Approve the approach; summary due Thursday", {"proposal.toml": plan})
    commit_as(repo, "Val Writer", "val@example.com", "2026-12-05T09:00:00-05:00",
              "From the future", {"sections/staffing.md": "# Staffing\n\nLater.\n"})
    workspace, manifest = _as(repo, "mia", 30)
    workspace.rounds.start(manifest, manifest.person("mia"), "pink")  # type: ignore[attr-defined]
    _comment(repo, "rex", "summary", "Name the *inspection* standard", 20, "must-fix")
    _comment(repo, "rex", "approach", "Drones need a permit", 19, "must-fix")  # approach: val
    answered = _comment(repo, "rex", "staffing", "Who leads?\x1b]0;pwned\x07\x1b[2J", 18,
                        "question")
    _reply(repo, "wes", answered, "Me, for now.", 17)
    _comment(repo, "wes", "approach", "Add a figure?", 16, "question")
    done = _comment(repo, "wes", "approach", "Typo in line 2", 15)
    _resolve(repo, "val", done, 5)
    _comment(repo, "val", "staffing", "Old note", 24 * 9)
    return repo


def test_mine_lists_my_sections_late_first_my_threads_and_my_reviews(repo: Path) -> None:
    data = run("--repo", str(repo), "mine", "--as", "wes", "--json").json()
    assert data["person"] == {"handle": "wes", "name": "Wes Writer", "role": "writer"}
    assert [(s["id"], s["schedule"]) for s in data["sections"]] == [
        ("staffing", "overdue"), ("summary", "at-risk")]
    threads = [(t["section"], t["kind"], t["reason"]) for t in data["threads"]]
    # rex's must-fix and val's old note await wes (must-fix first); wes's own open question
    # is listed; the one wes answered last and the resolved one are not.
    assert threads == [("summary", "must-fix", "awaiting"), ("staffing", "comment", "awaiting"),
                       ("approach", "question", "opened")]
    assert data["threads"][0]["body"] == "Name the *inspection* standard"
    assert data["round"]["name"] == "pink"
    assert [(r["id"], r["reviewed"], r["my_comments"]) for r in data["to_review"]] == [
        ("approach", True, 2)]

    text = run("--repo", str(repo), "--as", "rex", "mine").out
    assert "Rex Reviewer (rex, reviewer)" in text and "My sections (0)" in text
    assert "To review in round pink (started Tue 01 Dec): 0 of 3 sections left" in text
    text = run("--repo", str(repo), "--as", "wes", "mine").out
    assert text.index("staffing") < text.index("summary  ")
    assert "(1d late)" in text and "awaiting your answer" in text


def test_mine_needs_to_know_who_you_are(repo: Path) -> None:
    assert_clean_error(run("--repo", str(repo), "mine", "--as", "nobody"), 2,
                       "unknown person 'nobody'")
    # Over the server the person is fixed: naming another is refused, not obeyed.
    assert_clean_error(run("--repo", str(repo), "mine", "--as", "val",
                           env={"PROPOSAL_PUSHER": "wes"}), 3, "--as is refused")


def test_digest_json_says_what_changed_what_is_late_and_who_owes_an_answer(
        repo: Path) -> None:
    data = run("--repo", str(repo), "digest", "--since", "2d", "--json").json()
    assert data["since"] == "2026-11-30T09:00:00-05:00" and data["now"] == NOW
    assert [(c["author"], c["sections"]) for c in data["commits"]] == [
        ("Wes Writer", ["summary"])]  # the plan commit touches no section; the future never
    assert [(c["section"], c["from"], c["to"], c["source"], c["by"])
            for c in data["status_changes"]] == [
        ("summary", None, "drafting", "trailer", "Wes Writer"),
        ("approach", "not-started", "approved", "plan", "Mia Manager")]
    assert [(t["section"], t["author"]) for t in data["comments"]["new"]] == [
        ("summary", "rex"), ("approach", "rex"), ("staffing", "rex"), ("approach", "wes"),
        ("approach", "wes")]
    assert [(t["section"], t["resolved_by"]) for t in data["comments"]["resolved"]] == [
        ("approach", "val")]
    assert [s["id"] for s in data["late"]] == ["staffing"]
    assert [s["id"] for s in data["at_risk"]] == ["summary"]
    assert [(o["owner"], [t["section"] for t in o["threads"]]) for o in data["must_fix"]] == [
        ("wes", ["summary"]), ("val", ["approach"])]

    same = run("--repo", str(repo), "digest", "--since", "2026-11-30T09:00:00-05:00",
               "--json").json()
    assert same == data  # an ISO date-time names the same moment: one digest
    older = run("--repo", str(repo), "digest", "--since", "2026-11-25", "--json").json()
    assert [c["subject"] for c in older["commits"]][:2] == ["First cut of the approach",
                                                             "Approach ready"]
    # After the moment given, to the second; and before 1970 is from the first commit.
    assert [c["subject"] for c in run("--repo", str(repo), "digest", "--since",
                                      "2026-12-01T10:00:00-05:00", "--json").json()["commits"]
            ] == []
    everything = run("--repo", str(repo), "digest", "--since", "1969-07-20", "--json").json()
    assert everything["commits"][0]["subject"] == "Scaffold the proposal"


def test_digest_text_and_markdown_are_ready_to_mail(repo: Path) -> None:
    text = run("--repo", str(repo), "digest").out  # --since 1d
    assert text.startswith("Bridge Inspection Services: digest\n=====")
    assert "From Tue 01 Dec 2026 09:00 to Wed 02 Dec 2026 09:00 EST" in text
    assert "Summary: the safety record (summary)" in text
    assert "summary: → drafting (commit trailer, Wes Writer)" in text
    assert "approach: not-started → approved (in proposal.toml, Mia Manager)" in text
    assert "Late (1)\n--------\n  staffing: Staffing, wes, drafting" in text
    assert "  Wes Writer (wes): 1\n    summary, rex 01 Dec: Name the *inspection* standard" \
        in text

    md = run("--repo", str(repo), "digest", "--format", "markdown").out
    assert md.startswith("# Bridge Inspection Services: digest\n")
    assert "## Late (1)\n\n- staffing: Staffing, wes, drafting" in md
    assert "  - summary, rex 01 Dec: Name the \\*inspection\\* standard" in md  # literal

    assert "Who leads?" in text and "\x1b" not in text + md and "\x07" not in text + md
    raw = run("--repo", str(repo), "digest", "--json").json()
    assert raw["comments"]["new"][2]["body"] == "Who leads?\x1b]0;pwned\x07\x1b[2J"  # exact

    quiet = run("--repo", str(repo), "digest", "--since", "1h").out
    assert "Nothing changed." in quiet


def test_digest_refuses_a_since_it_cannot_read(repo: Path) -> None:
    assert_clean_error(run("--repo", str(repo), "digest", "--since", "yesterday"), 2,
                       "--since: expected a duration (12h, 1d, 2w) or an ISO date", "yesterday")
    assert_clean_error(run("--repo", str(repo), "digest", "--since", "2026-12-25"), 2,
                       "is after now")
