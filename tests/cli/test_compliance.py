"""The compliance matrix and `proposal check`: real repositories, the real command."""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

import pytest

from proposal_tui.domain.compliance import parse_requirements, parse_requirements_csv
from proposal_tui.domain.errors import ProposalError
from proposal_tui.store.requirements import render_requirements
from tests import ROOT, TEST_DATA
from tests.command import assert_clean_error, run
from tests.fixtures import MIA, commit_as, make_proposal
from tests.gitutil import git

REQUIREMENTS = """\
[[requirements]]
id = "L.1"
text = "Executive summary"
source = "Section L"
mandatory = true

[[requirements]]
id = "L.2"
text = "Technical approach"
source = "Section L"
mandatory = true

[[requirements]]
id = "M.1"
text = "Soundness of approach"
source = "Section M"
mandatory = true

[[requirements]]
id = "L.9"
text = "Optional sustainability statement"
source = "Section L"
mandatory = false
"""

MANDATORY_GAP = """
[[requirements]]
id = "L.5"
text = "Key personnel resumes"
source = "Section L"
mandatory = true
"""


def _commit_requirements(repo: Path, text: str, when: str = "2026-11-27T09:00:00-05:00") -> None:
    commit_as(repo, "Mia Manager", "mia@example.com", when, "Requirements",
              {"requirements.toml": text})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_proposal(tmp_path)
    _commit_requirements(repo, REQUIREMENTS)
    return repo


# --- domain ----------------------------------------------------------------------------------

def test_requirements_file_errors_name_the_line() -> None:
    bad = REQUIREMENTS + '\n[[requirements]]\nid = "L.1"\ntext = "again"\n'
    with pytest.raises(ProposalError) as exc:
        parse_requirements(bad)
    assert exc.value.line == 26 and "duplicate requirement id 'L.1'" in exc.value.message
    with pytest.raises(ProposalError) as exc:
        parse_requirements('[[requirements]]\nid = "L 1; rm -rf"\n')
    assert exc.value.line == 2
    with pytest.raises(ProposalError) as exc:
        parse_requirements('[[requirements]]\nid = "L.1"\nmandatory = "maybe"\n')
    assert exc.value.line == 3 and "mandatory" in exc.value.message
    with pytest.raises(ProposalError) as exc:
        parse_requirements('[[requirements]\nid = "L.1"\n')
    assert exc.value.line == 1 and "TOML" in exc.value.message


def test_csv_import_parses_quotes_yes_no_and_reports_lines() -> None:
    text = ('id,text,source,mandatory\n'
            'L.3.2,"Describe the approach, in detail",Section L,yes\n'
            '\n'
            'M.2,"Scored ""most important""",Section M,no\n'
            'II.D.2.d(iii),Prior support,PAPPG,Y\n')
    reqs = parse_requirements_csv(text, "req.csv")
    assert [(r.id, r.mandatory) for r in reqs] == [("L.3.2", True), ("M.2", False),
                                                   ("II.D.2.d(iii)", True)]
    assert reqs[1].text == 'Scored "most important"'
    for body, line, needle in [
        ("id,text,source,mandatory\nL.1,a,b,perhaps\n", 2, "mandatory must be yes or no"),
        ("id,text,source,mandatory\nL.1,a,b,yes\nL.1,c,d,no\n", 3, "duplicate"),
        ("id,text,source,mandatory\n=cmd|' /C calc'!A0,a,b,yes\n", 2, "invalid requirement id"),
        ("name,text\nL.1,a\n", 1, "no id column"),
        ("id,text,source,mandatory\nL.1,a,b,yes,extra\n", 2, "columns"),
    ]:
        with pytest.raises(ProposalError) as exc:
            parse_requirements_csv(body, "req.csv")
        assert (exc.value.path, exc.value.line) == ("req.csv", line), body
        assert needle in exc.value.message


def test_csv_import_reads_columns_in_any_order_by_common_names() -> None:
    text = ("Description,Notes,Requirement ID,RFP Section,Required\n"
            "Describe the fare engine,ours,L.3.2,Section L,Yes\n"
            "Price it,,M.2,Section M,no\n")
    reqs = parse_requirements_csv(text, "matrix.csv")
    assert [(r.id, r.text, r.source, r.mandatory) for r in reqs] == [
        ("L.3.2", "Describe the fare engine", "Section L", True),
        ("M.2", "Price it", "Section M", False)]
    with pytest.raises(ProposalError) as exc:
        parse_requirements_csv("Req,Requirement ID,text\nL.1,L.1,a\n", "m.csv")
    assert "keep one" in exc.value.message


def test_rendered_requirements_round_trip_hostile_text() -> None:
    hostile = (TEST_DATA / "hostile-strings.txt").read_text("utf-8")
    reqs = parse_requirements_csv(
        "id,text,source,mandatory\n" + "".join(
            f'R.{i},"{line.replace(chr(34), chr(34) * 2)}",src,yes\n'
            for i, line in enumerate(hostile.splitlines()) if line.strip()), "h.csv")
    again = parse_requirements(render_requirements(reqs, "h.csv"))
    assert [(r.id, r.text) for r in again] == [(r.id, r.text) for r in reqs]


# --- `proposal compliance` -------------------------------------------------------------------

def test_compliance_json_maps_requirements_to_sections(repo: Path) -> None:
    result = run("--repo", str(repo), "compliance", "--json")
    assert result.code == 0, result.err
    data = result.json()
    rows = {r["id"]: r for r in data["requirements"]}
    assert list(rows) == ["L.1", "L.2", "M.1", "L.9"]
    assert rows["L.1"]["sections"] == [{"id": "summary", "title": "Executive Summary",
                                        "status": "drafting", "owner": "wes"}]
    assert rows["M.1"]["sections"][0]["status"] == "ready-for-review"
    assert rows["L.9"] == {**rows["L.9"], "answered": False, "mandatory": False}
    assert data["unanswered"] == ["L.9"] and data["unanswered_mandatory"] == []
    assert data["unknown_references"] == [] and data["requirements_file"] is True


def test_compliance_flags_unknown_references_and_not_started_answers(repo: Path) -> None:
    manifest = (repo / "proposal.toml").read_text()
    manifest = manifest.replace('id = "staffing"', 'id = "staffing"\nrequirements = '
                                '["L.5", "Z.99"]')
    commit_as(repo, "Mia Manager", "mia@example.com", "2026-11-28T09:00:00-05:00", "Map",
              {"proposal.toml": manifest, "requirements.toml": REQUIREMENTS + MANDATORY_GAP})
    data = run("--repo", str(repo), "compliance", "--json").json()
    assert data["unknown_references"] == [{"section": "staffing", "requirement": "Z.99"}]
    assert data["mandatory_not_started"] == ["L.5"]
    text = run("--repo", str(repo), "compliance")
    assert text.code == 0
    assert "staffing → Z.99" in text.out and "L.5 (staffing)" in text.out


def test_compliance_without_requirements_file_says_how_to_start(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    result = run("--repo", str(repo), "compliance")
    assert result.code == 0 and "requirements import" in result.out
    assert run("--repo", str(repo), "compliance", "--json").json()["requirements_file"] is False


# --- `proposal check` ------------------------------------------------------------------------

def test_check_passes_with_warnings_only(repo: Path) -> None:
    result = run("--repo", str(repo), "check")
    assert result.code == 0, (result.out, result.err)
    assert "warn requirements.toml:19: optional requirement 'L.9'" in result.out
    assert "check: ok: 3 sections, 4 requirements" in result.out


def test_check_fails_on_unanswered_mandatory_requirement(repo: Path) -> None:
    _commit_requirements(repo, REQUIREMENTS + MANDATORY_GAP, "2026-11-28T09:00:00-05:00")
    result = run("--repo", str(repo), "check")
    assert result.code == 1
    assert ("FAIL requirements.toml:25: mandatory requirement 'L.5' is answered by no section: "
            "Key personnel resumes") in result.out
    data = run("--repo", str(repo), "check", "--json")
    assert data.code == 1
    assert [f["kind"] for f in data.json()["failures"]] == ["unanswered-mandatory"]


def test_check_fails_on_word_and_page_limits(repo: Path) -> None:
    """Words are counted; pages are typeset (letter-11pt), and the failure names the page
    where the limit falls and the heading there."""
    paragraph = "Our approach inspects each bridge with drones and sensors. " * 6 + "\n\n"
    approach = ("# Technical Approach\n\n## Method\n\n" + paragraph * 12 + "## Risks\n\n"
                + paragraph * 12)
    commit_as(repo, "Wes Writer", "wes@example.com", "2026-11-28T10:00:00-05:00", "Long",
              {"sections/summary.md": "# Executive Summary\n\n" + "word " * 60,
               "sections/approach.md": approach})
    result = run("--repo", str(repo), "check", "--json")
    assert result.code == 1
    messages = [f["message"] for f in result.json()["failures"]]
    assert messages[0] == ("section 'summary' (sections/summary.md) has 62 words, over its "
                           "limit of 50 by 12")
    assert messages[1].startswith("section 'approach' (sections/approach.md) typesets to 2.")
    assert messages[1].endswith("pages (profile 'letter-11pt'), over its limit of 2: the limit "
                                "falls at the end of page 2, under the heading 'Risks'")
    lines = [f["line"] for f in result.json()["failures"]]
    assert lines == [39, 50]  # the [[sections]] tables in proposal.toml
    # 262 words would be 2.6 pages by words_per_page = 100; typeset they fit on one
    commit_as(repo, "Wes Writer", "wes@example.com", "2026-11-28T11:00:00-05:00", "Short",
              {"sections/summary.md": "# Executive Summary\n\nShort.\n",
               "sections/approach.md": "# Technical Approach\n\n" + "page " * 260})
    assert run("--repo", str(repo), "check", "--json").json()["failures"] == []


def test_check_fails_on_inconsistent_manifest_and_unknown_requirement(repo: Path) -> None:
    manifest = (repo / "proposal.toml").read_text()
    (repo / "proposal.toml").write_text(manifest.replace('owner = "wes"\ndue = 2026-12-08',
                                                         'owner = "nobody"\ndue = 2026-12-08'))
    result = run("--repo", str(repo), "check")
    assert result.code == 1
    assert "FAIL proposal.toml:43: section 'summary': unknown owner 'nobody'" in result.out
    (repo / "proposal.toml").write_text(manifest.replace('["L.1"]', '["L.1", "X.7"]'))
    result = run("--repo", str(repo), "check")
    assert result.code == 1
    assert "section 'summary' answers 'X.7', which is not in requirements.toml" in result.out


def test_check_reports_a_missing_section_file_and_bad_requirements(repo: Path) -> None:
    git(repo, "rm", "-q", "sections/staffing.md")
    (repo / "requirements.toml").write_text("[[requirements]]\nid = 'L.1'\nmandatory = 3\n")
    result = run("--repo", str(repo), "check")
    assert result.code == 1
    assert "section 'staffing': sections/staffing.md is missing from the worktree" in result.out
    assert "FAIL requirements.toml:3: requirement 'L.1': 'mandatory' must be" in result.out


def test_check_views_head_worktree_and_staged(repo: Path) -> None:
    (repo / "sections/summary.md").write_text("# S\n\n" + "word " * 80)
    assert run("--repo", str(repo), "check").code == 1  # the work tree
    assert run("--repo", str(repo), "check", "--head").code == 0
    assert run("--repo", str(repo), "check", "--staged").code == 0
    git(repo, "add", "sections/summary.md")
    assert run("--repo", str(repo), "check", "--staged").code == 1


def test_check_as_a_pre_commit_hook_blocks_the_commit(repo: Path) -> None:
    """The documented hook, installed for real: git refuses the over-limit commit."""
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec {sys.executable} -m proposal_tui check --staged --quiet\n")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, **MIA, "PYTHONPATH": str(ROOT)}
    (repo / "sections/summary.md").write_text("# S\n\n" + "word " * 80)
    git(repo, "add", "sections/summary.md")
    import subprocess
    proc = subprocess.run(["git", "commit", "-m", "too long"], cwd=repo, env=env,
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "over its limit of 50" in proc.stdout + proc.stderr
    (repo / "sections/summary.md").write_text("# S\n\nShort again.\n")
    git(repo, "add", "sections/summary.md")
    proc = subprocess.run(["git", "commit", "-q", "-m", "short"], cwd=repo, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_on_a_bare_repository(repo: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    result = run("--repo", str(bare), "check")
    assert result.code == 0, result.out + result.err


def test_check_is_fast_on_the_demo(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    assert run("demo", str(demo)).code == 0
    run("--repo", str(demo), "check")  # warms the history cache, as a hook's second run would
    started = time.perf_counter()
    result = run("--repo", str(demo), "check", "--json")
    elapsed = time.perf_counter() - started
    assert result.code == 1  # the demo's risk section is over its 600-word cap
    kinds = {f["kind"] for f in result.json()["failures"]}
    assert kinds == {"over-limit"}
    assert elapsed < 5, elapsed  # typically ~0.5 s including Python start-up


# --- `proposal requirements import` ----------------------------------------------------------

def test_import_commits_requirements_as_the_manager_only(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    csv_file = tmp_path / "reqs.csv"
    csv_file.write_text("id,text,source,mandatory\nL.1,Summary,L,yes\nL.2,Approach,L,yes\n"
                        "M.1,Soundness,M,yes\n")
    (repo / "sections/staffing.md").write_text("# Staffing\n\nwork in progress\n")
    git(repo, "add", "sections/staffing.md")  # someone's staged work must stay staged, uncommitted
    denied = run("--repo", str(repo), "--as", "wes", "requirements", "import", str(csv_file))
    assert_clean_error(denied, 3, "permission denied")
    result = run("--repo", str(repo), "--as", "mia", "requirements", "import", str(csv_file))
    assert result.code == 0, result.err
    assert "3 requirements (3 mandatory)" in result.out
    assert git(repo, "log", "-1", "--format=%an|%s").strip().startswith("Mia Manager|Import 3")
    assert git(repo, "show", "--stat", "--format=", "HEAD").split()[0] == "requirements.toml"
    assert git(repo, "diff", "--cached", "--name-only").split() == ["sections/staffing.md"]
    assert git(repo, "status", "--porcelain", "requirements.toml") == ""
    assert run("--repo", str(repo), "check").code == 0
    again = run("--repo", str(repo), "--as", "mia", "requirements", "import", str(csv_file))
    assert_clean_error(again, 2, "already exists")
    listed = run("--repo", str(repo), "requirements", "list", "--json").json()
    assert [r["id"] for r in listed] == ["L.1", "L.2", "M.1"]


def test_import_rejects_bad_csv_with_file_and_line(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("id,text,source,mandatory\nL.1,ok,L,yes\nL.2,bad,L,sometimes\n")
    result = run("--repo", str(repo), "--as", "mia", "requirements", "import", str(csv_file))
    assert_clean_error(result, 2, f"{csv_file}:3:", "mandatory must be yes or no")
    assert not (repo / "requirements.toml").exists()
    missing = run("--repo", str(repo), "--as", "mia", "requirements", "import",
                  str(tmp_path / "nope.csv"))
    assert_clean_error(missing, 2, "nope.csv")


def test_import_works_on_a_bare_repository(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    csv_file = tmp_path / "reqs.csv"
    csv_file.write_text("id,text,source,mandatory\nL.1,Summary,L,yes\n")
    result = run("--repo", str(bare), "--as", "mia", "requirements", "import", str(csv_file))
    assert result.code == 0, result.err
    assert "L.1" in git(bare, "show", "HEAD:requirements.toml")


def test_compliance_and_check_text_show_hostile_requirement_text_inertly(repo: Path) -> None:
    text = "evil \x1b]0;title\x07 \x1b[2J [bold red]x[/] ‮rtl‬ =HYPERLINK(\"x\")"
    hostile = REQUIREMENTS + MANDATORY_GAP.replace("Key personnel resumes",
                                                   text.replace('"', '\\"')
                                                   .replace("\x1b", "\\u001b")
                                                   .replace("\x07", "\\u0007"))
    _commit_requirements(repo, hostile, "2026-11-28T09:00:00-05:00")
    for args in (("compliance",), ("check",), ("requirements", "list")):
        result = run("--repo", str(repo), *args)
        assert result.code in (0, 1), result.err
        shown = result.out + result.err
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
        assert "[bold red]x[/]" in shown
    data = run("--repo", str(repo), "compliance", "--json").json()
    assert data["requirements"][-1]["text"] == text


def test_check_quiet_prints_nothing_when_ok(repo: Path) -> None:
    result = run("--repo", str(repo), "check", "--quiet")
    assert (result.code, result.out, result.err) == (0, "", "")
