"""Whatever the timing of the first load, the section pane shows the highlighted section.

On a busy machine the first data can reach the sections table before its first real size
(it has none yet, or the terminal's size arrives later): the columns are then rebuilt, and
the pane used to say "No section selected." beside a highlighted row 1 until the cursor
moved. Tested with the first load held back and released in the racy orders, and in a real
terminal (tmux) with two busy loops beside it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from proposal_tui.tui.widgets.section_preview import PreviewBody, SectionPreview
from proposal_tui.tui.widgets.sections_table import SectionsTable
from tests.tmux import capture, wait_for_screen
from tests.tui.support import NARROW, WIDE, hold_loads, make_app, settle, sync

# (size at start, size once the held load is on screen): the data lands on a table that has
# no size yet, or another size than the one the terminal then reports.
ORDERS = [((1, 1), WIDE), ((100, 30), WIDE), (WIDE, (1, 1)), (NARROW, WIDE)]


@sync
async def test_the_pane_follows_row_one_whenever_the_first_load_lands(
        demo_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for first, then in ORDERS:
        release = hold_loads(monkeypatch)
        app = make_app(demo_master)
        try:
            async with app.run_test(size=first) as pilot:
                await pilot.pause()
                release.set()
                await settle(pilot)
                await pilot.resize_terminal(*then)
                if then != WIDE:
                    await settle(pilot)
                    await pilot.resize_terminal(*WIDE)
                await settle(pilot)
                table = app.screen.query_one(SectionsTable)
                shown = "\n".join(line.text for line in app.screen.query_one(PreviewBody)._lines)
                assert table.cursor_row == 0, (first, then)
                assert app.screen.query_one(SectionPreview).section_id == \
                    table.cursor_section() == "exec-summary", (first, then)
                assert "No section selected." not in shown, (first, then)
        finally:
            release.set()
        monkeypatch.undo()


BUSY = "while True: pass"


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_in_a_real_terminal_under_load_the_pane_shows_row_one(demo: Path) -> None:
    """Two busy loops (the machine's two cores), then the dashboard in tmux."""
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(2)]
    name = f"start{demo.stat().st_ino}"
    try:
        # `stty size` first: tmux sizes a detached pane just after starting its command.
        command = f"stty size >/dev/null; exec {sys.executable} -m proposal_tui --repo {demo}"
        subprocess.run(["tmux", "-L", name, "new-session", "-d", "-x", "120", "-y", "40",
                        "-e", "PROPOSAL_USER=ana", "-e", "PROPOSAL_NOW=2026-11-27T10:00",
                        command], check=True)
        # The first data is on screen once the owners pane has its rows.
        wait_for_screen(name, lambda shown: "exec-summary" in shown
                        and "ana " in shown.split("Owners")[-1])
        time.sleep(1.0)  # anything still queued lands
        screen = capture(name)
        assert "No section selected." not in screen, screen
        assert "exec-summary · Executive Summary" in screen, screen
    finally:
        subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True)
        for proc in busy:
            proc.kill()
            proc.wait()
