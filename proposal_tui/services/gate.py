"""The forced command of a locked-down SSH key (``proposal gate``), and who may install the
hook.

An account behind the gate gets no shell: ``SSH_ORIGINAL_COMMAND`` is split like a shell
would (``shlex``, never run by one) and must be exactly ``git-upload-pack '<repo>'`` or
``git-receive-pack '<repo>'`` for the gate's own repository, or one ``proposal`` command
run in this process on that repository, as the person the server fixed (``PROPOSAL_PUSHER``
from the key's ``command=``, else the account). Anything else is refused with exit 3.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from proposal_tui.domain.errors import PermissionDenied
from proposal_tui.domain.model import Manifest, Role
from proposal_tui.services.identity import FIXED_BY_SERVER, acting_person, fixed_identity
from proposal_tui.store.hook import login_name, unsafe_permissions
from proposal_tui.store.remote import PACK_SERVICES, serve_pack
from proposal_tui.store.repo import ProposalRepo

# Commands that reach outside the repository (create folders, fetch from anywhere, read a
# server file, the server account's library of other proposals): not for a key that was
# meant to reach one repository only.
NOT_THROUGH_THE_GATE = {"init", "demo", "sync", "gate", "serve", "library", "experts"}


@dataclass(frozen=True)
class GateCommand:
    pack: str | None  # "git-upload-pack" / "git-receive-pack", or None for a proposal command
    argv: list[str]


def same_path(given: str, repo: Path) -> bool:
    try:
        return Path(os.path.expanduser(given)).resolve() == repo.resolve()
    except (OSError, RuntimeError, ValueError):
        return False


def parse_gate_command(original: str | None, repo: Path, commands: set[str]) -> GateCommand:
    """What the client asked for, or PermissionDenied naming why not."""
    try:
        words = shlex.split(original or "")
    except ValueError as exc:
        raise PermissionDenied(f"gate: cannot read the command line ({exc})") from None
    if words and words[0] in PACK_SERVICES:
        if len(words) != 2 or not same_path(words[1], repo):
            raise PermissionDenied(f"gate: only '{words[0]} {repo}' is served here")
        return GateCommand(words[0], [])
    if words and words[0] == "proposal":
        words = words[1:]
    first = next((w for w in words if not w.startswith("-")), None)
    if words and not words[0].startswith("-") and words[0] not in commands:
        raise PermissionDenied(f"gate: '{words[0]}' is not a proposal command; this key runs "
                               "git-upload-pack, git-receive-pack or proposal only")
    if first in NOT_THROUGH_THE_GATE:
        raise PermissionDenied(f"gate: 'proposal {first}' is not available through the gate")
    return GateCommand(None, words)


def check_gated_args(args: object, repo: Path) -> None:
    """The parsed proposal command stays on the gate's repository and writes no files."""
    given = getattr(args, "repo", None)
    if given is None or not same_path(given, repo):
        raise PermissionDenied(f"gate: --repo is fixed to {repo}")
    command = getattr(args, "command", None)
    if command in NOT_THROUGH_THE_GATE:
        raise PermissionDenied(f"gate: 'proposal {command}' is not available through the gate")
    if getattr(args, "output", None) not in (None, "-"):
        raise PermissionDenied("gate: -o writes a file on the server; use '-o -' (standard "
                               "output) through the gate")
    if getattr(args, "file", None) not in (None, "-"):
        raise PermissionDenied("gate: FILE would be read on the server; give '-' and send "
                               "the file on standard input")


def enter_gate(env: dict[str, str] | os._Environ[str]) -> str:
    """Fix the identity for everything this process does next, and return it."""
    person = fixed_identity(env) or login_name()
    env[FIXED_BY_SERVER] = person
    return person


def serve(command: GateCommand, repo: Path) -> None:
    assert command.pack is not None
    serve_pack(command.pack, repo)


def check_hook_installer(repo: ProposalRepo, manifest: Manifest | None, explicit: str | None,
                         env: Mapping[str, str] = os.environ) -> None:
    """install-hook replaces what runs on every push: the repository owner's or a manager's
    action; with an identity fixed by the server, a manager's only."""
    fixed = fixed_identity(env)
    if not fixed and os.getuid() in (0, repo.git_dir.stat().st_uid):
        return
    if manifest is None:
        raise PermissionDenied("install-hook: only the repository owner may install the hook "
                               "before proposal.toml names a manager")
    person = acting_person(manifest, repo, explicit, env)
    if person.role is not Role.MANAGER:
        raise PermissionDenied(f"{person.handle} ({person.role.value}) may not install-hook: "
                               "the repository owner's or a manager's action")


def repository_warnings(repo: ProposalRepo) -> list[str]:
    """For `validate` on a shared (bare) repository: hooks/ or config others may write."""
    return unsafe_permissions(repo.git_dir) if repo.bare else []
