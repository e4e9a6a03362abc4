"""The dashboard in a real terminal: tmux's screen, read until it shows what a test waits for."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable


def capture(name: str) -> str:
    """The pane of the tmux server ``name`` (``tmux -L name``), as text."""
    return subprocess.run(["tmux", "-L", name, "capture-pane", "-p"], capture_output=True,
                          text=True).stdout


def wait_for_screen(name: str, shows: Callable[[str], bool], timeout: float = 60) -> str:
    """The screen once ``shows`` says yes to it; fails, showing it, after ``timeout``."""
    deadline = time.monotonic() + timeout
    screen = capture(name)
    while not shows(screen):
        assert time.monotonic() < deadline, screen
        time.sleep(0.3)
        screen = capture(name)
    return screen
