"""The library of past proposals through the real `proposal` command: add, list, remove,
index (incremental, rebuilt when damaged), search, experts and the check's reused names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.command import assert_clean_error, run
from tests.fixtures import commit_as, make_proposal
from tests.gitutil import git
from tests.hostile import COMMENTABLE, FORBIDDEN, visible_core
from tests.library_support import library_env, make_past_proposals


def _library(root: Path) -> tuple[dict[str, str], Path, Path]:
    harbor, river = make_past_proposals(root)
    env = library_env(root)
    assert run("library", "add", str(harbor), env=env).code == 0
    assert run("library", "add", str(river), "--name", "river-2024", env=env).code == 0
    return env, harbor, river


@pytest.fixture
def library(tmp_path: Path) -> tuple[dict[str, str], Path, Path]:
    return _library(tmp_path)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    """One indexed library for the tests that only read it."""
    root = tmp_path_factory.mktemp("library")
    env = _library(root)[0]
    _index(env)
    return env, make_proposal(root)


def _index(env: dict[str, str]) -> dict:
    result = run("library", "index", "--json", env=env)
    assert result.code == 0, result.err
    return result.json()


def test_list_add_remove_and_bad_input(library: tuple, tmp_path: Path) -> None:
    env, harbor, _ = library
    listed = run("library", "list", "--json", env=env).json()
    assert [r["name"] for r in listed["repositories"]] == ["harbor", "river-2024"]
    assert listed["library"] == str(tmp_path / "config" / "proposal-tui" / "library.toml")
    assert_clean_error(run("library", "add", str(harbor), env=env), 2, "already has")
    assert_clean_error(run("library", "add", str(tmp_path / "config"), "--name", "x", env=env),
                       2, "not a git repository")
    assert_clean_error(run("library", "remove", "nope", env=env), 2, "no repository")
    assert run("library", "remove", "harbor", env=env).code == 0
    team = tmp_path / "team-library.toml"  # a list a team shares: --library FILE
    assert run("library", "add", str(harbor), "--library", str(team), env=env).code == 0
    assert "harbor" in team.read_text()


def test_index_is_incremental_a_url_is_cloned_a_damaged_index_rebuilt(library: tuple,
                                                                      tmp_path: Path) -> None:
    env, harbor, river = library
    first = _index(env)
    # harbor: HEAD and round/pink on the same texts (read once); river: HEAD
    assert (first["refs_indexed"], first["texts_read"], first["texts_reused"]) == (3, 4, 2)
    again = _index(env)
    assert (again["refs_indexed"], again["texts_read"], again["refs_unchanged"]) == (0, 0, 3)
    commit_as(river, "Rex Reviewer", "rex@example.com", "2024-02-04T09:00:00-05:00", "More",
              {"sections/staffing.md": "# Staffing\n\nTwo inspectors per crew.\n"})
    moved = _index(env)
    assert (moved["refs_indexed"], moved["texts_read"], moved["texts_reused"]) == (1, 1, 1)
    hits = run("library", "search", "inspectors", "--json", env=env).json()
    assert [h["proposal"] for h in hits] == ["river-2024"]
    assert not run("library", "search", "twelve", "--json", env=env).json()  # old text gone
    cloned = run("library", "add", f"file://{harbor}", "--name", "harbor-copy", env=env)
    assert cloned.code == 0, cloned.err
    assert (tmp_path / "data" / "proposal-tui" / "library" / "harbor-copy" / "HEAD").exists()
    [db] = (tmp_path / "cache" / "proposal-tui").glob("library-*.sqlite")
    db.write_bytes(b"this is not a database" * 100)  # damaged: rebuilt, never trusted
    rebuilt = _index(env)
    assert rebuilt["rebuilt"] and rebuilt["texts_read"] == 6  # harbor x2, river
    assert run("library", "search", "drones", "--json", env=env).json()


def test_search_indexes_what_the_list_gained_and_forgets_what_it_lost(library: tuple) -> None:
    """A search reads the list only when it changed: a change is never missed."""
    env, _, river = library

    def found() -> set[str]:
        return {h["proposal"] for h in run("library", "search", "drones", "--json",
                                           env=env).json()}

    assert found() == {"harbor", "river-2024"}  # never indexed: the search indexed them
    assert run("library", "remove", "river-2024", env=env).code == 0
    assert found() == {"harbor"}
    assert run("library", "add", str(river), "--name", "river-2", env=env).code == 0
    assert found() == {"harbor", "river-2"}


def test_search_ranks_filters_and_highlights(shared: tuple) -> None:
    env = shared[0]
    hits = run("library", "search", "drone inspection", "--json", env=env).json()
    top = hits[0]
    assert (top["proposal"], top["section"], top["client"], top["outcome"]) == \
        ("harbor", "approach", "Port of Harbor City", "won")
    assert top["ref"] == "HEAD" and top["path"] == "sections/approach.md"
    assert top["authors"] == [{"name": "Val Writer", "email": "val@example.com", "lines": 2}]
    start, end = top["highlights"][0]
    assert top["snippet"][start:end].lower().startswith("drone")
    assert [h["proposal"] for h in run("library", "search", "drones", "--outcome", "lost",
                                       "--json", env=env).json()] == ["river-2024"]
    assert {h["proposal"] for h in run("library", "search", "drones", "--client", "harbor",
                                       "--json", env=env).json()} == {"harbor"}
    phrase = run("library", "search", '"close one lane"', "--json", env=env).json()
    assert [h["section"] for h in phrase] == ["safety"]
    assert run("library", "search", "photo*", "--json", env=env).json()
    human = run("library", "search", "tailgate", env=env)
    assert "[tailgate]" in human.out and "Wes Writer" in human.out
    assert_clean_error(run("library", "search", '"" *', env=env), 2, "nothing to search")


def test_experts_merge_people_across_repositories_by_mailmap(shared: tuple) -> None:
    env, repo = shared
    experts = run("experts", "drone inspection", "--json", env=env).json()
    assert experts[0]["email"] == "val@example.com"
    assert experts[0]["outcomes"] == {"won": 1, "lost": 1}  # one person, two repositories
    assert {p["proposal"] for p in experts[0]["passages"]} == {"harbor", "river-2024"}
    assert "val@old.example" not in {e["email"] for e in experts}
    by_section = run("--repo", str(repo), "experts", "--section", "approach", env=env)
    assert by_section.code == 0 and by_section.out.startswith("1. Val Writer"), by_section.out
    assert_clean_error(run("--repo", str(repo), "experts", "--requirement", "Z.9", env=env),
                       2, "Z.9")


def test_check_flags_another_proposals_client(shared: tuple) -> None:
    env, repo = shared
    (repo / "sections" / "summary.md").write_text(
        "# Executive Summary\n\nWe inspect bridges.\nThe port of harbor  city trusts us.\n")
    report = run("--repo", str(repo), "check", "--json", env=env).json()
    [finding] = [w for w in report["warnings"] if w["kind"] == "reused-name"]
    assert (finding["path"], finding["line"]) == ("sections/summary.md", 4)
    assert "Port of Harbor City" in finding["message"] and "harbor" in finding["message"]
    assert {f["kind"] for f in report["failures"]} <= {"over-limit", "unanswered-mandatory",
                                                       "not-started-only", "manifest"}


def test_hostile_passages_are_shown_literally(tmp_path: Path) -> None:
    repo = tmp_path / "hostile"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    lines = [line for line in COMMENTABLE if not set(line) & set("\r\n\x0b\x0c\x1c\x1d\x1e"
                                                               "\x85\u2028\u2029")]
    text = "\n\n".join(f"zebra {line}" for line in lines) + "\n"
    commit_as(repo, "H\x1b[2J Writer", "h@example.com", "2025-01-01T09:00:00+00:00", "x", {
        "proposal.toml": '[proposal]\ntitle = "T"\n\n[[sections]]\nid = "s"\ntitle = "S"\n'
                         'file = "s.txt"\n\n[[sections]]\nid = "l"\ntitle = "L"\n'
                         'file = "latin.txt"\n', "s.txt": text})
    (repo / "latin.txt").write_bytes(b"zebra caf\xe9\n")  # not UTF-8: skipped, not fatal
    git(repo, "add", "latin.txt")
    git(repo, "commit", "-qm", "latin-1")
    env = library_env(tmp_path)
    assert run("library", "add", str(repo), env=env).code == 0
    human = run("library", "search", "zebra", "--limit", "200", env=env)
    assert human.code == 0 and not FORBIDDEN.search(human.out), human.out
    assert all(visible_core(line) in human.out for line in lines if not set(line) & set("[\x1b"))
    exact = run("library", "search", "zebra", "--limit", "200", "--json", env=env).json()
    assert {h["text"] for h in exact} == {f"zebra {line}" for line in lines if line.strip()}
    assert run("experts", "zebra", env=env).code == 0


def test_index_fetch_brings_in_what_was_pushed_to_a_cloned_repository(tmp_path: Path) -> None:
    """A library entry cloned from a URL (a local bare repository, file://) sees a push only
    after `library index --fetch`; one read in place (a path) sees it at the next index."""
    harbor, _ = make_past_proposals(tmp_path)
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(harbor), str(origin))
    env = library_env(tmp_path)
    assert run("library", "add", f"file://{origin}", "--name", "cloned", env=env).code == 0
    assert run("library", "add", str(origin), "--name", "in-place", env=env).code == 0
    assert _index(env)["refs_indexed"] == 4  # each: main and round/pink
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    commit_as(work, "Wes Writer", "wes@example.com", "2025-03-07T09:00:00-05:00", "Gauges", {
        "sections/safety.md": "# Safety Plan\n\nCrews carry ultrasonic thickness gauges.\n"})
    git(work, "push", "-q", "origin", "main")

    def found() -> list[str]:
        hits = run("library", "search", "ultrasonic", "--json", env=env)
        assert hits.code == 0, hits.err
        return sorted(h["proposal"] for h in hits.json())

    plain = _index(env)
    assert plain["refs_indexed"] == 1 and found() == ["in-place"]  # the clone did not fetch
    fetched = run("library", "index", "--fetch", env=env)
    assert fetched.code == 0, fetched.err
    assert found() == ["cloned", "in-place"]
    lanes = run("library", "search", "lane", "--json", env=env).json()  # main rewrote it
    assert {(h["proposal"], h["ref"]) for h in lanes} == {("cloned", "round/pink"),
                                                          ("in-place", "round/pink")}
    git(work, "tag", "-f", "-a", "-m", "pink again", "round/pink")  # a round tag moved
    git(work, "push", "-q", "-f", "origin", "refs/tags/round/pink")
    moved = run("library", "index", "--fetch", "--json", env=env)
    assert moved.code == 0, moved.err
    assert (moved.json()["fetched"], moved.json()["problems"]) == (1, [])
    assert run("library", "search", "lane", "--json", env=env).json() == []
    git(origin, "branch", "-m", "main", "trunk")  # the origin's default branch renamed
    assert run("library", "index", "--fetch", env=env).code == 0
    hits = run("library", "search", "ultrasonic", "--json", env=env).json()
    assert {(h["proposal"], h["ref"]) for h in hits} >= {("cloned", "HEAD"), ("in-place", "HEAD")}
    origin.rename(tmp_path / "gone.git")  # a fetch that fails is one repository's problem
    failed = run("library", "index", "--fetch", env=env)
    assert failed.code == 0, failed.err
    assert "warn cloned: git fetch failed" in failed.err, failed.err
    assert found() == ["cloned", "in-place"]  # what they had stays searchable
