"""Commands for compliance and production: requirements, compliance, check, round, export,
ics and progress. Imports stay lazy so `proposal --help` loads none of this."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proposal_tui.cli.output import emit, emit_json
from proposal_tui.domain.exit_codes import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from proposal_tui.services.workspace import Workspace


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("requirements", help="the solicitation's requirements (requirements.toml)")
    req_sub = p.add_subparsers(dest="requirements_command", metavar="ACTION", required=True,
                               parser_class=type(p))
    a = req_sub.add_parser("import", help="import FILE.csv (header id,text,source,mandatory) "
                           "into requirements.toml and commit it (manager)")
    a.add_argument("file")
    a.add_argument("--replace", action="store_true", help="overwrite an existing "
                   "requirements.toml")
    a.set_defaults(handler=cmd_requirements_import)
    a = req_sub.add_parser("list", help="list the requirements")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=cmd_requirements_list)

    p = sub.add_parser("compliance", help="the compliance matrix: requirements against sections")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_compliance)

    p = sub.add_parser("check", help="exit 1 if a mandatory requirement is unanswered, a section "
                       "is over its limit or the manifest is inconsistent (for hooks and CI)")
    views = p.add_mutually_exclusive_group()
    views.add_argument("--staged", dest="view", action="store_const", const="index",
                       help="check what is staged (use in a pre-commit hook)")
    views.add_argument("--head", dest="view", action="store_const", const="head",
                       help="check the HEAD commit only (CI)")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.add_argument("-q", "--quiet", action="store_true", help="print failures only")
    p.set_defaults(handler=cmd_check, view="worktree")

    p = sub.add_parser("round", help="review rounds (Pink, Red, Gold...) as git tags")
    round_sub = p.add_subparsers(dest="round_command", metavar="ACTION", required=True,
                                 parser_class=type(p))
    a = round_sub.add_parser("start", help="tag the commit reviewers will read (manager)")
    a.add_argument("name")
    a.add_argument("--rev", default="HEAD", help="the commit to tag (default HEAD)")
    a.add_argument("-m", "--message", default="", help="a note for the reviewers")
    a.set_defaults(handler=cmd_round_start)
    a = round_sub.add_parser("close", help="record the end of a round (manager)")
    a.add_argument("name")
    a.add_argument("--rev", default="HEAD")
    a.add_argument("-m", "--message", default="")
    a.set_defaults(handler=cmd_round_close)
    a = round_sub.add_parser("list", help="every round, its commits and review coverage")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=cmd_round_list)
    a = round_sub.add_parser("diff", help="what changed per section between rounds A and B "
                             "(B may be HEAD)")
    a.add_argument("a")
    a.add_argument("b")
    a.add_argument("section", nargs="?")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=cmd_round_diff)

    p = sub.add_parser("export", help="assemble the sections into one document")
    p.add_argument("--format", choices=("md", "html", "docx", "pdf"), help="default: from -o's "
                   "extension, else md")
    p.add_argument("-o", "--output", help="file to write, a regular file ('-' or none: stdout, "
                   "for md and html)")
    p.add_argument("--no-appendix", dest="appendix", action="store_false",
                   help="leave out the compliance appendix")
    p.add_argument("--rev", default="HEAD", help="export this commit or round tag (default "
                   "HEAD)")
    p.add_argument("--comments", action="store_true", help="docx only: the open comment "
                   "threads as Word comments on their passages (a review copy; bring it back "
                   "with 'proposal review import')")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("pages", help="pages per section, typeset in each one's page profile, "
                       "with the word estimate beside them")
    p.add_argument("section", nargs="?", help="only this section")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_pages)

    p = sub.add_parser("ics", help="an iCalendar file of due dates, milestones and rounds")
    p.add_argument("-o", "--output", help="file to write, a regular file (default or '-': "
                   "stdout)")
    p.add_argument("--for", dest="person", metavar="HANDLE", help="only what concerns HANDLE")
    p.set_defaults(handler=cmd_ics)

    p = sub.add_parser("progress", help="words per section and open comments per day, from "
                       "git history")
    p.add_argument("--csv", action="store_true", help="CSV output (the default)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--since", help="first day (YYYY-MM-DD; default kickoff or first commit)")
    p.add_argument("--until", help="last day (YYYY-MM-DD; default today)")
    p.set_defaults(handler=cmd_progress)


def _workspace(args: argparse.Namespace) -> Workspace:
    from proposal_tui.cli.context import open_workspace

    return open_workspace(args)


def _print_json(data: Any) -> None:
    emit_json(data)


def _clean(text: str, limit: int | None = None) -> str:
    from proposal_tui.domain.text import one_line

    return one_line(text, limit)


# -- requirements, compliance, check -------------------------------------------------------

def cmd_requirements_import(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import acting

    act = acting(args)
    sha, requirements = act.workspace.compliance.import_csv(act.manifest, act.person,
                                                            Path(args.file), args.replace)
    mandatory = sum(r.mandatory for r in requirements)
    emit(f"committed {sha[:10]} as {act.person.handle}: {len(requirements)} requirements "
          f"({mandatory} mandatory) in requirements.toml")
    return EXIT_OK


def cmd_requirements_list(args: argparse.Namespace) -> int:
    requirements = _workspace(args).compliance.requirements() or []
    if args.json:
        _print_json([{"id": r.id, "text": r.text, "source": r.source,
                      "mandatory": r.mandatory} for r in requirements])
        return EXIT_OK
    for r in requirements:
        emit(f"{_clean(r.id):<12} {'mandatory' if r.mandatory else 'optional ':<9}  "
             f"{_clean(r.source, 14):<14}  {_clean(r.text, 80)}")
    return EXIT_OK


def cmd_compliance(args: argparse.Namespace) -> int:
    from proposal_tui.domain.compliance import matrix_json

    matrix, _snap = _workspace(args).compliance.matrix()
    if args.json:
        _print_json(matrix_json(matrix))
    else:
        emit(compliance_text(matrix))
    return EXIT_OK


def compliance_text(matrix: Any) -> str:
    from proposal_tui.cli.render import fit

    if not matrix.has_requirements_file:
        return ("no requirements.toml yet: add one, or run "
                "'proposal requirements import FILE.csv'")
    lines = [f"{'REQUIREMENT':<14} {'M':<1}  {'ANSWERED BY':<44}  TEXT"]
    for row in matrix.rows:
        r = row.requirement
        answers = ", ".join(f"{a.status.symbol} {a.section}" for a in row.answers) or "—"
        mark = "!" if (r.mandatory and not row.answered) else ("*" if r.mandatory else " ")
        lines.append(f"{fit(r.id, 14)} {mark}  {fit(answers, 44)}  {_clean(r.text, 60)}")
    lines.append("")
    lines.append("M: * mandatory, ! mandatory and unanswered. Status: ○ not started, ◐ drafting, "
                 "◑ ready, ◕ in review, ↻ revising, ✔ approved, – n/a")
    total = len(matrix.rows)
    answered = sum(r.answered for r in matrix.rows)
    lines.append(f"{answered}/{total} requirements answered by at least one section")
    if matrix.unanswered:
        lines.append("unanswered: " + ", ".join(
            _clean(r.id) + (" (mandatory)" if r.mandatory else "") for r in matrix.unanswered))
    if matrix.mandatory_not_started:
        lines.append("mandatory, answered only by sections not started: " + ", ".join(
            f"{_clean(row.requirement.id)} ({', '.join(a.section for a in row.answers)})"
            for row in matrix.mandatory_not_started))
    if matrix.unknown:
        lines.append("sections answering an unknown requirement: " + ", ".join(
            f"{u.section} → {_clean(u.requirement)}" for u in matrix.unknown))
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    import time

    started = time.perf_counter()
    report = _workspace(args).compliance.check(args.view)
    if args.json:
        _print_json(report.to_json())
        return EXIT_OK if report.ok else EXIT_FAILED
    for finding in report.failures:
        emit(f"FAIL {_clean(str(finding))}")
    if not args.quiet:
        for finding in report.warnings:
            emit(f"warn {_clean(str(finding))}")
    elapsed = time.perf_counter() - started
    verdict = "ok" if report.ok else f"{len(report.failures)} problem(s)"
    if not args.quiet or not report.ok:
        emit(f"check: {verdict}: {report.sections} sections, {report.requirements} "
             f"requirements ({elapsed * 1000:.0f} ms)", err=not report.ok)
    return EXIT_OK if report.ok else EXIT_FAILED



# -- review rounds --------------------------------------------------------------------------

def cmd_round_start(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import acting

    act = acting(args)
    rnd = act.workspace.rounds.start(act.manifest, act.person, args.name, args.rev,
                                     args.message)
    emit(f"started round '{rnd.name}': tagged {rnd.commit[:10]} as {rnd.tag} "
          f"({act.person.handle}); share it with 'git push origin {rnd.tag}'")
    return EXIT_OK


def cmd_round_close(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import acting

    act = acting(args)
    rnd = act.workspace.rounds.close(act.manifest, act.person, args.name, args.rev,
                                     args.message)
    emit(f"closed round '{rnd.name}' at {str(rnd.closed_commit)[:10]} "
          f"(round-closed/{rnd.name}, {act.person.handle})")
    return EXIT_OK


def cmd_round_list(args: argparse.Namespace) -> int:
    from proposal_tui.services.rounds import round_json

    workspace = _workspace(args)
    manifest = workspace.proposals.manifest()
    rounds = workspace.rounds
    events = rounds.events()
    listed = [(r, rounds.coverage(r, manifest, events)) for r in rounds.rounds()]
    if args.json:
        _print_json([round_json(r, c) for r, c in listed])
        return EXIT_OK
    if not listed:
        emit("no review rounds yet (start one with 'proposal round start pink')")
        return EXIT_OK
    zone = manifest.proposal.timezone
    for r, cover in listed:
        when = r.started_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        state = "open" if r.open else \
            f"closed {r.closed_at.astimezone(zone).strftime('%Y-%m-%d %H:%M')}"  # type: ignore
        reviewed = [c for c in cover if c.reviewed]
        emit(f"{r.name:<12} {when}  {r.commit[:10]}  {state:<22} "
             f"reviewed {len(reviewed)}/{len(cover)} sections")
        missing = [c.section for c in cover if not c.reviewed]
        if missing and r.open:
            emit(f"{'':<12} not reviewed yet: {', '.join(missing)}")
    return EXIT_OK


def cmd_round_diff(args: argparse.Namespace) -> int:
    diff = _workspace(args).rounds.diff(args.a, args.b, args.section)
    if args.json:
        _print_json(diff.to_json())
        return EXIT_OK
    emit(round_diff_text(diff))
    return EXIT_OK


def round_diff_text(diff: Any) -> str:
    from proposal_tui.cli.render import fit

    lines = [f"{diff.a.label} ({diff.a.commit[:10]}) → {diff.b.label} ({diff.b.commit[:10]})",
             f"{'SECTION':<24} {'WORDS':>13} {'ADDED':>7} {'REMOVED':>8}  COMMENTS OF "
             f"{diff.a.label.upper()}"]
    for s in diff.sections:
        comments = "—"
        if s.threads:
            comments = (f"{s.count('resolved-by-edit')} resolved by edits, "
                        f"{s.count('resolved-without-edit')} resolved without edits, "
                        f"{s.count('open')} open")
        words = f"{s.words_a}→{s.words_b}"
        lines.append(f"{fit(s.section, 24)} {words:>13} {'+' + str(s.added):>7} "
                     f"{'-' + str(s.removed):>8}  {comments}")
        if s.renamed_from:
            lines.append(f"  renamed from {_clean(s.renamed_from, 40)}")
    if len(diff.sections) == 1:
        for t in diff.sections[0].threads:
            gone = " (quoted text gone)" if t.quote_gone else ""
            lines.append(f"  {t.outcome:<22} {t.kind:<9} {_clean(t.author, 12):<12} "
                         f"{_clean(t.body, 70)}{gone}")
    return "\n".join(lines)



# -- production ------------------------------------------------------------------------------

_SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
                   ".docx": "docx", ".pdf": "pdf"}


def cmd_export(args: argparse.Namespace) -> int:
    from proposal_tui.domain.errors import ProposalError

    output = Path(args.output) if args.output not in (None, "-") else None
    fmt = args.format or (_SUFFIX_FORMATS.get(output.suffix.lower()) if output else None) or "md"
    if fmt in ("docx", "pdf") and output is None:
        raise ProposalError(f"{fmt} is a binary format: pass -o FILE.{fmt}")
    if args.comments and fmt != "docx":
        raise ProposalError("--comments makes a Word review copy: use it with docx")
    workspace = _workspace(args)
    exporter = workspace.export
    doc = exporter.document(args.rev, args.appendix)
    if args.comments:
        from proposal_tui.services.export import ExportResult
        from proposal_tui.services.wordtrip import review_docx

        result = ExportResult("docx", review_docx(doc, workspace.reviews.threads()),
                              doc.estimated_pages)
    else:
        result = exporter.export(doc, fmt, output)
    if output is None:
        sys.stdout.write(result.data.decode("utf-8"))
        return EXIT_OK
    from proposal_tui.services.output import write_output

    write_output(output, result.data)
    missing = [s.id for s in doc.sections if s.problem]
    emit(f"wrote {output} ({fmt}): {len(doc.sections)} sections, {doc.words} words, "
         f"about {result.estimated_pages:.1f} pages at "
         f"{doc.manifest.proposal.words_per_page} words/page"
         + (", with the compliance appendix" if doc.matrix is not None else ""))
    if result.pdf_pages is not None:
        same = round(result.estimated_pages) == result.pdf_pages
        emit(f"pages: estimated {result.estimated_pages:.1f}, PDF {result.pdf_pages}"
             + ("" if same else " (they differ: trust the PDF for page limits)"))
    if missing:
        emit(f"proposal: sections without text: {', '.join(missing)}", err=True)
    return EXIT_OK



def cmd_pages(args: argparse.Namespace) -> int:
    from proposal_tui.cli.render import fit

    workspace = _workspace(args)
    manifest = workspace.proposals.manifest()
    rows = workspace.pages.measure_all(manifest, "worktree", args.section)
    if args.json:
        _print_json({"profile": manifest.page_profile,
                     "profiles": {name: vars(p) for name, p in manifest.profiles().items()},
                     "sections": [r.to_json() for r in rows]})
        return EXIT_OK
    emit(f"{'SECTION':<20} {'PROFILE':<12} {'PAGES':>7} {'LIMIT':>6} {'LINES LEFT':>10} "
         f"{'ESTIMATE':>9}")
    for r in rows:
        c = r.count
        pages = "—" if c is None else f"{c.measured:.1f}" + ("≈" if c.approximate else "")
        limit = f"{r.section.page_limit:g}" if r.section.page_limit is not None else ""
        left = "" if c is None else str(c.lines_left)
        estimate = "" if c is None else f"~{r.estimate:.1f}"
        over = "  OVER" if r.over else ""
        emit(f"{fit(r.section.id, 20)} {fit(r.profile.name, 12)} {pages:>7} {limit:>6} "
             f"{left:>10} {estimate:>9}{over}" + (f"  ({_clean(r.problem, 60)})"
                                                  if r.problem else ""))
    used = {r.profile.name: r.profile for r in rows}
    for profile in used.values():
        emit(f"profile {_clean(profile.describe())}")
    if any(r.count is not None and r.count.approximate for r in rows):
        emit("≈ approximate: LaTeX typeset through pandoc and Typst, not TeX")
    return EXIT_OK


def cmd_ics(args: argparse.Namespace) -> int:
    from proposal_tui.services.calendar import to_ics
    from proposal_tui.services.output import write_output

    workspace = _workspace(args)
    manifest = workspace.proposals.manifest()
    events = workspace.calendar_events(manifest, args.person)
    name = manifest.proposal.title + (f" ({args.person})" if args.person else "")
    # newline="" semantics: the CRLF line endings RFC 5545 requires must survive stdout too
    text = to_ics(events, workspace.clock.now(), name)
    if args.output in (None, "-"):
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    else:
        write_output(args.output, text.encode("utf-8"))
        emit(f"wrote {args.output}: {len(events)} events", err=True)
    return EXIT_OK



def _day(text: str | None, flag: str) -> Any:
    import datetime as dt

    from proposal_tui.domain.errors import ProposalError

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ProposalError(f"{flag}: invalid date '{text}' (use YYYY-MM-DD)") from None


def cmd_progress(args: argparse.Namespace) -> int:
    from proposal_tui.services.progress import to_csv, to_json

    since, until = _day(args.since, "--since"), _day(args.until, "--until")
    workspace = _workspace(args)
    rows = workspace.progress.rows(workspace.proposals.manifest(), since, until)
    if args.json:
        _print_json(to_json(rows))
    else:
        sys.stdout.write(to_csv(rows))
    return EXIT_OK
