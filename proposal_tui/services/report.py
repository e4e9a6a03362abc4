"""The JSON shape of `proposal status --json` (a public contract: extend, never rename)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from proposal_tui.domain.model import CommitRef, SectionState
from proposal_tui.domain.rollup import owner_summaries
from proposal_tui.domain.status import schedule_state
from proposal_tui.services.snapshot import Snapshot


def _date(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _commit(ref: CommitRef | None) -> dict[str, str] | None:
    if ref is None:
        return None
    return {"sha": ref.sha, "author": ref.author, "email": ref.email,
            "date": ref.date.isoformat(), "subject": ref.subject}


def section_json(s: SectionState) -> dict[str, Any]:
    sec = s.section
    return {
        "id": sec.id, "title": sec.title, "file": sec.file, "owner": sec.owner,
        "status": s.status.value, "status_source": s.status_source,
        "declared_status": sec.status.value, "due": _date(sec.due), "words": s.words,
        "word_limit": sec.word_limit, "page_limit": sec.page_limit,
        "pages": round(s.pages, 2), "requirements": list(sec.requirements),
        "order": sec.order, "overdue": s.overdue, "at_risk": s.at_risk, "stale": s.stale,
        "over_limit": s.over_limit, "schedule": schedule_state(s),
        "commits": s.history.commits, "first_commit": _commit(s.history.first),
        "last_commit": _commit(s.history.last), "contributors": list(s.history.contributors),
        "open_comments": s.open_comments, "uncommitted_words": s.uncommitted_words,
        "missing": s.missing, "error": s.error,
    }


def snapshot_json(snap: Snapshot) -> dict[str, Any]:
    info = snap.manifest.proposal
    return {
        "proposal": {"title": info.title, "client": info.client,
                     "solicitation": info.solicitation, "due": _date(info.due),
                     "timezone": str(info.timezone), "words_per_page": info.words_per_page,
                     "head": snap.head, "now": snap.now.isoformat(),
                     "branch": snap.branch, "detached": snap.branch is None,
                     "read_only": snap.read_only},
        "sections": [section_json(s) for s in snap.states],
        "people": [{"handle": p.handle, "name": p.name, "email": p.email,
                    "role": p.role.value} for p in snap.manifest.people],
        "milestones": [{"name": m.name, "date": m.date.isoformat(), "kind": m.kind}
                       for m in snap.manifest.milestones],
        "owners": [o.__dict__ for o in owner_summaries(snap.manifest, list(snap.states))],
        "problems": [str(p) for p in snap.problems],
    }
