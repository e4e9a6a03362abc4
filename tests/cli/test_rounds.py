"""Review rounds as git tags, their coverage and the round-to-round diff, end to end."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from proposal_tui.domain.comments import Anchor, make_event
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.domain.rounds import (
    Round,
    SectionAt,
    in_round,
    label_matches,
    pair_sections,
    round_name,
    word_changes,
)
from proposal_tui.store.comments import CommentStore
from tests.command import assert_clean_error, run
from tests.fixtures import commit_as, make_proposal
from tests.gitutil import git

EST = dt.timezone(dt.timedelta(hours=-5))
REX = Identity("Rex Reviewer", "rex@example.com")


def _at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=EST)


def _comment(repo: Path, section: str, body: str, when: dt.datetime, *, round: str | None,
             quote: str | None = None, kind: str = "comment") -> str:
    event = make_event("comment", section, "rex", when, random.Random(when.timestamp()),
                       body=body, kind=kind, round=round,
                       anchor=Anchor(quote=quote) if quote else None)
    CommentStore(repo).append(event, REX)
    return event.id


def _resolve(repo: Path, section: str, thread: str, when: dt.datetime) -> None:
    event = make_event("resolve", section, "wes", when, random.Random(1), thread=thread)
    CommentStore(repo).append(event, Identity("Wes Writer", "wes@example.com"))


# --- domain ----------------------------------------------------------------------------------

def test_round_names_are_strict_and_normalised() -> None:
    assert round_name("Pink") == "pink" and round_name("red-2") == "red-2"
    assert round_name("pink team") == "pink-team" and round_name("a--b") == "a-b"  # issue 18
    for bad in ("", "1st", "../x", "-x", "pink;rm", "round/pink",
                "x" * 33, "--upload-pack=x", "ünï"):
        with pytest.raises(ProposalError):
            round_name(bad)


def test_comment_labels_match_their_round() -> None:
    assert label_matches("Pink Team", "pink") and label_matches("pink", "pink")
    assert label_matches("RED team", "red") and not label_matches("Red Team", "pink")
    assert not label_matches(None, "pink")


def test_unlabelled_comments_belong_to_the_round_running_when_made() -> None:
    rnd = Round("pink", "a" * 40, _at(1), closed_at=_at(3))
    inside = make_event("comment", "s", "rex", _at(2), random.Random(1), body="x")
    after = make_event("comment", "s", "rex", _at(4), random.Random(1), body="x")
    labelled = make_event("comment", "s", "rex", _at(4), random.Random(1), body="x",
                          round="Pink Team")
    assert in_round(inside, rnd, None) and not in_round(after, rnd, None)
    assert in_round(labelled, rnd, None)


def test_word_changes_count_added_and_removed_words() -> None:
    old = "# T\n\nWe inspect bridges safely and on time.\n\nKeep this paragraph.\n"
    new = "# T\n\nWe inspect bridges safely, cheaply and on time with drones.\n\n" \
          "Keep this paragraph.\n\nA new one.\n"
    assert word_changes(old, new) == (8, 2)
    assert word_changes(old, old) == (0, 0)
    assert word_changes("", "one two") == (2, 0)
    assert word_changes("a b c", "") == (0, 3)
    assert word_changes("— | —", "") == (0, 0)  # punctuation is not a word


def test_sections_pair_by_id_then_former_id_then_file() -> None:
    a = {"intro": SectionAt("intro.md", "Intro"), "old": SectionAt("a.md", "A"),
         "hand": SectionAt("h.md", "H"), "gone": SectionAt("g.md", "G")}
    b = {"new": SectionAt("b.md", "A", renamed_from=("older", "old")),
         "intro": SectionAt("intro.md", "Intro"), "byhand": SectionAt("h.md", "H"),
         "added": SectionAt("n.md", "N")}
    assert pair_sections(a, b) == [("old", "new"), ("intro", "intro"), ("hand", "byhand"),
                                   (None, "added"), ("gone", None)]


# --- the commands ------------------------------------------------------------------------------

@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def test_round_start_tags_head_as_the_manager(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    result = run("--repo", str(repo), "--as", "mia", "round", "start", "Pink", "-m",
                 "Read sections 1-2")
    assert result.code == 0, result.err
    assert "round/pink" in result.out
    assert git(repo, "cat-file", "-t", "round/pink").strip() == "tag"  # annotated
    assert git(repo, "rev-parse", "round/pink^{commit}").strip() == head
    tagger = git(repo, "for-each-ref", "--format=%(taggername) %(taggeremail) "
                 "%(taggerdate:iso-strict)", "refs/tags/round/pink").strip()
    assert tagger == "Mia Manager <mia@example.com> 2026-12-02T09:00:00-05:00"
    assert "Read sections 1-2" in git(repo, "tag", "-l", "-n9", "round/pink")
    listed = run("--repo", str(repo), "round", "list", "--json").json()
    assert [(r["name"], r["open"], r["commit"]) for r in listed] == [("pink", True, head)]


def test_round_commands_refuse_bad_input_and_non_managers(repo: Path) -> None:
    assert_clean_error(run("--repo", str(repo), "--as", "wes", "round", "start", "pink"), 3,
                       "permission denied", "manage-rounds")
    assert_clean_error(run("--repo", str(repo), "--as", "rex", "round", "close", "pink"), 3)
    for bad in ("pink;touch x", "../../etc", "--upload-pack=touch"):
        result = run("--repo", str(repo), "--as", "mia", "round", "start", "--", bad)
        assert_clean_error(result, 2, "invalid round name")
    assert git(repo, "tag", "-l").strip() == ""
    assert run("--repo", str(repo), "--as", "mia", "round", "start", "pink").code == 0
    assert_clean_error(run("--repo", str(repo), "--as", "mia", "round", "start", "PINK"), 2,
                       "already started")
    assert_clean_error(run("--repo", str(repo), "--as", "mia", "round", "close", "red"), 2,
                       "no round 'red'")
    assert_clean_error(run("--repo", str(repo), "--as", "mia", "round", "start", "red",
                           "--rev", "nope"), 2, "unknown revision")
    assert run("--repo", str(repo), "--as", "mia", "round", "close", "pink").code == 0
    assert_clean_error(run("--repo", str(repo), "--as", "mia", "round", "close", "pink"), 2,
                       "already closed")


def test_rounds_work_on_a_bare_repository(repo: Path, tmp_path: Path) -> None:
    bare = tmp_path / "shared.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    assert run("--repo", str(bare), "--as", "mia", "round", "start", "gold").code == 0
    assert run("--repo", str(bare), "--as", "mia", "round", "close", "gold",
               now="2026-12-03T09:00:00-05:00").code == 0
    listed = run("--repo", str(bare), "round", "list", "--json").json()
    assert listed[0]["name"] == "gold" and listed[0]["open"] is False
    assert listed[0]["closed_at"] == "2026-12-03T09:00:00-05:00"
    git(repo, "fetch", "-q", str(bare), "refs/tags/*:refs/tags/*")
    assert git(repo, "tag", "-l").split() == ["round-closed/gold", "round/gold"]


def _pink_to_red(repo: Path) -> dict[str, str]:
    """Pink starts on Dec 2, reviewers comment, writers edit and resolve, Red starts Dec 5."""
    assert run("--repo", str(repo), "--as", "mia", "round", "start", "pink",
               now="2026-12-02T09:00:00-05:00").code == 0
    ids = {
        "summary": _comment(repo, "summary", "Say how", _at(2, 11), round="Pink Team",
                            kind="must-fix", quote="safely and on time"),
        "approach": _comment(repo, "approach", "More detail", _at(2, 12), round=None),
        "approach-typo": _comment(repo, "approach", "Typo?", _at(2, 13), round="Pink Team",
                                  quote="cracks early"),
        "red-early": _comment(repo, "summary", "For Red", _at(2, 14), round="Red Team"),
    }
    commit_as(repo, "Wes Writer", "wes@example.com", "2026-12-03T10:00:00-05:00", "Fix summary",
              {"sections/summary.md": "# Executive Summary\n\nWe inspect bridges safely, cheaply "
                                      "and on time with drones.\n"})
    _resolve(repo, "summary", ids["summary"], _at(3, 11))
    _resolve(repo, "approach", ids["approach-typo"], _at(3, 12))  # resolved, text unchanged
    assert run("--repo", str(repo), "--as", "mia", "round", "close", "pink",
               now="2026-12-04T09:00:00-05:00").code == 0
    assert run("--repo", str(repo), "--as", "mia", "round", "start", "red",
               now="2026-12-05T09:00:00-05:00").code == 0
    _comment(repo, "approach", "late unlabelled", _at(6), round=None)
    return ids


def test_round_diff_counts_words_and_comment_outcomes(repo: Path) -> None:
    ids = _pink_to_red(repo)
    result = run("--repo", str(repo), "round", "diff", "pink", "red", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert (data["a"]["name"], data["b"]["name"]) == ("pink", "red")
    sections = {s["id"]: s for s in data["sections"]}
    assert list(sections) == ["summary", "approach", "staffing"]
    summary = sections["summary"]
    assert (summary["words_a"], summary["words_b"], summary["added"], summary["removed"]) == \
        (9, 12, 5, 2)
    assert summary["comments"] == {"total": 1, "resolved_by_edit": 1,
                                   "resolved_without_edit": 0, "open": 0}
    assert summary["threads"][0]["id"] == ids["summary"]
    assert summary["threads"][0]["quote_gone"] is True  # "safely and on time" was rewritten
    approach = sections["approach"]
    assert (approach["added"], approach["removed"], approach["changed"]) == (0, 0, False)
    outcomes = {t["id"]: t["outcome"] for t in approach["threads"]}
    assert outcomes == {ids["approach"]: "open",  # unlabelled but made during Pink
                        ids["approach-typo"]: "resolved-without-edit"}
    assert sections["staffing"]["threads"] == [] and not sections["staffing"]["changed"]
    text = run("--repo", str(repo), "round", "diff", "pink", "red")
    assert text.code == 0
    assert "1 resolved by edits, 0 resolved without edits, 0 open" in text.out
    one = run("--repo", str(repo), "round", "diff", "pink", "HEAD", "approach",
              now="2026-12-07T09:00:00-05:00")
    assert one.code == 0 and "resolved-without-edit" in one.out and "Typo?" in one.out
    assert "staffing" not in one.out
    assert_clean_error(run("--repo", str(repo), "round", "diff", "pink", "red", "nope"), 2,
                       "unknown section 'nope'")
    assert_clean_error(run("--repo", str(repo), "round", "diff", "HEAD", "red"), 2)


def test_round_list_shows_review_coverage(repo: Path) -> None:
    _pink_to_red(repo)
    listed = {r["name"]: r for r in run("--repo", str(repo), "round", "list", "--json").json()}
    pink = {c["section"]: c for c in listed["pink"]["coverage"]}
    assert pink["summary"]["reviewed"] and pink["summary"]["reviewers"] == ["rex"]
    assert pink["approach"]["threads"] == 2 and not pink["staffing"]["reviewed"]
    red = {c["section"]: c["reviewed"] for c in listed["red"]["coverage"]}
    assert red == {"summary": True, "approach": True, "staffing": False}
    text = run("--repo", str(repo), "round", "list")
    assert "reviewed 2/3 sections" in text.out and "not reviewed yet: staffing" in text.out


def test_round_diff_follows_a_renamed_section_file(repo: Path) -> None:
    assert run("--repo", str(repo), "--as", "mia", "round", "start", "pink").code == 0
    git(repo, "mv", "sections/summary.md", "sections/00-summary.md")
    manifest = (repo / "proposal.toml").read_text().replace('"sections/summary.md"',
                                                            '"sections/00-summary.md"')
    commit_as(repo, "Mia Manager", "mia@example.com", "2026-12-02T10:00:00-05:00", "Rename",
              {"proposal.toml": manifest})
    data = run("--repo", str(repo), "round", "diff", "pink", "HEAD", "summary", "--json").json()
    summary = data["sections"][0]
    assert (summary["file_a"], summary["file_b"]) == ("sections/summary.md",
                                                      "sections/00-summary.md")
    assert (summary["added"], summary["removed"]) == (0, 0)


def test_round_diff_pairs_a_renamed_and_moved_section(repo: Path) -> None:
    """`section rename` and `section set --file` between two rounds: one section, renamed,
    with its real word changes and its round-A threads, not one deleted and one added."""
    assert run("--repo", str(repo), "--as", "mia", "round", "start", "pink",
               now="2026-12-02T09:00:00-05:00").code == 0
    thread = _comment(repo, "summary", "Say how", _at(2, 11), round="Pink Team")
    for args in (("section", "rename", "summary", "overview"),
                 ("section", "set", "overview", "--file", "sections/00-overview.md")):
        result = run("--repo", str(repo), "--as", "mia", *args, now="2026-12-03T09:00:00-05:00")
        assert result.code == 0, result.err
    text = (repo / "sections/00-overview.md").read_text()
    commit_as(repo, "Wes Writer", "wes@example.com", "2026-12-03T10:00:00-05:00", "Edit",
              {"sections/00-overview.md": text + "\nOne more sentence here.\n"})
    assert run("--repo", str(repo), "--as", "mia", "round", "start", "red",
               now="2026-12-04T09:00:00-05:00").code == 0
    data = run("--repo", str(repo), "round", "diff", "pink", "red", "--json").json()
    sections = {s["id"]: s for s in data["sections"]}
    assert list(sections) == ["overview", "approach", "staffing"]
    overview = sections["overview"]
    assert overview["renamed_from"] == "summary"
    assert (overview["file_a"], overview["file_b"]) == ("sections/summary.md",
                                                        "sections/00-overview.md")
    assert (overview["words_a"], overview["words_b"]) == (9, 13)
    assert (overview["added"], overview["removed"], overview["changed"]) == (4, 0, True)
    assert [t["id"] for t in overview["threads"]] == [thread]
    assert sections["approach"]["renamed_from"] is None
    human = run("--repo", str(repo), "round", "diff", "pink", "red")
    assert human.code == 0 and "renamed from summary" in human.out
    for name in ("summary", "overview"):  # either id picks the one section
        one = run("--repo", str(repo), "round", "diff", "pink", "red", name, "--json").json()
        assert [s["id"] for s in one["sections"]] == ["overview"]
