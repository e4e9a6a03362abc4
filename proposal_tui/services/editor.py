"""Editing a section file in the user's own editor ($VISUAL, else $EDITOR).

The front end hands the terminal over (the TUI suspends itself) and calls :func:`edit_file`;
how the editor is started is store/programs.py's rule (an argument list, never a shell).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from proposal_tui.store import programs


def editor_command(env: Mapping[str, str]) -> list[str] | None:
    """The editor's argument list from ``env``; None when none is set; a
    :class:`ProposalError` when the variable cannot be split into words."""
    return programs.editor_command(env)


def edit_file(command: list[str], work_tree: Path, path: str) -> int:
    """Run the editor on ``path`` (relative to ``work_tree``) and wait for it to exit.

    The path is made absolute, so a file named ``-x`` is never read as an option.
    """
    return programs.run_editor(command, Path(work_tree, path).absolute())
