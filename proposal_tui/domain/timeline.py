"""Timeline maths: which days a schedule spans and where each date falls on a ruler."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from proposal_tui.domain.model import Manifest, Milestone


@dataclass(frozen=True)
class Span:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def column(self, day: dt.date, scale: int = 1) -> int:
        """Column of a day at `scale` days per column (1 = days, 7 = weeks)."""
        return (day - self.start).days // scale

    def columns(self, scale: int = 1) -> int:
        return (self.days + scale - 1) // scale


def schedule_span(manifest: Manifest, today: dt.date,
                  first_commit: dt.date | None = None) -> Span:
    """From kickoff (or the earliest known date) to the submission deadline (or latest due)."""
    zone = manifest.proposal.timezone
    dates = [m.date.astimezone(zone).date() for m in manifest.milestones]
    dates += [s.due.astimezone(zone).date() for s in manifest.sections if s.due]
    if manifest.proposal.due:
        dates.append(manifest.proposal.due.astimezone(zone).date())
    start_candidates = [d for d in (manifest.proposal.kickoff, first_commit) if d]
    start = manifest.proposal.kickoff or min(start_candidates + dates + [today])
    end = manifest.proposal.due.astimezone(zone).date() if manifest.proposal.due else \
        max(dates + [today])
    if end < start:
        start, end = end, start
    return Span(start=start, end=end)


def relative_due(due: dt.datetime | None, now: dt.datetime, zone: dt.tzinfo) -> str:
    """'today', 'in 2d', '3d late', as a writer thinks of a due date."""
    if due is None:
        return "—"
    days = (due.astimezone(zone).date() - now.astimezone(zone).date()).days
    if days == 0:
        return "today" if now <= due else "late today"
    if days > 0:
        return f"in {days}d"
    return f"{-days}d late"


def time_left(deadline: dt.datetime | None, now: dt.datetime) -> str:
    """'21d 4h left', '3h 12m left', 'closed 2d ago'."""
    if deadline is None:
        return "no deadline"
    delta = deadline - now
    seconds = int(delta.total_seconds())
    if seconds < 0:
        ago = -seconds
        return f"closed {ago // 86400}d ago" if ago >= 86400 else f"closed {ago // 3600}h ago"
    days, rem = divmod(seconds, 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    if days:
        return f"{days}d {hours}h left"
    if hours:
        return f"{hours}h {minutes}m left"
    return f"{minutes}m left"


def next_milestone(manifest: Manifest, now: dt.datetime) -> Milestone | None:
    """The next milestone still ahead (not the submission deadline itself, which the
    countdown to ``due`` already shows)."""
    due = manifest.proposal.due
    ahead = [m for m in manifest.milestones if m.date > now and
             not (m.kind == "deadline" and due is not None and m.date >= due)]
    return min(ahead, key=lambda m: m.date, default=None)


def milestone_countdown(manifest: Manifest, now: dt.datetime) -> str:
    """'Red Team in 2d 4h', or '' when no milestone is ahead."""
    upcoming = next_milestone(manifest, now)
    if upcoming is None:
        return ""
    return f"{upcoming.name} in {countdown(upcoming.date, now)}"


def countdown(when: dt.datetime, now: dt.datetime) -> str:
    """'2d 4h' to a moment ahead."""
    return time_left(when, now).removesuffix(" left")


def ago(when: dt.datetime | None, now: dt.datetime) -> str:
    if when is None:
        return "never"
    seconds = max(0, int((now - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "just now"
