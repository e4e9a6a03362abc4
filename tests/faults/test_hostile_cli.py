"""Hostile strings as titles, names, commit messages, authors and file names: the CLI shows
them literally, emits no terminal control sequence, never lets them act as git options, and
keeps every other section readable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomli_w

from tests.command import run
from tests.gitutil import author_env, git
from tests.hostile import FORBIDDEN, hostile_strings

STRINGS = hostile_strings()


def _repo(tmp_path: Path, s: str) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    safe_file = "\x00" not in s and "/" not in s and s not in (".", "..")
    file = f"sections/{s}.md" if safe_file else "sections/plain.md"
    manifest = {
        "proposal": {"title": s, "client": s, "due": "2026-12-18"},
        "people": [{"handle": "ana", "name": s, "email": "ana@example.com", "role": "manager"}],
        "milestones": [{"name": s, "date": "2026-12-04", "kind": "review"}],
        "sections": [{"id": "hostile", "title": s, "file": file, "owner": "ana",
                      "requirements": [s], "status": "drafting"},
                     {"id": "plain", "title": "Plain", "file": "plain2.md"}],
    }
    text = tomli_w.dumps(manifest).replace('due = "2026-12-18"', "due = 2026-12-18").replace(
        'date = "2026-12-04"', "date = 2026-12-04")
    (repo / "proposal.toml").write_text(text, encoding="utf-8")
    (repo / "sections").mkdir()
    (repo / file).write_text(f"# {s}\n\nBody words here.\n", encoding="utf-8")
    (repo / "plain2.md").write_text("Plain text.\n")
    git(repo, "add", "-A")
    name_ok = "\x00" not in s and "<" not in s and ">" not in s and "\n" not in s
    env = author_env(s if name_ok and s.strip() else "Someone", "x@example.com")
    message = s if "\x00" not in s and s.strip() else "hostile"
    git(repo, "commit", "-q", "-m", message, env=env)
    return repo


@pytest.mark.parametrize("s", STRINGS, ids=[f"line{i + 1}" for i in range(len(STRINGS))])
def test_hostile_string_everywhere(tmp_path: Path, s: str) -> None:
    repo = _repo(tmp_path, s)
    marker = Path("/tmp/pwned")
    existed = marker.exists()
    text = run("--repo", str(repo), "status")
    assert "Traceback" not in text.err
    assert not FORBIDDEN.search(text.out + text.err), repr(text.out)
    assert text.code in (0, 2)
    if text.code == 0:
        assert "plain" in text.out
    data = run("--repo", str(repo), "status", "--json")
    if data.code == 0:
        parsed = json.loads(data.out)
        assert parsed["proposal"]["title"] == s  # JSON carries the text exactly as written
        hostile = {x["id"]: x for x in parsed["sections"]}["hostile"]
        assert hostile["title"] == s and hostile["requirements"] == [s]
        assert hostile["words"] >= 3
    timeline = run("--repo", str(repo), "timeline", "--width", "90")
    assert not FORBIDDEN.search(timeline.out + timeline.err)
    assert marker.exists() == existed
