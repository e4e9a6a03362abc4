"""What every command needs: one workspace (repository, clock, acting person), and for the
commands that change something, the manifest in force and who is acting."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from dataclasses import dataclass

from proposal_tui.domain.clock import Clock, FixedClock, SystemClock
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.model import Manifest, Person
from proposal_tui.services.workspace import Workspace


def clock_from_env() -> Clock:
    """PROPOSAL_NOW pins "now" (ISO date-time with offset): for demos, tests and what-ifs."""
    pinned = os.environ.get("PROPOSAL_NOW")
    if not pinned:
        return SystemClock()
    try:
        at = dt.datetime.fromisoformat(pinned)
    except ValueError:
        raise ProposalError(f"PROPOSAL_NOW: invalid date-time '{pinned}'") from None
    return FixedClock(at if at.tzinfo else at.replace(tzinfo=dt.UTC))


def open_workspace(args: argparse.Namespace) -> Workspace:
    """--repo, PROPOSAL_NOW and --as (else PROPOSAL_USER, git user.email, $USER)."""
    return Workspace(args.repo, clock_from_env(), acting=args.acting, env=os.environ)


@dataclass(frozen=True)
class Acting:
    """A command that changes something: the workspace, the manifest now, and who acts."""

    workspace: Workspace
    manifest: Manifest
    person: Person


def acting(args: argparse.Namespace) -> Acting:
    workspace = open_workspace(args)
    manifest = workspace.proposals.manifest()
    return Acting(workspace, manifest, workspace.actor(manifest))
