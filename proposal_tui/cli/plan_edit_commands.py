"""Plan edits without a text editor: `person add/set/remove`, `milestone add/move/remove`,
`section remove/rename/set`. Managers only; each is one commit of proposal.toml."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from proposal_tui.cli.output import emit
from proposal_tui.domain.exit_codes import EXIT_OK

if TYPE_CHECKING:
    from proposal_tui.domain.model import Manifest

_KINDS = "kickoff, review, production, deadline or other"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("milestone", help="add, move or remove milestones")
    milestone_sub = p.add_subparsers(dest="milestone_command", metavar="ACTION",
                                     required=True, parser_class=type(p))
    a = milestone_sub.add_parser("add", help="add milestone NAME on DATE")
    a.add_argument("name")
    a.add_argument("date", help="YYYY-MM-DD or an ISO date-time")
    a.add_argument("--kind", default="review", help=f"{_KINDS} (default review)")
    a.set_defaults(handler=cmd_milestone_add)
    m = milestone_sub.add_parser("move", help="move milestone NAME to DATE")
    m.add_argument("name")
    m.add_argument("date", help="YYYY-MM-DD or an ISO date-time")
    m.set_defaults(handler=cmd_milestone_move)
    r = milestone_sub.add_parser("remove", help="remove milestone NAME")
    r.add_argument("name")
    r.set_defaults(handler=cmd_milestone_remove)


def register_person(person_sub: argparse._SubParsersAction) -> None:
    """`person add/set/remove`, beside `person key ...`."""
    a = person_sub.add_parser("add", help="add HANDLE to the team")
    a.add_argument("handle")
    a.add_argument("--name", default="")
    a.add_argument("--email", default="", help="matched against git user.email")
    a.add_argument("--role", default="writer", help="manager, writer or reviewer "
                   "(default writer)")
    a.set_defaults(handler=cmd_person_add)
    s = person_sub.add_parser("set", help="change HANDLE's name, e-mail or role")
    s.add_argument("handle")
    s.add_argument("--name")
    s.add_argument("--email", help="'' removes it")
    s.add_argument("--role")
    s.set_defaults(handler=cmd_person_set)
    r = person_sub.add_parser("remove", help="remove HANDLE (refused while they own "
                              "sections, unless --reassign or --force)")
    r.add_argument("handle")
    r.add_argument("--reassign", metavar="HANDLE", help="give their sections to HANDLE")
    r.add_argument("--force", action="store_true", help="leave their sections without owner")
    r.set_defaults(handler=cmd_person_remove)


def register_section(section_sub: argparse._SubParsersAction) -> None:
    """`section remove/rename/set`, beside `section add`."""
    r = section_sub.add_parser("remove", help="take a section out of the plan (its file stays "
                               "unless --delete-file)")
    r.add_argument("id")
    r.add_argument("--delete-file", action="store_true",
                   help="delete its file too, in the same commit (it stays in history)")
    r.set_defaults(handler=cmd_section_remove)
    n = section_sub.add_parser("rename", help="give a section a new id (file, history and "
                               "comments stay with it)")
    n.add_argument("id")
    n.add_argument("new_id")
    n.set_defaults(handler=cmd_section_rename)
    s = section_sub.add_parser("set", help="change a section's title, file, limits or "
                               "requirements")
    s.add_argument("id")
    s.add_argument("--title")
    s.add_argument("--file", help="path in the repository (made with a heading if new)")
    s.add_argument("--word-limit", help="a whole number, or 'none'")
    s.add_argument("--page-limit", help="a number, or 'none'")
    s.add_argument("--requirements", help="requirement ids, comma-separated ('' for none)")
    s.set_defaults(handler=cmd_section_set)


def _plan(args: argparse.Namespace, method: str, *fn_args: Any,
          note: Callable[[Manifest], str] | None = None, **kwargs: Any) -> str:
    """Run a plan edit as the acting person; ``note`` adds what the plan as it was before
    the edit says about it."""
    from proposal_tui.cli.context import acting

    act = acting(args)
    said = note(act.manifest) if note else ""
    sha = getattr(act.workspace.plan, method)(act.manifest, act.person, *fn_args, **kwargs)
    return f"committed {sha[:10]} as {act.person.handle}" + (f"; {said}" if said else "")


def cmd_person_add(args: argparse.Namespace) -> int:
    emit(_plan(args, "add_person", args.handle, name=args.name, email=args.email,
               role=args.role))
    return EXIT_OK


def cmd_person_set(args: argparse.Namespace) -> int:
    emit(_plan(args, "set_person", args.handle, name=args.name, email=args.email,
               role=args.role))
    return EXIT_OK


def cmd_person_remove(args: argparse.Namespace) -> int:
    from proposal_tui.services.plan import keys_going

    emit(_plan(args, "remove_person", args.handle, reassign=args.reassign, force=args.force,
               note=lambda manifest: keys_going(manifest, args.handle)))
    return EXIT_OK


def cmd_milestone_add(args: argparse.Namespace) -> int:
    from proposal_tui.services.edits import parse_due

    emit(_plan(args, "add_milestone", args.name, parse_due(args.date), args.kind))
    return EXIT_OK


def cmd_milestone_move(args: argparse.Namespace) -> int:
    from proposal_tui.services.edits import parse_due

    emit(_plan(args, "move_milestone", args.name, parse_due(args.date)))
    return EXIT_OK


def cmd_milestone_remove(args: argparse.Namespace) -> int:
    emit(_plan(args, "remove_milestone", args.name))
    return EXIT_OK


def cmd_section_remove(args: argparse.Namespace) -> int:
    line = _plan(args, "remove_section", args.id, delete_file=args.delete_file)
    kept = "" if args.delete_file else "; its file stays in the repository"
    emit(f"{line}{kept}; its comment threads stay on the comment branch")
    return EXIT_OK


def cmd_section_rename(args: argparse.Namespace) -> int:
    line = _plan(args, "rename_section", args.id, args.new_id)
    emit(f"{line}; '{args.id}' is kept in renamed_from, so its comments and history stay "
         "with the section")
    return EXIT_OK


def cmd_section_set(args: argparse.Namespace) -> int:
    requirements = None if args.requirements is None else \
        [r.strip() for r in args.requirements.split(",") if r.strip()]
    emit(_plan(args, "set_section", args.id, title=args.title, file=args.file,
               word_limit=args.word_limit, page_limit=args.page_limit,
               requirements=requirements))
    return EXIT_OK
