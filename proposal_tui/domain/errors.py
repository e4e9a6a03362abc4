"""Errors a user can act on: each names the file, the line when known, and what is wrong."""

from __future__ import annotations

import errno

from proposal_tui.domain.exit_codes import EXIT_BAD_INPUT, EXIT_DENIED

# What a write gets from a read-only file system, a folder it may not write, an immutable file
WRITE_REFUSED_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


class ProposalError(Exception):
    """Bad input or a refused operation; rendered as one line, never as a traceback."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return where + self.message


class ReadOnlyRepository(ProposalError):
    """The repository cannot be written here (a read-only mount, another user's files): a
    permission problem, so exit code 3, and nothing was changed."""

    exit_code = EXIT_DENIED

    def __str__(self) -> str:
        return "read-only: " + super().__str__()


def write_refused(exc: OSError) -> ReadOnlyRepository | None:
    """The one-line error for a write the file system refused, or None for other failures."""
    if exc.errno not in WRITE_REFUSED_ERRNOS:
        return None
    where = f"cannot write {exc.filename}" if exc.filename else "cannot write"
    return ReadOnlyRepository(f"{where} ({exc.strerror}); nothing was changed")


class PermissionDenied(ProposalError):
    """The acting person's role does not allow the operation."""

    exit_code = EXIT_DENIED

    def __str__(self) -> str:
        return "permission denied: " + self.message
