"""Every line of tests/data/hostile-strings.txt as a section title, an owner's name and a
comment: the app shows each literally (markup not interpreted, escapes removed) and keeps
running.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import pytest
import tomli_w

from proposal_tui.domain.clock import FixedClock
from proposal_tui.domain.text import one_line
from proposal_tui.services.workspace import Workspace
from proposal_tui.tui.screens.dashboard import DashboardScreen
from proposal_tui.tui.screens.section import SectionScreen
from tests.gitutil import git
from tests.hostile import COMMENTABLE, LINES
from tests.tui.support import NOW, make_app, screen_text, settle, sync

pytestmark = pytest.mark.timeout(300)
AUTHOR = {"GIT_AUTHOR_NAME": "Boss", "GIT_AUTHOR_EMAIL": "boss@example.com",
          "GIT_AUTHOR_DATE": "2026-11-20T09:00:00-05:00",
          "GIT_COMMITTER_DATE": "2026-11-20T09:00:00-05:00"}


def hostile_repo(root: Path) -> Path:
    """A proposal whose every title, owner name and comment is one hostile line."""
    repo = root / "hostile"
    (repo / "sections").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    people = [{"handle": "boss", "name": "Boss", "email": "boss@example.com",
               "role": "manager"}]
    sections = []
    for i, line in enumerate(LINES):
        people.append({"handle": f"p{i:02d}", "name": line, "role": "writer"})
        sections.append({"id": f"s{i:02d}", "title": line, "file": f"sections/s{i:02d}.md",
                         "owner": f"p{i:02d}", "due": dt.date(2026, 12, 1 + i % 15),
                         "status": "drafting", "order": i + 1})
        body = "\n\n".join(x for x in LINES if "\0" not in x) if i == 0 else "Text.\n"
        (repo / f"sections/s{i:02d}.md").write_text(f"# Section {i}\n\n{body}\n",
                                                    encoding="utf-8")
    manifest = {"proposal": {"title": LINES[0], "client": LINES[3],
                             "due": dt.datetime(2026, 12, 18, 17, 0,
                                                tzinfo=dt.timezone(dt.timedelta(hours=-5))),
                             "timezone": "America/New_York"},
                "people": people,
                "milestones": [{"name": LINES[1], "date": dt.date(2026, 12, 4),
                                "kind": "review"}],
                "sections": sections}
    (repo / "proposal.toml").write_text(tomli_w.dumps(manifest), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", LINES[8], env=AUTHOR)  # the clipboard-writing subject
    service = Workspace(repo, FixedClock(NOW)).proposals
    manifest_obj = service.manifest()
    boss = manifest_obj.person("boss")
    assert boss is not None
    reviews = Workspace(repo, FixedClock(NOW - dt.timedelta(hours=1))).reviews
    for line in COMMENTABLE:
        reviews.comment(manifest_obj, boss, "s00", line)
    return repo


def shown(line: str) -> list[str]:
    """The visible pieces of a line: cleaned, one line each."""
    return [one_line(piece) for piece in re.split(r"[\r\n]", line) if one_line(piece)]


def assert_clean(text: str) -> None:
    """Nothing a terminal would act on, and no invisible reordering, reached the screen."""
    bad = {c for c in text if unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\u200d"}
    assert not bad, sorted(map(hex, map(ord, bad)))


@sync
async def test_hostile_strings_show_literally_everywhere(tmp_path: Path) -> None:
    repo = hostile_repo(tmp_path)
    app = make_app(repo, actor="boss")
    async with app.run_test(size=(220, 70)) as pilot:
        await settle(pilot)
        assert app.data.error is None, app.data.error
        assert len(app.data.snapshot.states) == len(LINES)
        seen = [screen_text(app)]
        # Titles: all rows of the sections table are visible at this size.
        for line in LINES:
            for piece in shown(line):
                assert piece in seen[0], piece
        assert "[bold red]not bold[/bold red]" in seen[0]
        assert "[@click=app.quit]click me[/]" in seen[0]
        # Owner names: walk the owners pane so every row scrolls into view.
        await pilot.press("o")
        for _ in range(len(LINES) + 1):
            await pilot.press("down")
            seen.append(screen_text(app))
        owners_text = "\n".join(seen)
        for line in LINES:
            for piece in shown(line):
                assert piece in owners_text, piece
        # Comments: all on s00; its full screen lists every thread, walked one by one.
        await pilot.press("escape")
        app.screen.query_one("#sections").focus()
        await pilot.press("home", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SectionScreen)
        await pilot.press("tab")
        comments = [screen_text(app)]
        for _ in range(len(COMMENTABLE)):
            await pilot.press("down")
            comments.append(screen_text(app))
        comments_text = "\n".join(comments)
        for line in COMMENTABLE:
            for piece in shown(line):
                assert piece in comments_text, piece
        # The section text (Markdown) keeps markup literal too.
        for literal in ("[bold red]not bold[/bold red]", "[@click=app.quit]click me[/]",
                        "x [/red] y", "$name and ${name} and {name} and %s"):
            assert literal in comments[0], literal
        for text in (*seen, *comments):
            assert_clean(text)
        # Still alive and responsive: a dialog listing every name opens and closes.
        await pilot.press("escape", "a")
        await pilot.pause()
        assert_clean(screen_text(app))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert app.is_running
        await pilot.press("ctrl+p", *"Go to s0")
        await pilot.pause()
        assert_clean(screen_text(app))
        await pilot.press("escape")
        assert app.is_running
