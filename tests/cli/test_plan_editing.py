"""Plan editing without a text editor (`person`, `milestone`, `section remove/rename/set`,
`init --template`), unknown keys in proposal.toml, and `init` with a relative path: the real
`proposal` process on real repositories."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.command import assert_clean_error, run
from tests.fixtures import make_proposal
from tests.gitutil import git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def _plan(repo: Path) -> dict:
    return tomllib.loads((repo / "proposal.toml").read_text("utf-8"))


def _commits(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD").strip())


def test_init_with_a_relative_path_makes_one_repository_there(tmp_path: Path) -> None:
    result = run("init", "rel1", cwd=tmp_path)
    assert result.code == 0, result.err
    assert (tmp_path / "rel1" / ".git").is_dir()
    assert not (tmp_path / "rel1" / "rel1").exists()
    assert run("--repo", "rel1", "validate", cwd=tmp_path).code == 0


def test_init_inside_another_repository_is_refused_and_leaves_nothing(repo: Path) -> None:
    assert_clean_error(run("init", "sub/new", cwd=repo), 2, "inside the git repository")
    assert not (repo / "sub").exists()


def test_init_templates(tmp_path: Path) -> None:
    assert run("init", "nsf", "--template", "nsf", cwd=tmp_path).code == 0
    plan = _plan(tmp_path / "nsf")
    titles = {s["id"]: s for s in plan["sections"]}
    assert "exec-summary" not in titles and len(titles) == 9
    assert titles["project-description"]["page_limit"] == 15
    assert titles["project-summary"]["page_limit"] == 1
    assert (tmp_path / "nsf" / titles["data-management"]["file"]).exists()
    assert "days_before" not in (tmp_path / "nsf" / "proposal.toml").read_text()
    assert git(tmp_path / "nsf", "status", "--porcelain").strip() == ""
    assert run("init", "blank", "--template", "blank", cwd=tmp_path).code == 0
    ok = run("--repo", "blank", "validate", cwd=tmp_path)
    assert ok.code == 0 and "ok: 0 sections" in ok.out, ok.err


def test_people(repo: Path) -> None:
    before = _commits(repo)
    added = run("person", "add", "ana", "--name", "Ana Ruiz", "--email", "ana@example.com",
                "--role", "writer", cwd=repo)
    assert added.code == 0, added.err
    assert _commits(repo) == before + 1
    assert run("person", "set", "ana", "--role", "reviewer", cwd=repo).code == 0
    ana = next(p for p in _plan(repo)["people"] if p["handle"] == "ana")
    assert ana == {"handle": "ana", "name": "Ana Ruiz", "email": "ana@example.com",
                   "role": "reviewer"}
    text = (repo / "proposal.toml").read_text()
    assert "# keep this comment" in text and 'role = "reviewer"\n\n[[milestones]]' in text
    # wes owns two sections: refused, naming them, until they are given to someone.
    assert_clean_error(run("person", "remove", "wes", cwd=repo), 2, "summary, staffing",
                       "--reassign")
    assert run("person", "remove", "wes", "--reassign", "val", cwd=repo).code == 0
    plan = _plan(repo)
    assert "wes" not in {p["handle"] for p in plan["people"]}
    assert {s["owner"] for s in plan["sections"]} == {"val"}
    assert_clean_error(run("person", "set", "mia", "--role", "writer", cwd=repo), 2,
                       "only manager")
    assert_clean_error(run("--as", "val", "person", "add", "zed", cwd=repo), 3)
    assert git(repo, "status", "--porcelain").strip() == ""
    # The SSH key commands of the same group still answer.
    assert run("person", "key", "list", "--json", cwd=repo).json() == []


def test_milestones(repo: Path) -> None:
    assert run("milestone", "add", "Red Team", "2026-12-10", cwd=repo).code == 0
    assert run("milestone", "add", "Kickoff", "2026-11-20", "--kind", "kickoff",
               cwd=repo).code == 0
    names = [m["name"] for m in _plan(repo)["milestones"]]
    assert names == ["Kickoff", "Pink Team", "Red Team"]  # kept in date order
    assert run("milestone", "move", "Red Team", "2026-12-11", cwd=repo).code == 0
    assert run("milestone", "remove", "Kickoff", cwd=repo).code == 0
    plan = _plan(repo)
    assert [(m["name"], str(m["date"])) for m in plan["milestones"]] == \
        [("Pink Team", "2026-12-04"), ("Red Team", "2026-12-11")]
    assert_clean_error(run("milestone", "add", "Gold", "2026-12-12", "--kind", "party",
                           cwd=repo), 2, "unknown milestone kind")
    assert_clean_error(run("--as", "rex", "milestone", "remove", "Red Team", cwd=repo), 3)


def test_section_set_and_remove(repo: Path) -> None:
    result = run("section", "set", "summary", "--title", "Summary", "--page-limit", "1",
                 "--word-limit", "none", "--requirements", "L.1, L.4", cwd=repo)
    assert result.code == 0, result.err
    text = (repo / "proposal.toml").read_text()
    assert "page_limit = 1\n" in text and "# keep this comment" in text
    summary = _plan(repo)["sections"][0]
    assert (summary["title"], summary["page_limit"], summary["requirements"]) == \
        ("Summary", 1, ["L.1", "L.4"])
    assert "word_limit" not in summary
    moved = run("section", "set", "staffing", "--file", "volume2/staffing.md", cwd=repo)
    assert moved.code == 0, moved.err
    # The text moves with the section, in one commit git reads as a rename.
    assert (repo / "volume2" / "staffing.md").read_text() == "# Staffing\n"
    assert not (repo / "sections" / "staffing.md").exists()
    assert "R100\tsections/staffing.md\tvolume2/staffing.md" in git(
        repo, "show", "-M", "--name-status", "--format=", "HEAD")
    assert_clean_error(run("section", "set", "summary", "--file", "sections/approach.md",
                           cwd=repo), 2, "already the file of section 'approach'")
    removed = run("section", "remove", "staffing", cwd=repo)
    assert removed.code == 0 and "its file stays" in removed.out
    assert (repo / "volume2" / "staffing.md").exists()
    assert run("section", "remove", "summary", "--delete-file", cwd=repo).code == 0
    assert not (repo / "sections" / "summary.md").exists()
    assert [s["id"] for s in _plan(repo)["sections"]] == ["approach"]
    assert git(repo, "status", "--porcelain").strip() == ""


def test_section_rename_keeps_comments_status_and_history(repo: Path) -> None:
    assert run("--as", "rex", "comment", "approach", "-m", "Cite the SLA", cwd=repo).code == 0
    renamed = run("section", "rename", "approach", "tech-approach", cwd=repo)
    assert renamed.code == 0, renamed.err
    section = _plan(repo)["sections"][1]
    assert (section["id"], section["renamed_from"]) == ("tech-approach", ["approach"])
    state = {s["id"]: s for s in run("status", "--json", cwd=repo).json()["sections"]}
    new = state["tech-approach"]
    assert new["status"] == "ready-for-review"  # the trailer's status outlives the rename
    assert new["open_comments"] == 1 and new["commits"] >= 2
    threads = run("comments", "tech-approach", "--json", cwd=repo).json()
    assert [t["body"] for t in threads] == ["Cite the SLA"]
    # The former id still names the section; it cannot be taken by a new one.
    assert run("comments", "approach", "--json", cwd=repo).json() == threads
    assert_clean_error(run("section", "add", "approach", "Again", cwd=repo), 2,
                       "already exists")
    assert_clean_error(run("section", "rename", "summary", "Bad Id", cwd=repo), 2,
                       "invalid section id")


def test_section_add_writes_whole_page_limits_and_blank_lines(repo: Path) -> None:
    assert run("section", "add", "risk", "Risk", "--page-limit", "1", cwd=repo).code == 0
    assert run("section", "add", "price", "Price", "--page-limit", "2.5", cwd=repo).code == 0
    text = (repo / "proposal.toml").read_text()
    assert "page_limit = 1\n" in text and "page_limit = 2.5\n" in text
    assert 'order = 30\n\n[[sections]]\nid = "risk"' in text
    assert 'order = 40\n\n[[sections]]\nid = "price"' in text


def test_unknown_keys_are_reported_with_line_and_nearest_key(repo: Path) -> None:
    text = (repo / "proposal.toml").read_text()
    text = text.replace('owner = "wes"\ndue = 2026-12-08', 'ownr = "wes"\ndeu = 2026-12-08')
    text = text.replace("page_limit = 2", "page_limt = 2")
    text += 'x-billing-code = "B7"\n'
    (repo / "proposal.toml").write_text(text)
    lines = text.splitlines()
    result = run("validate", cwd=repo)
    assert result.code == 0, result.err
    warnings = result.err.splitlines()
    line = lines.index('ownr = "wes"') + 1
    assert f"proposal.toml:{line}: section 'summary': unknown key 'ownr' (did you mean " \
        "'owner'?)" in warnings[0]
    assert "'deu' (did you mean 'due'?)" in warnings[1]
    assert "'page_limt' (did you mean 'page_limit'?)" in warnings[2]
    assert len(warnings) == 3  # x-... keys are a team's own
    assert "3 unknown keys" in result.out
    strict = run("validate", "--strict", cwd=repo)
    assert strict.code == 2 and "warning" not in strict.err
