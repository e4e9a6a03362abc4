"""No terminal control sequence reaches stdout from any command that prints other people's
text: comment bodies and round names, titles, milestones, requirements, people's names.
`--json` keeps the text exactly (JSON escapes the controls itself), and CSV cells are cleaned
and guarded against formula injection."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
from pathlib import Path

import pytest
import tomli_w

from proposal_tui.domain.comments import make_event
from proposal_tui.domain.identity import Identity
from proposal_tui.store.comments import CommentStore
from tests.command import NOW as RUN_NOW
from tests.command import run
from tests.gitutil import author_env, git
from tests.hostile import hostile_strings

STRINGS = hostile_strings()
# What a terminal acts on: C0 (but \t and \n), ESC, DEL, C1, bidi embeddings/overrides/isolates.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
C0_C1 = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
KICKOFF = "2026-11-30T10:00:00-05:00"
NOW = dt.datetime.fromisoformat(RUN_NOW)
ONE_LINE = [s for s in STRINGS if "\n" not in s and "\r" not in s and "\0" not in s]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One repository holding every hostile string in every free-text place at once."""
    repo = tmp_path_factory.mktemp("escapes") / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    sections = [{"id": f"s{i}", "title": s, "file": f"sections/s{i}.md", "owner": "ana",
                 "requirements": [f"R{i}", f"X{i}"], "due": "2026-12-10", "status": "drafting"}
                for i, s in enumerate(STRINGS)]
    manifest = {
        "proposal": {"title": STRINGS[7], "client": STRINGS[6], "due": "2026-12-18"},
        "people": [{"handle": "ana", "name": STRINGS[8], "email": "ana@example.com",
                    "role": "manager"},
                   {"handle": "rex", "name": STRINGS[9], "email": "rex@example.com",
                    "role": "reviewer"}],
        "milestones": [{"name": s, "date": "2026-12-04", "kind": "review"} for s in STRINGS],
        "sections": sections,
    }
    text = re.sub(r'"(2026-\d\d-\d\d)"', r"\1", tomli_w.dumps(manifest))
    (repo / "proposal.toml").write_text(text, encoding="utf-8")
    requirements = {"requirements": [{"id": f"R{i}", "text": s, "source": s,
                                      "mandatory": i % 2 == 0} for i, s in enumerate(STRINGS)]}
    requirements["requirements"].append({"id": "R99", "text": STRINGS[7], "source": "L",
                                         "mandatory": True})
    (repo / "requirements.toml").write_text(tomli_w.dumps(requirements), encoding="utf-8")
    (repo / "sections").mkdir()
    for i, s in enumerate(STRINGS):
        (repo / f"sections/s{i}.md").write_text(f"# {s.replace(chr(0), '')}\n\nBody words.\n",
                                                 encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", STRINGS[7], env=author_env(STRINGS[8].replace("\x07", ""),
                                                               "ana@example.com", KICKOFF))
    first = None
    for i, s in enumerate(STRINGS):
        body = s if s.strip("\0") else "x"
        if s in ONE_LINE and s.strip():
            # `comment --round` names only rounds that exist (issue 18): a label like this one
            # comes from another tool or an older version, straight into the comment store.
            refused = run("--repo", str(repo), "--as", "rex", "comment", f"s{i}", "-m", "x",
                          "--round", s)
            assert refused.code == 2 and not CONTROL.search(refused.err), (s, refused.err)
            event = make_event("comment", f"s{i}", "rex", NOW, random.Random(i),
                               body=body.replace("\0", ""), kind="comment", round=s)
            CommentStore(repo).append(event, Identity("Rex", "rex@example.com"))
            first = first or event.id
            continue
        done = run("--repo", str(repo), "--as", "rex", "comment", f"s{i}", "-m", "-",
                   input=body.replace("\0", ""))
        assert done.code == 0, (s, done.err)
        first = first or done.out.split()[1]
    done = run("--repo", str(repo), "--as", "ana", "reply", first, "-m", "-",
               input="\n".join(STRINGS).replace("\0", ""))
    assert done.code == 0, done.err
    assert run("--repo", str(repo), "--as", "ana", "round", "start", "pink").code == 0
    return repo


COMMANDS = [["status"], ["comments"], ["comments", "s6"], ["comments", "--open"],
            ["timeline", "--width", "100"], ["requirements", "list"], ["compliance"],
            ["check"], ["validate"], ["round", "list"], ["round", "diff", "pink", "HEAD", "s7"],
            ["progress", "--csv"], ["ics"]]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_no_control_sequence_reaches_the_terminal(repo: Path, command: list[str]) -> None:
    result = run("--repo", str(repo), *command)
    assert "Traceback" not in result.err
    assert result.out.strip(), result.err
    # ics is data, as --json is: RFC 5545 TEXT has no control characters (so none are
    # written) but may hold any other character, bidi controls included; its lines end CRLF.
    ics = command == ["ics"]
    out = result.out.replace("\r\n", "\n") if ics else result.out
    for name, text in (("stdout", out), ("stderr", result.err)):
        bad = (C0_C1 if ics else CONTROL).search(text)
        assert bad is None, (name, text[max(0, bad.start() - 40):bad.end() + 40])


def test_comments_json_keeps_the_exact_text(repo: Path) -> None:
    result = run("--repo", str(repo), "comments", "--json")
    assert result.code == 0, result.err
    assert not CONTROL.search(result.out)  # JSON escapes C0; we escape C1 and bidi too
    bodies = {t["section"]: t["body"] for t in result.json()}
    for i, s in enumerate(STRINGS):
        if s.strip("\0"):
            assert bodies[f"s{i}"] == s.replace("\0", "")
    rounds = {t["section"]: t["round"] for t in result.json()}
    assert rounds["s7"] == STRINGS[7]  # OSC title sequence, kept exactly in JSON


def test_status_json_keeps_the_exact_titles(repo: Path) -> None:
    result = run("--repo", str(repo), "status", "--json")
    assert not CONTROL.search(result.out)
    titles = {s["id"]: s["title"] for s in result.json()["sections"]}
    assert titles == {f"s{i}": s for i, s in enumerate(STRINGS)}


def test_progress_csv_cells_are_clean_and_never_formulas(repo: Path) -> None:
    result = run("--repo", str(repo), "progress", "--csv", "--since", "2026-12-01")
    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert rows
    for row in rows:
        for cell in row.values():
            assert not CONTROL.search(cell), cell
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r") or \
                re.fullmatch(r"-?\d+", cell), cell
    titles = {row["section"]: row["title"] for row in rows}
    assert titles["s21"] == "'" + STRINGS[21]  # =HYPERLINK(...) stays text in a spreadsheet
    assert titles["s16"] == "'" + STRINGS[16]  # --upload-pack=...
    assert titles["s8"] == " clipboard write" or "clipboard write" in titles["s8"]
    assert "\x1b" not in titles["s7"]
