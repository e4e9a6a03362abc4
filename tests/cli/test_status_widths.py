"""`proposal status` keeps its columns aligned for Devanagari titles, measured the way the
terminal measures (glibc's wcwidth: a spacing vowel sign takes a cell, a virama none)."""

from __future__ import annotations

import ctypes
import ctypes.util
import locale
from pathlib import Path

import pytest

from tests.command import run
from tests.fixtures import make_proposal
from tests.gitutil import git

TITLE = "परियोजना सारांश और कार्य"


def wcswidth(text: str) -> int:
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
    widths = [libc.wcwidth(ord(char)) for char in text]
    if any(w < 0 for w in widths):
        pytest.skip("this libc does not know these characters")
    return sum(widths)


def test_devanagari_titles_keep_the_columns_aligned(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    manifest = repo / "proposal.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        'title = "Executive Summary"', f'title = "{TITLE}"'), encoding="utf-8")
    git(repo, "commit", "-qam", "Devanagari title")
    out = run("--repo", str(repo), "status").out.splitlines()
    rows = [line for line in out if line.split()[:1] and line.split()[0] in
            ("summary", "approach", "staffing")]
    assert len(rows) == 3 and TITLE in rows[0]
    owner_at = {wcswidth(row[:row.index(" wes " if "wes" in row else " val ")]) for row in rows}
    assert len(owner_at) == 1, rows
