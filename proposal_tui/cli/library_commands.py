"""Commands for the library of past proposals: library add/remove/list/index/search, experts.

Human output is cleaned like every other line (:func:`cli.output.emit`); a search's matched
words are marked after the cleaning (bold on a terminal, ``[word]`` in a pipe), so a
passage's own text can never forge or break the marking.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import TYPE_CHECKING

from proposal_tui.cli.output import emit, emit_json
from proposal_tui.domain.exit_codes import EXIT_OK
from proposal_tui.domain.text import clean_for_display, one_line

if TYPE_CHECKING:
    from proposal_tui.services.library import LibraryService, StoredPassage

_LIBRARY_HELP = "the library list to use (default: $PROPOSAL_LIBRARY, else " \
                "$XDG_CONFIG_HOME/proposal-tui/library.toml)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("library", help="past proposals: add, remove, list, index, search")
    lib = p.add_subparsers(dest="library_command", metavar="ACTION", required=True,
                           parser_class=type(p))
    a = lib.add_parser("add", help="add a past proposal repository (a URL is cloned)")
    a.add_argument("target", metavar="PATH|URL")
    a.add_argument("--name", help="its name in the library (default: the folder's name)")
    a.set_defaults(handler=cmd_add)
    a = lib.add_parser("remove", help="remove a repository from the library")
    a.add_argument("name")
    a.set_defaults(handler=cmd_remove)
    a = lib.add_parser("list", help="the library's repositories")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=cmd_list)
    a = lib.add_parser("index", help="bring the search index up to date (incremental)")
    a.add_argument("--fetch", action="store_true", help="cloned repositories fetch first")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=cmd_index)
    a = lib.add_parser("search", help="passages of past proposals, best first (BM25)")
    a.add_argument("query", help='words, "a phrase", or a prefix*')
    a.add_argument("--json", action="store_true")
    a.add_argument("--limit", type=_positive, default=10)
    a.add_argument("--client", help="only proposals whose client contains this")
    a.add_argument("--outcome", help="only proposals with this outcome (won, lost, ...)")
    a.set_defaults(handler=cmd_search)
    for parser in (p, *lib.choices.values()):
        parser.add_argument("--library", metavar="FILE", help=_LIBRARY_HELP,
                            default=argparse.SUPPRESS)

    p = sub.add_parser("experts", help="who wrote on a topic before, from the library")
    p.add_argument("query", nargs="?", help="the topic, as words")
    p.add_argument("--section", metavar="ID", help="this proposal's section (its title, "
                      "requirements and text)")
    p.add_argument("--requirement", metavar="ID", help="this proposal's requirement text")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=_positive, default=10)
    p.add_argument("--library", metavar="FILE", help=_LIBRARY_HELP)
    p.set_defaults(handler=cmd_experts)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _library(args: argparse.Namespace) -> LibraryService:
    from proposal_tui.cli.context import clock_from_env
    from proposal_tui.services.library import open_library

    return open_library(getattr(args, "library", None), os.environ, clock_from_env())


def cmd_add(args: argparse.Namespace) -> int:
    entry = _library(args).add(args.target, args.name)
    emit(f"added {entry.name}: {entry.url or entry.path}" +
         (f" (cloned into {entry.path})" if entry.url else "") +
         "; run 'proposal library index' to search it")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    entry = _library(args).remove(args.name)
    emit(f"removed {entry.name} from the library ({entry.path} is left as it was)")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    library = _library(args)
    entries = library.entries()
    if args.json:
        emit_json({"library": str(library.listing), "repositories": [
            {"name": e.name, "path": e.path, "url": e.url or None} for e in entries]})
        return EXIT_OK
    if not entries:
        emit(f"the library is empty ({library.listing}); add one with 'proposal library add "
             "PATH|URL'")
    for e in entries:
        emit(f"{e.name}\t{e.path}" + (f"\t{e.url}" if e.url else ""))
    return EXIT_OK


def cmd_index(args: argparse.Namespace) -> int:
    import time

    started = time.perf_counter()
    stats = _library(args).index(fetch=args.fetch)
    elapsed = time.perf_counter() - started
    if args.json:
        emit_json({"repositories": stats.repositories, "refs_unchanged": stats.refs_unchanged,
                   "refs_indexed": stats.refs_indexed, "texts_read": stats.texts_read,
                   "texts_reused": stats.texts_reused, "passages": stats.passages,
                   "rebuilt": stats.rebuilt or None, "problems": stats.problems,
                   "fetched": stats.fetched, "seconds": round(elapsed, 3)})
        return EXIT_OK
    if stats.rebuilt:
        emit(f"the index was {stats.rebuilt}: rebuilt it", err=True)
    for problem in stats.problems:
        emit(f"warn {one_line(problem)}", err=True)
    fetched = f"fetched {stats.fetched} cloned repositories; " if args.fetch else ""
    emit(f"{fetched}indexed {stats.repositories} repositories: {stats.refs_indexed} refs indexed, "
         f"{stats.refs_unchanged} unchanged; {stats.texts_read} texts read, "
         f"{stats.texts_reused} reused; {stats.passages} new passages ({elapsed:.2f} s)")
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    hits = _library(args).search(args.query, args.limit, args.client, args.outcome)
    if args.json:
        emit_json([h.to_json() for h in hits])
        return EXIT_OK
    if not hits:
        emit("no passage matches")
    bold = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    for n, hit in enumerate(hits, 1):
        _passage_lines(n, hit.passage)
        marked = "".join(_mark(_flat(text), bold) if hit else _flat(text)
                         for text, hit in hit.snippet)
        print("   " + marked.strip())
    return EXIT_OK


def cmd_experts(args: argparse.Namespace) -> int:
    from proposal_tui.domain.errors import ProposalError

    if sum(x is not None for x in (args.query, args.section, args.requirement)) != 1:
        raise ProposalError("experts: give a QUERY, or --section ID, or --requirement ID "
                            "(one of them)")
    library = _library(args)
    query = args.query
    if query is None:
        from proposal_tui.cli.context import open_workspace

        query = open_workspace(args).library_topic(args.section, args.requirement)
    hits = library.experts(query, args.limit)
    if args.json:
        emit_json([h.to_json() for h in hits])
        return EXIT_OK
    if not hits:
        emit("nobody in the library wrote on this")
    for n, hit in enumerate(hits, 1):
        e = hit.expert
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(e.outcomes.items()))
        emit(f"{n}. {one_line(e.name)} <{one_line(e.email)}>  score {e.score:.2f}, "
             f"{e.lines} lines" + (f", last {e.last.date()}" if e.last else "") +
             (f" ({outcomes})" if outcomes else ""))
        for p in hit.passages:
            emit(f"     {_where(p)}")
    return EXIT_OK


def _where(p: StoredPassage) -> str:
    place = p.placement
    title = one_line(place.section_title, 50) + (f" / {one_line(p.heading, 40)}"
                                                   if p.heading else "")
    return (f"{one_line(p.proposal.name)}: {title} ({one_line(place.path)}:{p.line_start}-"
            f"{p.line_end} @ {place.ref} {place.commit[:10]})")


def _passage_lines(n: int, p: StoredPassage) -> None:
    facts = p.proposal
    extra = " · ".join(x for x in (one_line(facts.client, 40), (facts.date or "")[:10],
                                   one_line(facts.outcome)) if x)
    emit(f"{n}. {_where(p)}" + (f"  {extra}" if extra else ""))
    if p.authors:
        emit("   by " + ", ".join(f"{one_line(a.name, 40)} ({a.lines})" for a in p.authors[:4]))


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", clean_for_display(text))


def _mark(text: str, bold: bool) -> str:
    return f"\x1b[1m{text}\x1b[22m" if bold else f"[{text}]"
