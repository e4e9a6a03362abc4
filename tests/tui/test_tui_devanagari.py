"""Devanagari names keep the borders aligned (issue 18, smaller items). Terminals (glibc's
wcwidth, tmux) give a spacing vowel sign a cell; rich's tables gave it none, so the owners
row holding such a name pushed the pane's right border out by a cell per sign."""

from __future__ import annotations

import ctypes
import ctypes.util
import locale
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich import cells

from proposal_tui.tui.textual_compat import spacing_marks_take_a_cell
from tests.gitutil import git
from tests.tmux import wait_for_screen

NAME = "अनन्या शर्मा"  # 12 code points: 2 viramas (no cell), 2 vowel signs (a cell each)


def wcswidth(text: str) -> int:
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
    return sum(max(0, libc.wcwidth(ord(char))) for char in text)


def test_rich_measures_as_the_terminal_does() -> None:
    table = cells.load_cell_table("auto")  # the shape rewritten (fails loudly if rich changes)
    assert all(len(entry) == 3 for entry in table.widths[:5])
    spacing_marks_take_a_cell()
    spacing_marks_take_a_cell()  # idempotent
    assert cells.cell_len(NAME) == wcswidth(NAME) == 10
    assert cells.cell_len("Ana Ruiz") == 8 and cells.cell_len("日本") == 4


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_owners_pane_keeps_its_border_in_a_terminal(demo: Path) -> None:
    manifest = demo / "proposal.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        'name = "Ana Ruiz"', f'name = "{NAME}"'), encoding="utf-8")
    git(demo, "commit", "-qam", "A Devanagari name")
    name = f"dev{demo.stat().st_ino}"
    command = f"stty size >/dev/null; exec {sys.executable} -m proposal_tui --repo {demo}"
    subprocess.run(["tmux", "-L", name, "new-session", "-d", "-x", "120", "-y", "40", "-e",
                    "PROPOSAL_USER=ana", command], check=True)
    try:
        screen = wait_for_screen(name, lambda shown: NAME.split()[0] in shown)
    finally:
        subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True)
    owners = screen.split("Owners", 1)[1].splitlines()[1:8]
    assert all("││" in line for line in owners), owners  # the pane's border, then the next
    assert len({wcswidth(line[:line.index("││")]) for line in owners}) == 1, owners
