"""The exit codes of `proposal`: a public contract (hooks, CI and scripts test them), kept in
one place that the errors carrying them and the command line both import."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # `check` found problems, or a file could not be written
EXIT_BAD_INPUT = 2  # a bad argument, file or manifest: one line names it
EXIT_DENIED = 3  # the acting person's role does not allow it
