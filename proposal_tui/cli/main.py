"""The `proposal` command: parse arguments, run one command, turn errors into exit codes.

Imports stay lazy so `--help` and `--version` answer without loading git or the TUI.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Sequence

from proposal_tui import __version__
from proposal_tui.domain.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK

Registrar = Callable[[argparse._SubParsersAction], None]  # noqa: SLF001 - argparse names no public type


def _registrars() -> list[Registrar]:
    from proposal_tui.cli import (
        compliance_commands,
        key_commands,
        library_commands,
        mine_commands,
        plan_commands,
        plan_edit_commands,
        review_commands,
        serve_commands,
    )

    return [plan_commands.register, plan_edit_commands.register, compliance_commands.register,
            review_commands.register, key_commands.register, serve_commands.register,
            mine_commands.register, library_commands.register]


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors on one line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"proposal: {message} (see 'proposal --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="proposal", description="Coordinate a proposal (RFP response, bid, "
                     "grant) in a git repository. With no command, opens the dashboard.")
    parser.add_argument("--version", action="version", version=f"proposal-tui {__version__}")
    parser.add_argument("--repo", metavar="PATH", help="the proposal repository (default: the "
                        "enclosing one; a bare repository works too)")
    parser.add_argument("--as", dest="acting", metavar="HANDLE", help="who is acting "
                        "(default: $PROPOSAL_USER, else git user.email, else $USER)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for register in _registrars():
        register(sub)
    return parser


@functools.cache
def parser() -> argparse.ArgumentParser:
    """The parser, built once per process: parsing never changes it, and building it costs
    ~16 ms (argparse asks gettext for every help string), which each command `proposal
    serve` forks would otherwise pay twice (here and in the gate)."""
    return build_parser()


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list in (["--version"], ["-V"]):  # fast path: no argparse tree, no imports
        print(f"proposal-tui {__version__}")
        return EXIT_OK
    args = parser().parse_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is None:
        from proposal_tui.cli.plan_commands import run_tui

        handler = run_tui
    from proposal_tui.domain.errors import ProposalError

    try:
        code = int(handler(args) or EXIT_OK)
        sys.stdout.flush()  # inside the try: a reader gone early is seen here, not at exit
        return code
    except ProposalError as exc:
        print(f"proposal: {_one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # before OSError, its base: `proposal comments | head -1`
        # The reader has what it wanted; point stdout at /dev/null so the flush at exit
        # cannot fail again, and end quietly as `cat` would when its reader is gone.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # disk full, permissions: say which file, never a traceback
        from proposal_tui.domain.errors import write_refused

        if refused := write_refused(exc):  # a read-only repository: exit 3, as documented
            print(f"proposal: {_one_line(str(refused))}", file=sys.stderr)
            return refused.exit_code
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"proposal: {_one_line(where + (exc.strerror or str(exc)))}", file=sys.stderr)
        return EXIT_FAILED


def gate_main() -> int:
    """``proposal-gate [--repo PATH]``: the same as ``proposal --repo PATH gate``."""
    return main([*sys.argv[1:], "gate"])


def _one_line(text: str) -> str:
    from proposal_tui.domain.text import one_line

    return one_line(text)


if __name__ == "__main__":
    raise SystemExit(main())
