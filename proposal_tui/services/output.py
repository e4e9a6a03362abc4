"""Files a command writes where the user asked (`export -o`, `ics -o`): whole or not at all."""

from __future__ import annotations

from pathlib import Path

from proposal_tui.domain.errors import ProposalError
from proposal_tui.store.atomic import write_atomic


def write_output(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; a failure is one line naming the file as given."""
    try:
        write_atomic(Path(path).resolve(), data)
    except OSError as exc:
        raise ProposalError(f"cannot write: {exc.strerror}", str(path)) from None
