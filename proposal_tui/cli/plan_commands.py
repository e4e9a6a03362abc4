"""Commands about the plan: init, demo, status, validate, timeline and manifest edits."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proposal_tui.cli.output import emit, emit_json
from proposal_tui.domain.exit_codes import EXIT_BAD_INPUT, EXIT_OK

if TYPE_CHECKING:
    from proposal_tui.services.snapshot import Snapshot
    from proposal_tui.services.workspace import Workspace


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="start a proposal in DIR (a new or existing git repository)")
    p.add_argument("dir", nargs="?", default=".")
    p.add_argument("--title", default="Untitled Proposal")
    p.add_argument("--template", default="starter",
                   choices=("starter", "nsf", "nih", "federal-rfp", "blank"),
                   help="the sections, limits and milestones to start from (default: starter, "
                   "one Executive Summary)")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("demo", help="build a demo proposal repository with a live schedule")
    p.add_argument("dir")
    p.add_argument("--sample", default="transit-rfp", help="transit-rfp or nsf-grant")
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("status", help="every section: owner, status, words, due, last commit")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("validate", help="check proposal.toml and the section files")
    p.add_argument("--strict", action="store_true",
                   help="unknown keys in proposal.toml are errors (exit 2), not warnings")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("timeline", help="the schedule as a text Gantt chart")
    p.add_argument("--width", type=int, default=0, help="columns (default: terminal width)")
    p.set_defaults(handler=cmd_timeline)

    p = sub.add_parser("assign", help="make HANDLE the owner of SECTION")
    p.add_argument("section")
    p.add_argument("handle")
    p.set_defaults(handler=cmd_assign)

    p = sub.add_parser("set-status", help="declare a section's status")
    p.add_argument("section")
    p.add_argument("status")
    p.set_defaults(handler=cmd_set_status)

    p = sub.add_parser("set-due", help="change a section's due date (YYYY-MM-DD or 'none')")
    p.add_argument("section")
    p.add_argument("due")
    p.set_defaults(handler=cmd_set_due)

    p = sub.add_parser("section", help="add, change, rename or remove sections")
    section_sub = p.add_subparsers(dest="section_command", metavar="ACTION", required=True,
                                   parser_class=type(p))
    a = section_sub.add_parser("add", help="add a section (and its file) to the plan")
    a.add_argument("id")
    a.add_argument("title")
    a.add_argument("--file", help="path in the repository (default sections/NNN-ID.md)")
    a.add_argument("--owner")
    a.add_argument("--due", help="YYYY-MM-DD or an ISO date-time")
    a.add_argument("--word-limit", type=int)
    a.add_argument("--page-limit", type=float, help="pages (a whole number is written as one)")
    a.add_argument("--requirement", "-r", action="append", dest="requirements", default=[],
                   help="a requirement id it answers (repeatable)")
    a.add_argument("--order", type=int)
    a.set_defaults(handler=cmd_section_add)
    from proposal_tui.cli.plan_edit_commands import register_section

    register_section(section_sub)

    p = sub.add_parser("tui", help="open the dashboard (the default with no command)")
    p.set_defaults(handler=run_tui)


def open_workspace(args: argparse.Namespace) -> Workspace:
    from proposal_tui.cli.context import open_workspace as _open

    return _open(args)


def run_tui(args: argparse.Namespace) -> int:
    """Open the dashboard; with no terminal to draw on (a pipe), print the status table."""
    workspace = open_workspace(args)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        emit(_status_text(workspace))
        return EXIT_OK
    from proposal_tui.tui.app import run

    return run(workspace)


def _status_text(workspace: Workspace) -> str:
    from proposal_tui.cli.render import status_table

    snap = workspace.proposals.snapshot(threads=False)
    _report_problems(snap)
    return status_table(snap)


def _report_problems(snap: Snapshot) -> None:
    from proposal_tui.domain.text import one_line

    for problem in snap.problems:
        emit(f"proposal: {one_line(str(problem))}", err=True)


def cmd_status(args: argparse.Namespace) -> int:
    from proposal_tui.cli.render import status_table
    from proposal_tui.services.report import snapshot_json

    snap = open_workspace(args).proposals.snapshot(threads=False)
    if args.json:
        # Indented for people; compact (and several times faster to encode) for scripts.
        indent = 2 if sys.stdout.isatty() else None
        emit_json(snapshot_json(snap), indent)
    else:
        emit(status_table(snap))
    _report_problems(snap)
    return EXIT_BAD_INPUT if snap.problems else EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from proposal_tui.domain.errors import ProposalError
    from proposal_tui.domain.manifest import ManifestErrors
    from proposal_tui.domain.text import one_line

    workspace = open_workspace(args)
    try:
        snap = workspace.proposals.snapshot()
    except ManifestErrors as exc:
        for problem in exc.problems:
            emit(f"proposal: {one_line(str(problem))}", err=True)
        return EXIT_BAD_INPUT
    problems: list[ProposalError] = list(snap.problems)
    for problem in problems:
        emit(f"proposal: {one_line(str(problem))}", err=True)
    for error in snap.comment_errors:
        emit(f"proposal: {one_line(error)}", err=True)
    from proposal_tui.services.gate import repository_warnings

    for warning in [*snap.trailer_warnings, *repository_warnings(workspace.repo)]:
        emit(f"proposal: warning: {one_line(warning)}", err=True)
    unknown = snap.manifest.warnings
    for error in unknown:
        emit(f"proposal: {'' if args.strict else 'warning: '}{one_line(error)}",
             err=True)
    if problems or snap.comment_errors or (args.strict and unknown):
        return EXIT_BAD_INPUT
    emit(f"ok: {len(snap.states)} sections, {len(snap.manifest.people)} people, "
         f"{len(snap.manifest.milestones)} milestones"
         f"{f' ({len(unknown)} unknown keys)' if unknown else ''}")
    return EXIT_OK


def cmd_timeline(args: argparse.Namespace) -> int:
    import shutil

    from proposal_tui.cli.render import timeline_text

    workspace = open_workspace(args)
    snap = workspace.proposals.snapshot(threads=False)
    rounds = workspace.rounds.rounds()
    emit(timeline_text(snap, args.width or shutil.get_terminal_size((120, 40)).columns,
                        rounds))
    return EXIT_OK


def _edit(args: argparse.Namespace, fn_name: str, *fn_args: Any, **kwargs: Any) -> int:
    from proposal_tui.cli.context import acting

    act = acting(args)
    edit = getattr(act.workspace.edits, fn_name)
    sha = edit(act.manifest, act.person, *fn_args, **kwargs)
    emit(f"committed {sha[:10]} as {act.person.handle}")
    return EXIT_OK


def cmd_assign(args: argparse.Namespace) -> int:
    return _edit(args, "assign", args.section, args.handle)


def cmd_set_status(args: argparse.Namespace) -> int:
    return _edit(args, "set_status", args.section, args.status)


def cmd_set_due(args: argparse.Namespace) -> int:
    from proposal_tui.services.edits import parse_due

    due = None if args.due.lower() == "none" else parse_due(args.due)
    return _edit(args, "set_due", args.section, due)


def cmd_section_add(args: argparse.Namespace) -> int:
    from proposal_tui.services.edits import parse_due

    return _edit(args, "add_section", section_id=args.id, title=args.title, file=args.file,
                 owner=args.owner, due=parse_due(args.due) if args.due else None,
                 word_limit=args.word_limit, page_limit=args.page_limit,
                 requirements=args.requirements, order=args.order)


def cmd_init(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import clock_from_env
    from proposal_tui.services.setup import init_proposal

    path = init_proposal(Path(args.dir), args.title, clock_from_env(), args.template)
    emit(f"initialised a proposal in {path}; edit proposal.toml, then 'proposal status'")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import clock_from_env
    from proposal_tui.services.setup import build_demo

    path = build_demo(Path(args.dir), args.sample, now=clock_from_env().now())
    emit(f"demo proposal '{args.sample}' ready in {path}")
    emit(f"try: proposal --repo {path} status")
    return EXIT_OK
