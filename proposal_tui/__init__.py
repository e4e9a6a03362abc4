"""proposal-tui: coordinate the writing of a proposal on top of a git repository."""

__version__ = "0.1.0"
