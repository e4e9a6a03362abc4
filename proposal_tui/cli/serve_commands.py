"""`proposal serve`: the SSH front door (proposal_tui/server), imported only when asked for."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve repositories over SSH to the people whose keys "
                       "their proposal.toml lists (dashboard, commands, git)")
    p.add_argument("repos", nargs="+", metavar="REPO", help="a repository to serve (bare or "
                   "not), as its folder name without .git")
    p.add_argument("--listen", default="127.0.0.1:2222", metavar="HOST:PORT",
                   help="where to listen (default 127.0.0.1:2222)")
    p.add_argument("--host-key", type=Path, metavar="PATH", help="the server's ed25519 key, "
                   "made there on first start (default $XDG_STATE_HOME/proposal-tui/"
                   "ssh_host_ed25519_key)")
    p.add_argument("--idle-timeout", type=float, default=900.0, metavar="SECONDS",
                   help="close a session where nothing moved for this long (default 900)")
    p.add_argument("--max-sessions", type=int, default=64, metavar="N",
                   help="sessions at once; more are refused with a message (default 64)")
    p.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from proposal_tui.domain.errors import ProposalError

    try:
        from proposal_tui.server.main import Options, parse_listen, run

        host, port = parse_listen(args.listen)
    except ValueError as exc:
        raise ProposalError(str(exc)) from None
    if args.repo or args.acting:
        raise ProposalError("serve: name the repositories after 'serve' (no --repo, no --as)")
    if args.idle_timeout <= 0 or args.max_sessions <= 0:
        raise ProposalError("serve: --idle-timeout and --max-sessions must be positive")
    try:
        return run(Options(args.repos, host, port, args.host_key, args.idle_timeout,
                           args.max_sessions))
    except ValueError as exc:  # a host key that is not one
        raise ProposalError(str(exc)) from None
