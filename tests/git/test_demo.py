"""The demo builder: real repositories, checked with plain git as an outsider would see them."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.manifest import parse_manifest
from proposal_tui.store.demo import (
    SAMPLES_DIR,
    build_demo,
    list_samples,
    partial_text,
    shift_value,
    stub_text,
)
from tests.gitutil import git

SAMPLES = ["transit-rfp", "nsf-grant"]
# A fixed Wednesday in the past: no commit can be pulled back to "now", and the history
# (about 18 Feb - 11 Mar 2026) crosses the US switch to daylight saving time on 8 March.
TODAY = dt.date(2026, 3, 11)
HANDLE_RE = re.compile(r"^[a-z][a-z0-9._-]*$")


def _toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _demo(sample: str) -> dict[str, Any]:
    return _toml(SAMPLES_DIR / sample / "demo.toml")


BUILD_SECONDS: dict[str, float] = {}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each sample built once for the module (a build is a few dozen real commits)."""
    root = tmp_path_factory.mktemp("demos")
    repos = {}
    for name in SAMPLES:
        start = time.perf_counter()
        repos[name] = build_demo(root / name, name, today=TODAY)
        BUILD_SECONDS[name] = time.perf_counter() - start
    return repos


def _dates(repo: Path) -> list[dt.datetime]:
    return [dt.datetime.fromisoformat(line)
            for line in git(repo, "log", "--format=%aI").split()]


# ----------------------------------------------------------------------------- the samples


def test_list_samples_finds_both() -> None:
    assert set(SAMPLES) <= set(list_samples())


@pytest.mark.parametrize("sample", SAMPLES)
def test_sample_manifest_is_valid_and_complete(sample: str) -> None:
    folder = SAMPLES_DIR / sample
    data = _toml(folder / "proposal.toml")
    manifest = parse_manifest((folder / "proposal.toml").read_text(encoding="utf-8"))
    assert manifest.proposal.title and manifest.proposal.due is not None
    people = {p["handle"]: p for p in data["people"]}
    assert all(HANDLE_RE.match(h) for h in people)
    assert {p["role"] for p in people.values()} == {"manager", "writer", "reviewer"}
    ids = [s["id"] for s in data["sections"]]
    files = [s["file"] for s in data["sections"]]
    assert len(set(ids)) == len(ids) and len(set(files)) == len(files)
    for section in data["sections"]:
        assert (folder / section["file"]).is_file(), section["file"]
        assert section["owner"] in people
        assert section["requirements"]
    assert data["milestones"]


def test_transit_sample_shape() -> None:
    data = _toml(SAMPLES_DIR / "transit-rfp" / "proposal.toml")
    assert data["proposal"]["solicitation"] == "RFP 2026-114"
    assert 10 <= len(data["sections"]) <= 14
    assert len(data["people"]) >= 6
    names = {m["name"].split(" (")[0] for m in data["milestones"]}
    assert {"Pink Team", "Red Team", "Gold Team", "White glove", "Proposal due"} <= names
    by_id = {s["id"]: s for s in data["sections"]}
    assert by_id["exec-summary"]["page_limit"] == 10
    assert "page_limit" not in by_id["price-narrative"]
    assert "word_limit" not in by_id["price-narrative"]
    reqs = {r for s in data["sections"] for r in s["requirements"]}
    assert {"L.3.1", "L.3.2", "M.1", "M.2"} <= reqs


def test_nsf_sample_shape() -> None:
    data = _toml(SAMPLES_DIR / "nsf-grant" / "proposal.toml")
    by_title = {s["title"]: s for s in data["sections"]}
    assert by_title["Project Summary"]["page_limit"] == 1
    assert by_title["Project Description"]["page_limit"] == 15
    assert by_title["Data Management and Sharing Plan"]["page_limit"] == 2
    assert by_title["Mentoring Plan"]["page_limit"] == 1
    assert "page_limit" not in by_title["References Cited"]
    suffixes = {Path(s["file"]).suffix for s in data["sections"]}
    assert ".tex" in suffixes and suffixes & {".rst", ".txt"}
    assert len(data["people"]) >= 5


@pytest.mark.parametrize("sample", SAMPLES)
def test_demo_history_refers_to_people_and_sections(sample: str) -> None:
    data = _toml(SAMPLES_DIR / sample / "proposal.toml")
    people = {p["handle"] for p in data["people"]}
    sections = {s["id"] for s in data["sections"]}
    demo = _demo(sample)
    assert isinstance(demo["anchor"], dt.date)
    for entry in demo["commits"]:
        assert entry["author"] in people
        for key in ("write", "set", "rename"):
            assert set(entry.get(key, {})) <= sections
        for rel in entry.get("add", []):
            assert (SAMPLES_DIR / sample / rel).is_file()


# ----------------------------------------------------------------------------- the built repo


@pytest.mark.parametrize("sample", SAMPLES)
def test_history_is_realistic(built: dict[str, Path], sample: str) -> None:
    repo = built[sample]
    people = {p["email"]: p for p in _toml(SAMPLES_DIR / sample / "proposal.toml")["people"]}
    count = int(git(repo, "rev-list", "--count", "HEAD"))
    assert count == len(_demo(sample)["commits"]) >= 25
    authors = git(repo, "log", "--format=%an <%ae>").splitlines()
    emails = {a.split("<")[1].rstrip(">") for a in authors}
    assert len(emails) >= 5 and emails <= set(people)
    for line in set(authors):  # name and email come from the same person
        name, email = line[:-1].split(" <")
        assert people[email]["name"] == name
    dates = _dates(repo)
    assert max(dates) - min(dates) >= dt.timedelta(days=14)
    assert git(repo, "log", "--format=%aI") == git(repo, "log", "--format=%cI")
    zone = ZoneInfo(_toml(repo / "proposal.toml")["proposal"]["timezone"])
    for when in dates:  # every commit carries the proposal zone's offset for its own date
        assert when.utcoffset() == when.astimezone(zone).utcoffset()
    assert max(dates).date() == TODAY
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("sample", SAMPLES)
def test_first_commit_is_the_managers_scaffold(built: dict[str, Path], sample: str) -> None:
    repo = built[sample]
    first = git(repo, "rev-list", "--max-parents=0", "HEAD").strip()
    manager = next(p for p in _toml(repo / "proposal.toml")["people"] if p["role"] == "manager")
    assert git(repo, "log", "-1", "--format=%ae", first).strip() == manager["email"]
    scaffold = tomllib.loads(git(repo, "show", f"{first}:proposal.toml"))
    assert {s["status"] for s in scaffold["sections"]} == {"not-started"}
    for section in scaffold["sections"]:
        text = git(repo, "show", f"{first}:{section['file']}")
        assert text == stub_text(section["title"], section["file"])
    assert "README.md" in git(repo, "show", "--name-only", "--format=", first).split()


@pytest.mark.parametrize("sample", SAMPLES)
def test_rename_and_trailers_are_in_history(built: dict[str, Path], sample: str) -> None:
    repo = built[sample]
    renames = [line.split("\t") for line in
               git(repo, "log", "-M", "--name-status", "--format=").splitlines()
               if line.startswith("R")]
    assert renames
    _, old, new = renames[0]
    followed = git(repo, "log", "--follow", "--name-only", "--format=", "--", new).split()
    assert old in followed and new in followed
    manifest_files = {s["file"] for s in _toml(repo / "proposal.toml")["sections"]}
    assert new in manifest_files and old not in manifest_files
    trailers = git(repo, "log", "--format=%(trailers:key=Proposal-Status,valueonly)").split()
    assert "ready-for-review" in trailers


@pytest.mark.parametrize("sample", SAMPLES)
def test_final_state_is_clean_and_matches_the_sample(built: dict[str, Path],
                                                    sample: str) -> None:
    repo = built[sample]
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    data = _toml(repo / "proposal.toml")
    manager = next(p for p in data["people"] if p["role"] == "manager")
    assert git(repo, "config", "user.email").strip() == manager["email"]
    assert git(repo, "config", "user.name").strip() == manager["name"]
    people = {p["handle"] for p in data["people"]}
    for section in data["sections"]:
        assert section["owner"] in people
        built_text = (repo / section["file"]).read_text(encoding="utf-8")
        assert built_text == (SAMPLES_DIR / sample / section["file"]).read_text(encoding="utf-8")
    assert "Demo:" in (repo / "README.md").read_text(encoding="utf-8")
    assert "demo.toml" not in git(repo, "ls-files").split()


@pytest.mark.parametrize("sample", SAMPLES)
def test_drafts_grow_over_several_commits(built: dict[str, Path], sample: str) -> None:
    repo = built[sample]
    data = _toml(repo / "proposal.toml")
    longest = max(data["sections"], key=lambda s: (repo / s["file"]).stat().st_size)
    shas = git(repo, "log", "--follow", "--format=%H", "--", longest["file"]).split()
    assert len(shas) >= 4
    sizes = [len(git(repo, "show", f"{sha}:{path}"))
             for sha, path in _paths_through_history(repo, longest["file"], shas)]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]


def _paths_through_history(repo: Path, path: str, shas: list[str]) -> list[tuple[str, str]]:
    """(commit, the file's name in that commit), following renames backwards."""
    names = git(repo, "log", "--follow", "--name-only", "--format=", "--", path).split()
    return list(zip(shas, names))


def test_built_with_anchor_today_keeps_the_manifest_verbatim(tmp_path: Path) -> None:
    anchor = _demo("transit-rfp")["anchor"]
    repo = build_demo(tmp_path / "demo", "transit-rfp", today=anchor)
    sample_text = (SAMPLES_DIR / "transit-rfp" / "proposal.toml").read_text(encoding="utf-8")
    assert (repo / "proposal.toml").read_text(encoding="utf-8") == sample_text


def test_dates_shift_by_the_difference_in_today(built: dict[str, Path], tmp_path: Path) -> None:
    later = TODAY + dt.timedelta(days=10)
    a = _toml(built["transit-rfp"] / "proposal.toml")
    b = _toml(build_demo(tmp_path / "b", "transit-rfp", today=later) / "proposal.toml")
    pairs = [(a["proposal"]["due"], b["proposal"]["due"]),
             (a["proposal"]["kickoff"], b["proposal"]["kickoff"])]
    pairs += [(x["due"], y["due"]) for x, y in zip(a["sections"], b["sections"])]
    pairs += [(x["date"], y["date"]) for x, y in zip(a["milestones"], b["milestones"])]
    for old, new in pairs:
        if isinstance(old, dt.datetime):  # same wall clock, ten calendar days later
            assert new.date() - old.date() == dt.timedelta(days=10)
            assert new.time() == old.time()
        else:
            assert new - old == dt.timedelta(days=10)
    assert a["proposal"]["due"] != b["proposal"]["due"]
    head_a = _dates(built["transit-rfp"])[0]
    head_b = _dates(tmp_path / "b")[0]
    assert head_b.date() - head_a.date() == dt.timedelta(days=10)


def test_now_sets_today_and_no_commit_lies_in_its_future(tmp_path: Path) -> None:
    zone = ZoneInfo("America/New_York")
    now = dt.datetime.combine(TODAY, dt.time(8, 0), tzinfo=zone)  # before the day's last commits
    repo = build_demo(tmp_path / "demo", "transit-rfp", now=now)
    dates = _dates(repo)
    assert max(dates) < now and max(dates).date() == TODAY
    assert dates == sorted(dates, reverse=True) and len(set(dates)) == len(dates)
    built_due = _toml(repo / "proposal.toml")["proposal"]["due"]
    sample_due = _toml(SAMPLES_DIR / "transit-rfp" / "proposal.toml")["proposal"]["due"]
    assert built_due.date() - sample_due.date() == TODAY - _demo("transit-rfp")["anchor"]


def test_deadline_keeps_its_wall_clock_across_daylight_saving() -> None:
    zone = ZoneInfo("America/New_York")
    winter = dt.datetime(2026, 12, 18, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    summer = shift_value(winter, dt.timedelta(days=-180), zone)
    assert summer.isoformat() == "2026-06-21T17:00:00-04:00"
    assert shift_value(dt.date(2026, 12, 4), dt.timedelta(days=3), zone) == dt.date(2026, 12, 7)


def test_statuses_relative_to_today(built: dict[str, Path]) -> None:
    """What the dashboard shows on the build day (via the real `proposal status --json`)."""
    expect = {
        "transit-rfp": {
            "transition": ("not-started", "overdue"), "security": ("drafting", "at_risk"),
            "risk": ("drafting", "over_limit"), "qa": ("approved", None),
            "past-performance": ("approved", None), "mgmt-plan": ("ready-for-review", None),
            "tech-approach": ("revising", None), "small-business": ("n/a", None),
            "staffing": ("drafting", "stale"),
        },
        "nsf-grant": {
            "facilities": ("not-started", "overdue"), "mentoring": ("drafting", "at_risk"),
            "summary": ("ready-for-review", "over_limit"), "dmp": ("approved", None),
            "budget": ("ready-for-review", None), "biosketches": ("drafting", "stale"),
            "description": ("drafting", None),
        },
    }
    flags = ("overdue", "at_risk", "stale", "over_limit")
    for sample, sections in expect.items():
        zone = ZoneInfo(_toml(built[sample] / "proposal.toml")["proposal"]["timezone"])
        now = dt.datetime.combine(TODAY, dt.time(12), tzinfo=zone).isoformat()
        env = {**os.environ, "PROPOSAL_NOW": now}
        proc = subprocess.run([sys.executable, "-m", "proposal_tui", "--repo",
                               str(built[sample]), "status", "--json"], env=env,
                              capture_output=True, text=True, check=False, timeout=120)
        assert proc.returncode == 0, proc.stderr
        states = {s["id"]: s for s in json.loads(proc.stdout)["sections"]}
        for sid, (status, flag) in sections.items():
            assert states[sid]["status"] == status, sid
            assert [f for f in flags if states[sid][f]] == ([flag] if flag else []), sid


# ----------------------------------------------------------------------------- refusals


def test_refuses_a_non_empty_destination(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ProposalError, match="not an empty folder"):
        build_demo(tmp_path, "transit-rfp", today=TODAY)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    afile = tmp_path / "keep.txt"
    with pytest.raises(ProposalError):
        build_demo(afile, "transit-rfp", today=TODAY)


def test_accepts_an_existing_empty_directory(tmp_path: Path) -> None:
    dest = tmp_path / "empty"
    dest.mkdir()
    assert build_demo(dest, "nsf-grant", today=TODAY) == dest
    assert (dest / ".git").is_dir()


def test_unknown_sample_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ProposalError, match="unknown sample 'nope'.*transit-rfp"):
        build_demo(tmp_path / "demo", "nope", today=TODAY)
    assert not (tmp_path / "demo").exists()


def test_samples_dir_can_be_redirected_and_bad_history_is_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    samples = tmp_path / "samples"
    shutil.copytree(SAMPLES_DIR / "nsf-grant", samples / "broken")
    demo = samples / "broken" / "demo.toml"
    text = demo.read_text(encoding="utf-8")
    demo.write_text(text.replace("write = { mentoring = 1.0 }", "write = { mentoring = 0.3 }"),
                    encoding="utf-8")
    monkeypatch.setenv("PROPOSAL_SAMPLES", str(samples))
    assert list_samples() == ["broken"]
    with pytest.raises(ProposalError, match="mentoring-plan.md"):
        build_demo(tmp_path / "demo", "broken", today=TODAY)
    assert not (tmp_path / "demo").exists()  # a failed build leaves nothing behind


def test_bad_author_names_the_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    samples = tmp_path / "samples"
    shutil.copytree(SAMPLES_DIR / "transit-rfp", samples / "bad")
    demo = samples / "bad" / "demo.toml"
    demo.write_text(demo.read_text(encoding="utf-8").replace('author = "li"', 'author = "zed"', 1),
                    encoding="utf-8")
    monkeypatch.setenv("PROPOSAL_SAMPLES", str(samples))
    with pytest.raises(ProposalError, match=r"commit #\d+: author 'zed'"):
        build_demo(tmp_path / "demo", "bad", today=TODAY)


# ----------------------------------------------------------------------------- helpers, speed


def test_partial_text_grows_by_whole_paragraphs() -> None:
    text = "# Title\n\nOne two three.\n\n- a b\n- c d\n\nLast paragraph here.\n"
    assert partial_text(text, 1.0) == text
    assert partial_text(text, 0.01) == "# Title\n"
    assert partial_text(text, 0.6) == "# Title\n\nOne two three.\n\n- a b\n- c d\n"
    drafts = [partial_text(text, f / 10) for f in range(1, 11)]
    assert all(text.startswith(d.rstrip("\n")) for d in drafts)
    assert [len(d) for d in drafts] == sorted(len(d) for d in drafts)


def test_stub_headings_follow_the_file_format() -> None:
    assert stub_text("Summary", "a/b.md") == "# Summary\n"
    assert stub_text("Plan", "p.rst") == "Plan\n====\n"
    assert stub_text("Narrative", "n.tex") == "\\section*{Narrative}\n"
    assert stub_text("Budget", "b.txt") == "Budget\n"


def test_build_is_fast(built: dict[str, Path]) -> None:
    # About 1 s on an idle machine; the bound leaves room for a loaded CI runner.
    assert set(BUILD_SECONDS) == set(SAMPLES)
    assert max(BUILD_SECONDS.values()) < 5.0


def test_demo_module_does_not_pull_in_the_ui() -> None:
    code = ("import sys, proposal_tui.store.demo; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'watchdog')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
