"""The README's tour works as written, on a fresh demo."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests import ROOT
from tests.command import run

# The checkout's root, wherever this file sits under tests/.
README = ROOT / "README.md"


def tour_commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    block = text.split("## A five-minute tour", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if not line.startswith("proposal ") or "|" in line:
            continue
        commands.append(shlex.split(line)[1:])
    return commands


def test_the_tour_runs(tmp_path: Path) -> None:
    commands = tour_commands()
    assert len(commands) >= 10
    demo = tmp_path / "bid"
    for args in commands:
        if args[:1] == ["demo"]:
            args = ["demo", str(demo)]
        elif not args:
            continue  # the dashboard itself: covered by the TUI tests
        expected = (0, 1) if args[:1] == ["check"] else (0,)
        result = run(*(["--repo", str(demo)] if args[0] != "demo" else []), *args,
                     cwd=tmp_path, now=None)
        assert result.code in expected, (args, result.err)
        assert "Traceback" not in result.err
