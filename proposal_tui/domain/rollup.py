"""Per-owner figures for the Owners pane and `proposal status` summaries."""

from __future__ import annotations

from dataclasses import dataclass

from proposal_tui.domain.model import Manifest, SectionState
from proposal_tui.domain.status import schedule_state


@dataclass(frozen=True)
class OwnerSummary:
    handle: str
    name: str
    role: str
    sections: int
    words: int
    overdue: int
    at_risk: int
    open_comments: int
    pages: float = 0.0  # estimated, at the proposal's words per page
    over_limit: int = 0  # sections over their word or page limit


def owner_summaries(manifest: Manifest, states: list[SectionState]) -> list[OwnerSummary]:
    """Everyone in the manifest who owns a section, plus an '(unassigned)' row if needed."""
    result = []
    owners = [p for p in manifest.people if any(s.section.owner == p.handle for s in states)]
    groups = [(p.handle, p.name, p.role.value) for p in owners]
    if any(s.section.owner is None for s in states):
        groups.append(("", "(unassigned)", ""))
    for handle, name, role in groups:
        mine = [s for s in states if (s.section.owner or "") == handle]
        result.append(OwnerSummary(
            handle=handle, name=name, role=role, sections=len(mine),
            words=sum(s.words for s in mine),
            overdue=sum(schedule_state(s) == "overdue" for s in mine),
            at_risk=sum(schedule_state(s) == "at-risk" for s in mine),
            open_comments=sum(s.open_comments for s in mine),
            pages=round(sum(s.pages for s in mine), 2),
            over_limit=sum(s.over_limit for s in mine)))
    return result
