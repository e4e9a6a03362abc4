"""Fixtures of the TUI tests: the demo repository at a fixed date, and no animation or
blinking anywhere (autouse), so screenshots are the same on every run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from proposal_tui.store.demo import build_demo
from tests.tui.support import FIXED_DATE, NOW


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The transit demo built once; tests that write get their own copy (``demo``)."""
    # Both pinned: with only `today`, commits near the real date would be pulled back to
    # before the real clock, and snapshots would change with the hour they run.
    return build_demo(tmp_path_factory.mktemp("demo-master") / "proposal", "transit-rfp",
                      today=FIXED_DATE, now=NOW)


@pytest.fixture
def demo(demo_master: Path, tmp_path: Path) -> Path:
    target = tmp_path / "proposal"
    shutil.copytree(demo_master, target, symlinks=True)
    return target


@pytest.fixture(autouse=True)
def _quiet_textual(monkeypatch: pytest.MonkeyPatch) -> None:
    """No animation and no blinking cursors: screenshots are the same on every run."""
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    from textual.widgets import Input, TextArea

    for widget in (Input, TextArea):  # the reactive's default, so every new one starts still
        monkeypatch.setattr(widget.cursor_blink, "_default", False)
