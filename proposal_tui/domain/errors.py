"""Errors a user can act on: each names the file, the line when known, and what is wrong."""

from __future__ import annotations

from proposal_tui.domain.exit_codes import EXIT_BAD_INPUT, EXIT_DENIED


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


class PermissionDenied(ProposalError):
    """The acting person's role does not allow the operation."""

    exit_code = EXIT_DENIED

    def __str__(self) -> str:
        return "permission denied: " + self.message
