"""Files a command writes where the user asked (`export -o`, `ics -o`): whole or not at all,
and only as a regular file (never through a symlink, onto a device or a FIFO)."""

from __future__ import annotations

from pathlib import Path

from proposal_tui.store.atomic import write_output as _write_regular_file


def write_output(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; a refused or failed write is one line naming
    the file as given (exit 2)."""
    _write_regular_file(Path(path), data)
