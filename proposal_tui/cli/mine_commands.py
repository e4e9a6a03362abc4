"""What needs attention: `mine` (the acting person's sections, threads and review duties) and
`digest` (what changed since a moment, for a cron job to mail: plain text, Markdown, JSON)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TYPE_CHECKING

from proposal_tui.cli.output import emit, emit_json
from proposal_tui.domain.exit_codes import EXIT_OK

if TYPE_CHECKING:
    from proposal_tui.domain.model import SectionState
    from proposal_tui.services.digest import Digest
    from proposal_tui.services.mine import Mine

MARKS = {"overdue": "✖", "at-risk": "⚠", "on-track": "●", "done": "✔"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mine", help="your sections (late first), your open comment threads "
                       "and what you still have to review in the open round")
    p.add_argument("--as", dest="acting", metavar="HANDLE", default=argparse.SUPPRESS,
                   help="whose work (default: who is acting, as for every command)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_mine)

    p = sub.add_parser("digest", help="what changed since a moment, what is late or at risk, "
                       "who owes an answer to a must-fix comment (for cron to mail)")
    p.add_argument("--since", default="1d", metavar="WHEN", help="a duration before now "
                   "(12h, 1d, 2w) or an ISO date or date-time (default 1d)")
    p.add_argument("--format", choices=("text", "markdown"), default="text",
                   help="plain text (default) or Markdown")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_digest)


# -- mine ------------------------------------------------------------------------------------

def cmd_mine(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import acting

    act = acting(args)
    mine = act.workspace.mine.mine(act.person)
    if args.json:
        emit_json(mine.to_json())
    else:
        zone = act.manifest.proposal.timezone
        emit(mine_text(mine, zone))
    return EXIT_OK


def _when(moment: dt.datetime | None, zone: dt.tzinfo, fmt: str = "%d %b %H:%M") -> str:
    return moment.astimezone(zone).strftime(fmt) if moment else "—"


def _due(state: SectionState, now: dt.datetime, zone: dt.tzinfo) -> str:
    from proposal_tui.domain.status import schedule_state
    from proposal_tui.domain.timeline import relative_due

    due = state.section.due
    if due is None:
        return "no due date"
    when = schedule_state(state)
    tail = "" if when == "done" else f" ({relative_due(due, now, zone)})"
    return f"due {_when(due, zone, '%a %d %b')}{tail}"


def section_line(state: SectionState, now: dt.datetime, zone: dt.tzinfo,
                 owner: bool = False) -> str:
    from proposal_tui.cli.render import fit
    from proposal_tui.domain.status import schedule_state

    sec = state.section
    cells = [MARKS[schedule_state(state)], fit(sec.id, 16), fit(sec.title, 28)]
    if owner:
        cells.append(fit(sec.owner or "—", 8))
    cells += [fit(f"{state.status.symbol} {state.status.label}", 18), _due(state, now, zone)]
    return "  " + " ".join(cells)


def _quote(text: str, size: int = 70) -> str:
    from proposal_tui.domain.text import one_line

    return one_line(text, size)


def mine_text(mine: Mine, zone: dt.tzinfo) -> str:
    from proposal_tui.services.mine import AWAITING

    p = mine.person
    lines = [f"{p.name or p.handle} ({p.handle}, {p.role.value}) · "
             f"{_when(mine.now, zone, '%a %d %b %Y %H:%M %Z')}", ""]
    lines.append(f"My sections ({len(mine.sections)})")
    lines += [section_line(s, mine.now, zone) for s in mine.sections] or ["  none"]
    lines += ["", f"My open threads ({len(mine.threads)})"]
    for item in mine.threads:
        t, root = item.thread, item.thread.root
        assert root is not None
        why = "awaiting your answer" if item.reason == AWAITING else "opened by you"
        lines.append(f"  {t.id}  {t.section}  [{t.kind}]  {root.author}, "
                     f"{_when(root.created, zone)}: {why}")
        lines.append(f"      {_quote(root.body)}")
    if not mine.threads:
        lines.append("  none")
    lines.append("")
    if mine.round is None:
        lines.append("No review round is open.")
    else:
        left = mine.left_to_review
        lines.append(f"To review in round {mine.round.name} (started "
                     f"{_when(mine.round.started_at, zone, '%a %d %b')}): {len(left)} of "
                     f"{len(mine.duties)} sections left")
        lines += [section_line(d.state, mine.now, zone, owner=True) for d in left]
    return "\n".join(lines)


# -- digest ----------------------------------------------------------------------------------

def cmd_digest(args: argparse.Namespace) -> int:
    from proposal_tui.cli.context import open_workspace
    from proposal_tui.services.digest import parse_since

    workspace = open_workspace(args)
    manifest = workspace.proposals.manifest()
    since = parse_since(args.since, workspace.clock.now(), manifest.proposal.timezone)
    digest = workspace.digest.digest(since)
    if args.json:
        emit_json(digest.to_json(), 2 if sys.stdout.isatty() else None)
    else:
        emit(digest_text(digest, markdown=args.format == "markdown"))
    return EXIT_OK


class _Writer:
    """One report, two spellings: plain text for a mail body, or Markdown. User text goes
    through :meth:`user` (Markdown-escaped, or kept on one line)."""

    def __init__(self, markdown: bool) -> None:
        self.markdown = markdown
        self.lines: list[str] = []

    def user(self, text: str | None, size: int | None = None) -> str:
        from proposal_tui.domain.text import one_line

        flat = one_line(text or "", size)
        if not self.markdown:
            return flat
        from proposal_tui.services.export import md_inline

        return md_inline(flat)

    def heading(self, text: str, level: int = 2) -> None:
        """Markdown's ``#``/``##``/``###``; in text, underlined (``=``, ``-``) or a label."""
        if self.lines and self.lines[-1] and not self.lines[-1].startswith(("==", "--")):
            self.lines.append("")
        if self.markdown:
            self.lines += [f"{'#' * level} {text}", ""]
        elif level < 3:
            self.lines += [text, ("=" if level == 1 else "-") * len(text)]
        else:
            self.lines.append(text + ":")

    def item(self, text: str, depth: int = 0) -> None:
        self.lines.append(("  " * depth + "- " if self.markdown else "  " * (depth + 1)) + text)

    def line(self, text: str) -> None:
        if self.markdown and self.lines and self.lines[-1]:
            self.lines.append("")  # a paragraph of its own, not the last item's tail
        self.lines.append(text)


def digest_text(d: Digest, markdown: bool = False) -> str:
    info = d.manifest.proposal
    zone = info.timezone
    w = _Writer(markdown)
    w.heading(f"{w.user(info.title)}: digest", level=1)
    w.line(f"From {_when(d.since, zone, '%a %d %b %Y %H:%M')} to "
           f"{_when(d.now, zone, '%a %d %b %Y %H:%M %Z')} ({w.user(str(zone))})")

    w.heading("What changed")
    if not (d.commits or d.status_changes or d.new_threads or d.resolved_threads):
        w.line("Nothing changed.")
    if d.commits:
        w.heading(f"{len(d.commits)} commit{'s' if len(d.commits) != 1 else ''} touching "
                  "sections", level=3)
        for c in d.commits:
            w.item(f"{_when(c.when, zone)}  {w.user(c.author, 30)}: {w.user(c.subject, 80)} "
                   f"({w.user(', '.join(c.sections), 80)})")
    if d.status_changes:
        w.heading(f"Status changes ({len(d.status_changes)})", level=3)
        for s in d.status_changes:
            before = f"{w.user(s.before)} → " if s.before else "→ "
            how = "in proposal.toml" if s.source == "plan" else "commit trailer"
            w.item(f"{_when(s.when, zone)}  {w.user(s.section)}: {before}{w.user(s.after)} "
                   f"({how}, {w.user(s.by, 30)})")
    if d.new_threads or d.resolved_threads:
        w.heading(f"Comments: {len(d.new_threads)} new, {len(d.resolved_threads)} resolved",
                  level=3)
        for t in d.new_threads:
            assert t.root is not None
            w.item(f"new {w.user(t.kind)} on {w.user(t.section)} by {w.user(t.root.author)}, "
                   f"{_when(t.root.created, zone)}: {w.user(t.root.body, 80)}")
        for t in d.resolved_threads:
            assert t.root is not None
            w.item(f"resolved {w.user(t.kind)} on {w.user(t.section)} by "
                   f"{w.user(t.resolved_by)}, {_when(t.resolved_at, zone)}: "
                   f"{w.user(t.root.body, 80)}")

    for title, states in (("Late", d.late), ("At risk", d.at_risk)):
        w.heading(f"{title} ({len(states)})")
        for s in states:
            w.item(f"{w.user(s.section.id)}: {w.user(s.section.title, 50)}, "
                   f"{w.user(s.section.owner or 'nobody')}, {s.status.label}, "
                   f"{_due(s, d.now, zone)}")
        if not states:
            w.line("None.")

    w.heading("Unanswered must-fix comments")
    for owed in d.must_fix:
        who = w.user(owed.name) + (f" ({w.user(owed.owner)})" if owed.owner else "")
        w.item(f"{who}: {len(owed.threads)}")
        for t in owed.threads:
            assert t.root is not None
            w.item(f"{w.user(t.section)}, {w.user(t.root.author)} "
                   f"{_when(t.root.created, zone, '%d %b')}: {w.user(t.root.body, 70)} "
                   f"· {w.user(t.id)}", depth=1)
    if not d.must_fix:
        w.line("None.")
    return "\n".join(w.lines)
