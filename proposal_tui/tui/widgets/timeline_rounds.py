"""Review rounds on the timeline: a ``[`` where each round started and a ``]`` where it closed
(on the milestones row), and per section whether it was reviewed in the newest round (``✓``
reviewed, ``·`` not yet) next to its label.

:func:`rounds_on_timeline` is computed off the UI thread (it reads tags and comment events);
the timeline only draws the result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from proposal_tui.domain.model import Manifest
from proposal_tui.domain.rounds import current_round, order_rounds

REVIEWED, NOT_REVIEWED = "✓", "·"


@dataclass(frozen=True)
class RoundSpan:
    name: str
    start: dt.date
    end: dt.date | None  # None while open


@dataclass(frozen=True)
class TimelineRounds:
    spans: tuple[RoundSpan, ...] = ()
    round: str | None = None  # the round the coverage marks are about
    reviewed: dict[str, bool] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        if self.round is None:
            return ""
        done = sum(self.reviewed.values())
        return f"{self.round}: {done}/{len(self.reviewed)} reviewed"


def rounds_on_timeline(service: object, manifest: Manifest) -> TimelineRounds:
    """``service`` is a :class:`RoundService`; the coverage is the current round's, else the
    newest one's."""
    from proposal_tui.services.rounds import RoundService

    assert isinstance(service, RoundService)
    rounds = order_rounds(service.rounds())
    if not rounds:
        return TimelineRounds()
    zone = manifest.proposal.timezone
    spans = tuple(RoundSpan(r.name, r.started_at.astimezone(zone).date(),
                            r.closed_at.astimezone(zone).date() if r.closed_at else None)
                  for r in rounds)
    newest = current_round(rounds) or rounds[-1]
    cover = service.coverage(newest, manifest)
    return TimelineRounds(spans=spans, round=newest.name,
                          reviewed={c.section: c.reviewed for c in cover})
