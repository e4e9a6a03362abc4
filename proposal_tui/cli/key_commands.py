"""Commands about SSH keys and signed records: `person key add/remove/list`,
`server key add`, and `verify`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from proposal_tui.cli.output import emit, emit_json
from proposal_tui.domain.exit_codes import EXIT_FAILED, EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("person", help="the team: add, change or remove people; their SSH "
                       "keys (who logs in to `proposal serve`)")
    person_sub = p.add_subparsers(dest="person_command", metavar="ACTION", required=True,
                                  parser_class=type(p))
    from proposal_tui.cli.plan_edit_commands import register_person

    register_person(person_sub)
    k = person_sub.add_parser("key", help="add, remove or list people's SSH keys")
    key_sub = k.add_subparsers(dest="key_command", metavar="ACTION", required=True,
                               parser_class=type(p))
    a = key_sub.add_parser("add", help="give HANDLE the public key in FILE ('-': stdin)")
    a.add_argument("handle")
    a.add_argument("file")
    a.set_defaults(handler=cmd_person_key_add)
    r = key_sub.add_parser("remove", help="take the key FINGERPRINT (SHA256:...) from HANDLE")
    r.add_argument("handle")
    r.add_argument("fingerprint")
    r.set_defaults(handler=cmd_person_key_remove)
    ls = key_sub.add_parser("list", help="people's keys: handle, fingerprint, type, comment")
    ls.add_argument("handle", nargs="?")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.set_defaults(handler=cmd_person_key_list)

    p = sub.add_parser("server", help="the server keys whose signatures `verify` trusts")
    server_sub = p.add_subparsers(dest="server_command", metavar="ACTION", required=True,
                                  parser_class=type(p))
    k = server_sub.add_parser("key", help="trust a server's signing key")
    key_sub = k.add_subparsers(dest="key_command", metavar="ACTION", required=True,
                               parser_class=type(p))
    a = key_sub.add_parser("add", help="trust the public key in FILE ('-': stdin)")
    a.add_argument("file")
    a.set_defaults(handler=cmd_server_key_add)

    p = sub.add_parser("verify", help="check the signatures on comment events and plan commits")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_verify)


def _read_key(file: str):  # noqa: ANN202 - PublicKey
    from proposal_tui.domain.errors import ProposalError
    from proposal_tui.services.keys import read_key_text

    if file == "-":
        return read_key_text(sys.stdin.read(), "stdin")
    try:
        data = Path(file).read_bytes()[:65536]
    except OSError as exc:
        raise ProposalError(f"cannot read {file}: {exc.strerror or exc}") from None
    return read_key_text(data.decode("utf-8", "replace"), file)


def cmd_person_key_add(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import acting

    key = _read_key(args.file)
    act = acting(args)
    sha = act.workspace.keys.add_person_key(act.manifest, act.person, args.handle, key)
    emit(f"committed {sha[:10]} as {act.person.handle}: {args.handle} has key "
         f"{key.fingerprint}")
    return EXIT_OK


def cmd_person_key_remove(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import acting

    act = acting(args)
    sha = act.workspace.keys.remove_person_key(act.manifest, act.person, args.handle,
                                               args.fingerprint)
    emit(f"committed {sha[:10]} as {act.person.handle}: removed {args.fingerprint} from "
         f"{args.handle}")
    return EXIT_OK


def cmd_person_key_list(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import open_workspace
    from proposal_tui.services.keys import key_rows

    rows = key_rows(open_workspace(args).proposals.manifest(), args.handle)
    if args.json:
        emit_json(rows)
        return EXIT_OK
    for row in rows:
        emit(f"{row['handle']}  {row['fingerprint']}  {row['type']}  {row['comment']}")
    if not rows:
        emit("no keys")
    return EXIT_OK


def cmd_server_key_add(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import acting

    key = _read_key(args.file)
    act = acting(args)
    sha = act.workspace.keys.add_server_key(act.manifest, act.person, key)
    emit(f"committed {sha[:10]} as {act.person.handle}: trusting server key "
         f"{key.fingerprint}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import open_workspace

    report = open_workspace(args).verify()
    if args.json:
        emit_json(report.to_json())
    else:
        for record in report.records:
            emit(record.line())
        emit(report.summary())
    return EXIT_FAILED if report.failures else EXIT_OK
