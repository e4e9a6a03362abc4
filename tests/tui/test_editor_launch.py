"""The editor is started from one place, as an argument list: never through a shell.

A real script stands in for the editor and records the arguments it was given, so each test
sees exactly what the operating system passed on.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from proposal_tui.domain.errors import ProposalError
from proposal_tui.services.editor import edit_file, editor_command
from tests.tui.support import WIDE, make_app, settle, sync

pytestmark = pytest.mark.timeout(120)


def recording_editor(folder: Path) -> tuple[Path, Path]:
    """(an executable editor that records its argv, the file it records into)."""
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / "argv"
    script = folder / "editor"
    script.write_text(f"#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > '{record}'\n")
    script.chmod(0o755)
    return script, record


def recorded(record: Path) -> list[str]:
    return record.read_bytes().decode().split("\0")[:-1]


def test_editor_words_are_split_like_a_shell_and_the_file_comes_last(tmp_path: Path) -> None:
    script, record = recording_editor(tmp_path / "my tools")  # a space in the folder
    command = editor_command({"EDITOR": f"'{script}' -u NONE"})
    assert command == [str(script), "-u", "NONE"]
    (tmp_path / "work").mkdir()
    assert edit_file(command, tmp_path / "work", "sections/a.md") == 0
    assert recorded(record) == ["-u", "NONE", str(tmp_path / "work" / "sections" / "a.md")]


def test_shell_syntax_in_editor_is_plain_text_not_a_command(tmp_path: Path) -> None:
    script, record = recording_editor(tmp_path / "bin")
    touched = [tmp_path / f"touched{i}" for i in range(4)]
    editor = (f"{script} ; touch {touched[0]} | touch {touched[1]} && "
              f"$(touch {touched[2]}) `touch {touched[3]}`")
    command = editor_command({"EDITOR": editor})
    assert command is not None
    edit_file(command, tmp_path, "x.md")
    assert recorded(record) == [
        ";", "touch", str(touched[0]), "|", "touch", str(touched[1]), "&&",
        "$(touch", f"{touched[2]})", "`touch", f"{touched[3]}`", str(tmp_path / "x.md")]
    assert [p for p in touched if p.exists()] == []


def test_a_file_named_like_an_option_reaches_the_editor_as_a_path(tmp_path: Path) -> None:
    script, record = recording_editor(tmp_path / "bin")
    edit_file([str(script)], tmp_path, "-rf.md")
    assert recorded(record) == [str(tmp_path / "-rf.md")]


def test_visual_wins_over_editor_and_blank_means_none() -> None:
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "vi"}) == ["code", "--wait"]
    assert editor_command({"EDITOR": "  "}) is None
    assert editor_command({}) is None


def test_a_missing_editor_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ProposalError) as caught:
        edit_file([str(tmp_path / "no-such-editor")], tmp_path, "a.md")
    assert str(caught.value) == f"could not run {tmp_path / 'no-such-editor'}: " \
                                "No such file or directory"


def test_an_unbalanced_quote_is_one_line() -> None:
    with pytest.raises(ProposalError) as caught:
        editor_command({"EDITOR": 'vi "my file'})
    assert "\n" not in str(caught.value)
    assert "not a command line" in str(caught.value)


@sync
async def test_tui_runs_the_editor_with_its_arguments(demo: Path, tmp_path: Path) -> None:
    script, record = recording_editor(tmp_path / "bin")
    app = make_app(demo, env={"EDITOR": f"{script} -u NONE"})
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        app.suspend = contextlib.nullcontext  # type: ignore[method-assign]  # headless
        await pilot.press("e")
        await settle(pilot)
        file = app.data.state("exec-summary").section.file
    assert recorded(record) == ["-u", "NONE", str(demo / file)]


@sync
async def test_tui_reports_an_editor_it_cannot_split(demo_master: Path) -> None:
    app = make_app(demo_master, env={"EDITOR": 'vi "unclosed'})
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        app.suspend = contextlib.nullcontext  # type: ignore[method-assign]  # headless
        await pilot.press("e")
        await pilot.pause()
        assert any("not a command line" in str(n.message) for n in app._notifications)
        assert app.is_running


@sync
async def test_tui_reports_a_missing_editor(demo_master: Path, tmp_path: Path) -> None:
    app = make_app(demo_master, env={"EDITOR": str(tmp_path / "no-such-editor")})
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        app.suspend = contextlib.nullcontext  # type: ignore[method-assign]  # headless
        await pilot.press("e")
        await pilot.pause()
        assert any("could not run" in str(n.message) and "no-such-editor" in str(n.message)
                   for n in app._notifications)
