"""What every command needs: the repository, the service, the clock and the actor."""

from __future__ import annotations

import argparse
import datetime as dt
import os

from proposal_tui.domain.clock import Clock, FixedClock, SystemClock
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.model import Manifest, Person
from proposal_tui.services.identity import acting_person
from proposal_tui.services.snapshot import ProposalService
from proposal_tui.store.repo import ProposalRepo


def clock_from_env() -> Clock:
    """PROPOSAL_NOW pins "now" (ISO date-time with offset): for demos, tests and what-ifs."""
    pinned = os.environ.get("PROPOSAL_NOW")
    if not pinned:
        return SystemClock()
    try:
        at = dt.datetime.fromisoformat(pinned)
    except ValueError:
        raise ProposalError(f"PROPOSAL_NOW: invalid date-time '{pinned}'") from None
    return FixedClock(at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc))


def open_service(args: argparse.Namespace) -> ProposalService:
    return ProposalService(ProposalRepo.open(args.repo), clock_from_env())


def actor(args: argparse.Namespace, service: ProposalService, manifest: Manifest) -> Person:
    return acting_person(manifest, service.repo, args.acting)
