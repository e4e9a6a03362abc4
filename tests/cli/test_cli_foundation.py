"""The foundation end to end: real repositories, real commits, the real command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from proposal_tui.store.history import HistoryStore
from proposal_tui.store.repo import ProposalRepo
from tests.command import assert_clean_error, run
from tests.fixtures import commit_as, make_proposal
from tests.gitutil import git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def _sections(repo: Path, *extra: str) -> dict[str, dict]:
    result = run("--repo", str(repo), *extra, "status", "--json")
    assert result.code == 0, result.err
    return {s["id"]: s for s in result.json()["sections"]}


def test_status_json_carries_every_contract_field(repo: Path) -> None:
    data = run("--repo", str(repo), "status", "--json").json()
    assert data["proposal"]["title"] == "Bridge Inspection Services"
    required = {"id", "title", "owner", "status", "due", "words", "word_limit", "page_limit",
                "overdue", "at_risk", "over_limit", "commits", "last_commit", "open_comments"}
    for section in data["sections"]:
        assert required <= section.keys()
        assert section["last_commit"].keys() >= {"sha", "author", "email", "date"}
    by_id = {s["id"]: s for s in data["sections"]}
    assert [s["id"] for s in data["sections"]] == ["summary", "approach", "staffing"]
    summary, approach, staffing = by_id["summary"], by_id["approach"], by_id["staffing"]
    assert (summary["status"], summary["status_source"]) == ("drafting", "first-commit")
    assert summary["words"] == 9 and summary["word_limit"] == 50
    assert summary["last_commit"]["author"] == "Wes Writer"
    assert summary["commits"] == 2 and not summary["overdue"]
    assert (approach["status"], approach["status_source"]) == ("ready-for-review", "trailer")
    assert approach["commits"] == 3 and approach["page_limit"] == 2
    assert (staffing["status"], staffing["overdue"]) == ("not-started", True)
    assert staffing["commits"] == 1


def test_status_text_lists_every_section(repo: Path) -> None:
    result = run("--repo", str(repo), "status")
    assert result.code == 0, result.err
    for needle in ("Bridge Inspection Services", "summary", "approach", "staffing",
                   "mia 12d ago", "✖ overdue", "9/50", "in 6d", "1d late"):
        assert needle in result.out, needle


def test_at_risk_and_over_limit_follow_the_clock_and_text(repo: Path) -> None:
    commit_as(repo, "Wes Writer", "wes@example.com", "2026-12-03T10:00:00-05:00",
              "Long summary", {"sections/summary.md": "word " * 60})
    summary = _sections(repo)["summary"]
    assert summary["over_limit"] and summary["words"] == 60
    at_risk = run("--repo", str(repo), "status", "--json", now="2026-12-04T09:00:00-05:00")
    assert {s["id"]: s for s in at_risk.json()["sections"]}["summary"]["at_risk"]


def test_manifest_declaration_newer_than_trailer_wins(repo: Path) -> None:
    result = run("--repo", str(repo), "--as", "mia", "set-status", "approach", "approved")
    assert result.code == 0, result.err
    approach = _sections(repo)["approach"]
    assert (approach["status"], approach["status_source"]) == ("approved", "manifest")
    commit_as(repo, "Val Writer", "val@example.com", "2026-12-03T10:00:00-05:00",
              "Back to revising\n\nProposal-Status: revising",
              {"sections/approach.md": "# Technical Approach\n\nRevised.\n"})
    assert _sections(repo)["approach"]["status"] == "revising"


def test_incremental_refresh_reads_only_new_commits(repo: Path) -> None:
    opened = ProposalRepo.open(repo)
    store = HistoryStore(opened.root, opened.git_dir)
    assert store.refresh().commits_read == 4
    commit_as(repo, "Wes Writer", "wes@example.com", "2026-12-01T10:00:00-05:00", "More",
              {"sections/summary.md": "# Executive Summary\n\nMore words here.\n"})
    assert store.refresh().commits_read == 1
    # A restarted process reads the cache under .git/ and scans nothing new.
    again = HistoryStore(opened.root, opened.git_dir)
    assert again.refresh().commits_read == 0
    assert again.index.section_history("sections/summary.md").commits == 3
    # Rewritten history (reset, then a new commit) is detected and rebuilt in full.
    git(repo, "reset", "-q", "--hard", "HEAD~2")
    commit_as(repo, "Val Writer", "val@example.com", "2026-12-01T11:00:00-05:00", "Redo")
    index = again.refresh()
    assert index.commits_read == 4
    assert index.section_history("sections/summary.md").commits == 2


def test_renamed_section_file_keeps_its_history(repo: Path) -> None:
    git(repo, "mv", "sections/summary.md", "sections/00-summary.md")
    manifest = (repo / "proposal.toml").read_text()
    (repo / "proposal.toml").write_text(manifest.replace('"sections/summary.md"',
                                                         '"sections/00-summary.md"'))
    commit_as(repo, "Mia Manager", "mia@example.com", "2026-12-01T08:00:00-05:00",
              "Renumber the summary", {})
    git(repo, "add", "proposal.toml")
    git(repo, "commit", "-q", "--amend", "--no-edit")
    summary = _sections(repo)["summary"]
    assert summary["commits"] == 3  # scaffold, draft, rename
    assert summary["first_commit"]["author"] == "Mia Manager"
    assert summary["status"] == "drafting"


def test_assign_commits_as_actor_and_sweeps_up_nothing(repo: Path) -> None:
    (repo / "notes.txt").write_text("staged by someone\n")
    git(repo, "add", "notes.txt")
    (repo / "sections/summary.md").write_text("unsaved-to-git edit\n")
    before_status = git(repo, "status", "--porcelain")
    result = run("--repo", str(repo), "--as", "mia", "assign", "summary", "val")
    assert result.code == 0, result.err
    assert git(repo, "log", "-1", "--format=%an <%ae>|%s") == \
        "Mia Manager <mia@example.com>|Assign summary to val\n"
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == ["proposal.toml"]
    assert git(repo, "status", "--porcelain") == before_status
    text = (repo / "proposal.toml").read_text()
    assert 'owner = "val"' in text and "# keep this comment" in text
    assert text.startswith("# Test proposal: hand-written")
    assert _sections(repo)["summary"]["owner"] == "val"
    summary = _sections(repo)["summary"]
    assert summary["uncommitted_words"] == 2


def test_refuses_when_manifest_has_local_edits(repo: Path) -> None:
    (repo / "proposal.toml").write_text((repo / "proposal.toml").read_text() + "\n# wip\n")
    head = git(repo, "rev-parse", "HEAD")
    result = run("--repo", str(repo), "--as", "mia", "assign", "summary", "val")
    assert_clean_error(result, 2, "uncommitted changes", "nothing was changed")
    assert git(repo, "rev-parse", "HEAD") == head
    assert (repo / "proposal.toml").read_text().endswith("# wip\n")


def test_roles_are_enforced_with_exit_3(repo: Path) -> None:
    assert run("--repo", str(repo), "--as", "wes", "set-status", "summary",
               "ready-for-review").code == 0
    assert_clean_error(run("--repo", str(repo), "--as", "wes", "set-status", "approach",
                           "approved"), 3, "permission denied")
    assert_clean_error(run("--repo", str(repo), "--as", "rex", "assign", "summary", "val"),
                       3, "permission denied")


def test_acting_person_resolution(repo: Path) -> None:
    # git user.email of the repo is Mia's: she may assign without --as.
    assert run("--repo", str(repo), "assign", "summary", "val").code == 0
    assert run("--repo", str(repo), "assign", "summary", "wes",
               env={"PROPOSAL_USER": "rex"}).code == 3
    assert_clean_error(run("--repo", str(repo), "--as", "nobody", "assign", "summary", "val"),
                       2, "unknown person 'nobody'")


def test_section_add_and_set_due(repo: Path) -> None:
    result = run("--repo", str(repo), "--as", "mia", "section", "add", "risk", "Risk Plan",
                 "--owner", "val", "--due", "2026-12-12", "--word-limit", "400",
                 "-r", "L.4", "--file", "sections/risk.tex")
    assert result.code == 0, result.err
    assert (repo / "sections/risk.tex").read_text() == "\\section{Risk Plan}\n\n"
    assert git(repo, "status", "--porcelain") == ""
    risk = _sections(repo)["risk"]
    assert risk["status"] == "not-started" and risk["due"].startswith("2026-12-12T23:59:59")
    assert run("--repo", str(repo), "--as", "mia", "set-due", "risk", "2026-12-15").code == 0
    assert _sections(repo)["risk"]["due"].startswith("2026-12-15")
    assert_clean_error(run("--repo", str(repo), "--as", "mia", "set-due", "risk", "soon"),
                       2, "invalid date 'soon'")


def test_bare_repository_reads_and_edits(repo: Path, tmp_path: Path) -> None:
    bare = tmp_path / "shared.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    sections = _sections(bare)
    assert sections["approach"]["status"] == "ready-for-review"
    assert sections["summary"]["words"] == 9
    assert run("--repo", str(bare), "--as", "mia", "assign", "staffing", "val").code == 0
    assert _sections(bare)["staffing"]["owner"] == "val"


def test_timeline_and_validate(repo: Path) -> None:
    result = run("--repo", str(repo), "timeline", "--width", "100")
    assert result.code == 0, result.err
    assert "staffing" in result.out and "┆" in result.out and "overdue" in result.out
    assert run("--repo", str(repo), "validate").out.startswith("ok: 3 sections")


def test_init_then_status(tmp_path: Path) -> None:
    target = tmp_path / "new"
    result = run("init", str(target), "--title", "Grant X",
                 env={"GIT_AUTHOR_NAME": "x"})
    assert result.code == 0, result.err
    data = run("--repo", str(target), "status", "--json").json()
    assert data["proposal"]["title"] == "Grant X" and len(data["sections"]) == 1
    assert_clean_error(run("init", str(target)), 2, "already exists")


def test_help_and_version_are_fast_and_do_not_load_the_tui() -> None:
    code = ("import sys, time; t=time.perf_counter(); from proposal_tui.cli.main import "
            "build_parser; build_parser().format_help(); "
            "print('textual' in sys.modules, round(time.perf_counter()-t, 3))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == "False"
    start = time.perf_counter()
    assert run("--version").out.startswith("proposal-tui ")
    assert run("--help").code == 0
    assert time.perf_counter() - start < 5


# ---- bad input: one line, exit 2, no traceback, nothing written ---------------------------

def _head_and_status(repo: Path) -> tuple[str, str]:
    return git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain")


def test_not_a_repository(tmp_path: Path) -> None:
    assert_clean_error(run("--repo", str(tmp_path), "status"), 2, "not a git repository")


def test_no_manifest(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    assert_clean_error(run("--repo", str(tmp_path), "status"), 2, "no proposal.toml")


@pytest.mark.parametrize(("old", "new", "needles"), [
    ('title = "Bridge', 'title = Bridge', ("proposal.toml:3:", "TOML syntax error")),
    ('owner = "wes"\ndue = 2026-12-08', 'owner = "zed"\ndue = 2026-12-08',
     ("proposal.toml:", "unknown owner 'zed'")),
    ('id = "approach"', 'id = "summary"', ("duplicate section id 'summary'",)),
    ('"sections/approach.md"', '"/etc/passwd"', ("is absolute",)),
    ('"sections/approach.md"', '"../outside.md"', ("contains '..'",)),
    ('"sections/approach.md"', '".git/config"', (".git",)),
    ("due = 2026-12-14", "due = 2026-02-30", ("TOML syntax error",)),
    ("due = 2026-12-14", 'due = "next week"', ("is not a valid date",)),
    ('status = "not-started"\norder = 20', 'status = "finished"\norder = 20',
     ("unknown status 'finished'",)),
])
def test_bad_manifest(repo: Path, old: str, new: str, needles: tuple[str, ...]) -> None:
    text = (repo / "proposal.toml").read_text()
    assert old in text
    (repo / "proposal.toml").write_text(text.replace(old, new, 1))
    before = _head_and_status(repo)
    for command in (["status"], ["validate"], ["--as", "mia", "assign", "summary", "val"]):
        result = run("--repo", str(repo), *command)
        assert_clean_error(result, 2, *needles)
    assert _head_and_status(repo) == before


def test_symlink_out_of_the_repository(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("secret words\n")
    (repo / "sections/approach.md").unlink()
    os.symlink(secret, repo / "sections/approach.md")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "link")
    result = run("--repo", str(repo), "validate")
    assert_clean_error(result, 2, "sections/approach.md", "symbolic link")
    status = run("--repo", str(repo), "status", "--json")
    assert status.code == 2
    approach = {s["id"]: s for s in status.json()["sections"]}["approach"]
    assert approach["words"] == 0 and "symbolic link" in approach["error"]


def test_missing_and_undecodable_section_files(repo: Path) -> None:
    git(repo, "rm", "-q", "sections/staffing.md")
    (repo / "sections/summary.md").write_bytes(b"# Summary\n\nCaf\xe9 menu\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "break things")
    result = run("--repo", str(repo), "validate")
    assert result.code == 2 and "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert any("sections/staffing.md" in line and "missing" in line for line in lines)
    assert any("sections/summary.md" in line and "UTF-8" in line and "line 3" in line
               for line in lines)


def test_hostile_arguments_never_become_git_options(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for args in (["--as", "mia", "assign", "summary", f"--upload-pack=touch {marker}"],
                 ["--as", "mia", "section", "add", "x", "X", "--file",
                  f"-oProxyCommand=touch {marker}"],
                 ["--as", f"--exec=touch {marker}", "assign", "summary", "val"]):
        result = run("--repo", str(repo), *args)
        assert result.code == 2 and "Traceback" not in result.err, result.err
    assert not marker.exists()
