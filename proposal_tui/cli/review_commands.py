"""Review commands a reviewer types over SSH in one line: comment, reply, resolve, reopen,
comments; plus `sync` (for people commenting in their own clone) and `install-hook` (the
server-side enforcement of roles on pushes)."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from typing import TYPE_CHECKING, Any

from proposal_tui.cli.output import emit, emit_json
from proposal_tui.domain.exit_codes import EXIT_OK

if TYPE_CHECKING:
    from proposal_tui.services.workspace import Workspace

_LINES = re.compile(r"(\d+)(?:-(\d+))?")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("comment", help="comment on SECTION (optionally on a line or a quote)")
    p.add_argument("section")
    _message(p, required=True)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--line", metavar="N[-M]", help="anchor to line N (or lines N-M) of "
                       "the committed section text")
    where.add_argument("--quote", metavar="TEXT", help="anchor to a passage of the section "
                       "text; the comment follows it when the text moves")
    p.add_argument("--kind", default="comment",
                   help="comment, must-fix, question or praise (default comment)")
    p.add_argument("--round", metavar="NAME", help="the review round, e.g. 'Pink Team' "
                   "(default: the round open now, if any; '' for none)")
    p.set_defaults(handler=cmd_comment)

    p = sub.add_parser("reply", help="reply to a comment thread")
    p.add_argument("comment_id", metavar="COMMENT_ID")
    _message(p, required=True)
    p.set_defaults(handler=cmd_reply)

    for name, verb in (("resolve", "mark a comment thread resolved"),
                       ("reopen", "reopen a resolved comment thread")):
        p = sub.add_parser(name, help=verb)
        p.add_argument("comment_id", metavar="COMMENT_ID")
        _message(p, required=False, what="an optional note")
        p.set_defaults(handler=cmd_resolve, resolved=name == "resolve")

    p = sub.add_parser("review", help="reviews in Word: bring a returned review copy back")
    review_sub = p.add_subparsers(dest="review_command", metavar="ACTION", required=True,
                                  parser_class=type(p))
    a = review_sub.add_parser("import", help="a returned .docx's comments and tracked changes "
                              "as comment threads by their authors (matched by name, or all "
                              "by --as HANDLE); importing again adds nothing")
    a.add_argument("file", help="the .docx (from 'proposal export --format docx --comments'); "
                   "'-': standard input (over SSH)")
    a.add_argument("--round", help="the review round (default: the one open now)")
    a.set_defaults(handler=cmd_review_import)

    p = sub.add_parser("comments", help="list comment threads")
    p.add_argument("section", nargs="?")
    p.add_argument("--open", action="store_true", help="only unresolved threads")
    p.add_argument("--mine", action="store_true", help="only threads you started or joined")
    p.add_argument("--json", action="store_true", help="a JSON list, one object per thread")
    p.set_defaults(handler=cmd_comments)

    p = sub.add_parser("sync", help="exchange comments with a remote: fetch, rebuild ours on "
                       "its tip, push (retried)")
    p.add_argument("--remote", default="origin")
    p.set_defaults(handler=cmd_sync)

    p = sub.add_parser("install-hook", help="install the pre-receive hook that enforces roles "
                       "on pushes to this (shared, bare) repository")
    p.add_argument("--force", action="store_true", help="replace a pre-receive hook that is "
                   "not ours")
    p.add_argument("--python", metavar="PATH", help="the interpreter the hook runs (default: "
                   "this one); every pushing account must be able to run it")
    p.set_defaults(handler=cmd_install_hook)

    p = sub.add_parser("gate", help="the forced command of a locked-down SSH key: serves git "
                       "pushes and fetches of --repo, or one proposal command as the person "
                       "the server fixed (PROPOSAL_PUSHER), from SSH_ORIGINAL_COMMAND")
    p.set_defaults(handler=cmd_gate)


def _message(p: argparse.ArgumentParser, required: bool, what: str = "the text") -> None:
    p.add_argument("-m", "--message", required=required, metavar="TEXT",
                   help=f"{what}; '-' reads it from standard input")


def _text(value: str | None) -> str:
    """The message exactly as written; '-' means standard input, which must be UTF-8."""
    from proposal_tui.domain.errors import ProposalError

    if value is None:
        return ""
    if value != "-":
        return value
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProposalError(f"standard input is not UTF-8 (byte {exc.start})") from None


def _lines(value: str | None) -> tuple[int | None, int | None]:
    from proposal_tui.domain.errors import ProposalError

    if value is None:
        return None, None
    match = _LINES.fullmatch(value.strip())
    if not match:
        raise ProposalError(f"--line: expected N or N-M, got {value!r}")
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) else start
    if start < 1 or end < start:
        raise ProposalError(f"--line: invalid range {value!r}")
    return start, end


def cmd_comment(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import acting

    start, end = _lines(args.line)  # bad input is refused before anything is read or written
    body = _text(args.message)
    act = acting(args)
    event = act.workspace.reviews.comment(act.manifest, act.person, args.section, body,
                                          kind=args.kind, round=_round(act.workspace, args.round),
                                          line_start=start, line_end=end, quote=args.quote)
    emit(f"commented {event.id} on {event.section} as {act.person.handle}")
    return EXIT_OK


def _round(workspace: Workspace, given: str | None) -> str | None:
    """--round, else the review round open now (`proposal round start`), else none."""
    if given is not None:
        return given
    current = workspace.rounds.current()
    return current.name if current else None


DOCX_LIMIT = 256 * 1024 * 1024  # bytes: a review copy with its figures is far smaller


def _read_docx(file: str) -> tuple[bytes, str]:
    """The .docx bytes (``-``: standard input, for SSH) and how to name them."""
    from pathlib import Path

    from proposal_tui.domain.errors import ProposalError

    origin = "stdin" if file == "-" else file
    try:
        if file == "-":
            data = sys.stdin.buffer.read(DOCX_LIMIT + 1)
        else:
            with Path(file).open("rb") as handle:
                data = handle.read(DOCX_LIMIT + 1)
    except OSError as exc:
        raise ProposalError(f"cannot read: {exc.strerror or exc}", origin) from None
    if len(data) > DOCX_LIMIT:
        raise ProposalError(f"larger than {DOCX_LIMIT // 2**20} MiB", origin)
    return data, origin


def cmd_review_import(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import open_workspace
    from proposal_tui.services.wordtrip import import_docx

    data, origin = _read_docx(args.file)
    workspace = open_workspace(args)
    manifest = workspace.proposals.manifest()
    # The comments' own author names only where nobody fixed who acts.
    acting = workspace.actor(manifest) if args.acting or workspace.identity_fixed() else None
    result = import_docx(workspace.reviews, manifest, data, origin, acting,
                         _round(workspace, args.round))
    emit(f"imported {origin}: {len(result.added)} new threads, {result.skipped} already "
         f"there" + (f", {result.unplaced} not found in the text (anchored to the section)"
                     if result.unplaced else "")
         + (f", {result.outside} before any section (left out)" if result.outside else ""))
    return EXIT_OK


def cmd_reply(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import acting

    body = _text(args.message)
    act = acting(args)
    event = act.workspace.reviews.reply(act.manifest, act.person, args.comment_id, body)
    emit(f"replied {event.id} to {event.thread} as {act.person.handle}")
    return EXIT_OK


def cmd_resolve(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import acting

    note = _text(args.message)
    act = acting(args)
    event = act.workspace.reviews.set_resolved(act.manifest, act.person, args.comment_id,
                                               args.resolved, note)
    verb = "resolved" if args.resolved else "reopened"
    emit(f"{verb} {event.thread} as {act.person.handle}")
    return EXIT_OK


def cmd_comments(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import open_workspace
    from proposal_tui.domain.text import one_line

    workspace = open_workspace(args)
    manifest = workspace.proposals.manifest()
    mine = workspace.actor(manifest) if args.mine else None
    reviews = workspace.reviews
    threads = reviews.select(manifest, args.section, args.open, mine)
    items = [reviews.thread_json(manifest, t) for t in threads]
    if args.json:
        emit_json(items)
    else:
        for item in items:
            emit(_thread_text(item, manifest.proposal.timezone))
        if not items:
            emit("no comments")
    for error in workspace.comments.errors:
        emit(f"proposal: {one_line(str(error))}", err=True)
    return EXIT_OK


def _local(stamp: str | None, zone: dt.tzinfo) -> str:
    """A recorded instant in the proposal's time zone, the one zone human output uses."""
    if not stamp:
        return ""
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(zone).strftime(
        "%Y-%m-%d %H:%M %Z")


def _thread_text(item: dict[str, Any], zone: dt.tzinfo) -> str:
    state = "resolved" if item["resolved"] else "open"
    tags = ", ".join(x for x in (item["kind"], item["round"]) if x)
    when = _local(item["created"], zone)
    lines = [f"{item['id']}  {item['section']}  [{tags}]  {state}  "
             f"{item['author'] or '(unknown)'}  {when}"]
    anchor = item["anchor"]
    if anchor:
        where = ""
        if anchor["current_line"] is not None:
            where = f"line {anchor['current_line']}"
            if anchor["current_line_end"] not in (None, anchor["current_line"]):
                where += f"-{anchor['current_line_end']}"
        if anchor["quote"]:
            where += f" \"{_short(anchor['quote'])}\""
        if anchor["outdated"]:
            where += " (outdated: the text is gone)"
        lines.append(f"    {where.strip()}")
    lines += [f"    {line}" for line in (item["body"] or "(first comment missing)").splitlines()]
    for reply in item["replies"]:
        first, *rest = reply["body"].splitlines() or [""]
        lines.append(f"    > {reply['author']} {_local(reply['created'], zone)}: "
                     f"{first}")
        lines += [f"      {line}" for line in rest]
    return "\n".join(lines)


def _short(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def cmd_sync(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import open_workspace

    result = open_workspace(args).sync(args.remote)
    emit(f"sync with {args.remote}: {result.received} comment events received, "
          f"{result.sent} sent" + (f", {result.attempts} attempts" if result.attempts > 1
                                   else ""))
    return EXIT_OK


def cmd_install_hook(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import open_workspace

    workspace = open_workspace(args)
    path = workspace.install_hook(force=args.force, python=args.python)
    emit(f"installed {path}")
    if not workspace.repo.bare:
        emit("note: this is not a bare repository; the hook only checks pushes into it",
             err=True)
    return EXIT_OK


def cmd_gate(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from proposal_tui.cli.main import parser as cli_parser
    from proposal_tui.domain.errors import PermissionDenied
    from proposal_tui.services import gate

    if not args.repo:
        raise PermissionDenied("gate: the forced command must name the repository "
                               "(proposal --repo PATH gate)")
    repo = Path(args.repo)
    parser = cli_parser()
    commands = {name for action in parser._actions  # noqa: SLF001 - argparse has no public
                if isinstance(action, argparse._SubParsersAction)  # noqa: SLF001 - way to list
                for name in action.choices}
    asked = gate.parse_gate_command(os.environ.get("SSH_ORIGINAL_COMMAND"), repo, commands)
    gate.enter_gate(os.environ)
    if asked.pack is not None:
        gate.serve(asked, repo)
    inner = parser.parse_args(["--repo", str(repo), *asked.argv])
    gate.check_gated_args(inner, repo)
    handler = getattr(inner, "handler", None)
    if handler is None:
        from proposal_tui.cli.plan_commands import run_tui

        handler = run_tui
    return int(handler(inner) or EXIT_OK)
