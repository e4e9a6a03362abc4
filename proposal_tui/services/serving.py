"""What `proposal serve` decides, apart from speaking SSH: which repositories it serves, who a
key belongs to, what a session asked for (or why it is refused), the environment a session's
process gets, and the role check of a push relayed by the server's pre-receive hook.

Identity comes from the key alone: the person whose ``keys`` in a served repository's
proposal.toml hold it. Nothing the client sends (user name, environment, ``--as``) changes
it; a session's process gets an environment built here, with ``PROPOSAL_PUSHER`` fixing who
acts (services/identity.py refuses any other claim).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.exit_codes import EXIT_BAD_INPUT, EXIT_DENIED
from proposal_tui.domain.model import Person
from proposal_tui.domain.text import one_line
from proposal_tui.services.identity import FIXED_BY_SERVER
from proposal_tui.store import hook_relay, sessions
from proposal_tui.store.remote import PACK_SERVICES
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.store.signing import FINGERPRINT_ENV, SIGNING_KEY_ENV

SERVED_VAR = "PROPOSAL_SERVED"
# What a session's process may inherit from the server's own environment (never the
# client's): where programs are, the server's home, and the operator's pinned clock/zone.
INHERITED = ("PATH", "HOME", "LANG", "TZ", "PYTHONPATH", "PROPOSAL_NOW",
             "GIT_CONFIG_NOSYSTEM", "XDG_STATE_HOME", "XDG_CACHE_HOME")
_TERM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class Refused(ProposalError):
    """A session the server will not run: one line for the client, an exit status."""

    def __init__(self, message: str, exit_code: int = EXIT_DENIED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class ServedRepo:
    name: str
    repo: ProposalRepo

    @property
    def path(self) -> Path:
        return self.repo.root

    @property
    def git_dir(self) -> Path:
        return self.repo.git_dir


def served_repos(paths: Sequence[str | Path]) -> dict[str, ServedRepo]:
    """Each REPO under its folder name without ``.git``; two with one name are an error."""
    served: dict[str, ServedRepo] = {}
    for given in paths:
        repo = ProposalRepo.open(Path(given).resolve())
        name = (repo.work_tree or repo.git_dir).resolve().name.removesuffix(".git")
        if not _NAME.fullmatch(name):
            raise ProposalError(f"{given}: cannot serve a repository named {name!r} (use "
                                "letters, digits, '.', '_' or '-')")
        if name in served:
            raise ProposalError(f"{given}: two repositories would both be served as '{name}'")
        served[name] = ServedRepo(name, repo)
    if not served:
        raise ProposalError("name at least one repository to serve")
    return served


def key_holders(repos: Mapping[str, ServedRepo], fingerprint: str) -> dict[str, Person]:
    """Repository name -> the person holding this key there, read fresh from each
    proposal.toml (a key removed a minute ago no longer logs in). A repository whose
    proposal.toml does not parse lets nobody in."""
    from proposal_tui.services.workspace import Workspace

    holders = {}
    for name, served in repos.items():
        try:
            manifest = Workspace(ProposalRepo(served.git_dir, served.repo.work_tree)
                                 ).proposals.manifest()
        except ProposalError:
            continue
        person = manifest.person_for_key(fingerprint)
        if person is not None:
            holders[name] = person
    return holders


@dataclass(frozen=True)
class Request:
    """What a session will run: ``kind`` is "dashboard", "command" or "pack"."""

    kind: str
    repo: ServedRepo
    person: Person
    argv: tuple[str, ...] = ()
    service: str = ""

    @property
    def what(self) -> str:
        """For the log: the command as the client gave it, on one line."""
        if self.kind == "dashboard":
            return f"dashboard {self.repo.name}"
        if self.kind == "pack":
            return f"git {self.service} {self.repo.name}"
        return one_line(f"{self.repo.name}: proposal {shlex.join(self.argv)}", 200)


def _pick(repos: Mapping[str, ServedRepo], holders: Mapping[str, Person],
          name: str | None) -> tuple[ServedRepo, Person]:
    if name is None:
        if len(repos) != 1:
            raise Refused("several repositories are served here: name one first "
                          f"({', '.join(sorted(repos))})", EXIT_BAD_INPUT)
        name = next(iter(repos))
    if name not in repos:
        raise Refused(f"no repository '{one_line(name, 60)}' is served here", EXIT_BAD_INPUT)
    person = holders.get(name)
    if person is None:
        raise Refused(f"your key belongs to nobody in '{name}'")
    return repos[name], person


def _pack_name(path: str) -> str:
    return path.strip().lstrip("/").removeprefix("~/").rstrip("/").removesuffix(".git")


def _refuse_identity_options(words: Sequence[str]) -> None:
    """``--as`` and ``--repo`` (and argparse's abbreviations of them) before the command."""
    for word in words:
        if not word.startswith("-"):
            return
        option = word.split("=", 1)[0]
        if len(option) >= 3 and "--as".startswith(option):
            raise Refused("--as is refused: over this server you act as the person your key "
                          "belongs to", EXIT_DENIED)
        if len(option) >= 3 and "--repo".startswith(option):
            raise Refused("--repo is refused: name the repository as the first word "
                          "(ssh HOST NAME COMMAND ...)", EXIT_BAD_INPUT)


def parse_request(command: str | None, has_pty: bool, repos: Mapping[str, ServedRepo],
                  holders: Mapping[str, Person]) -> Request:
    """The session the client asked for, or :class:`Refused` saying why not."""
    try:
        words = shlex.split(command or "")
    except ValueError as exc:
        raise Refused(f"cannot read the command line ({exc})", EXIT_BAD_INPUT) from None
    if words and words[0] in PACK_SERVICES:
        if len(words) != 2:
            raise Refused(f"usage: {words[0]} '/NAME'", EXIT_BAD_INPUT)
        served, person = _pick(repos, holders, _pack_name(words[1]))
        return Request("pack", served, person, service=PACK_SERVICES[words[0]])
    name = words.pop(0) if words and words[0] in repos else None
    if not words:
        if not has_pty:
            raise Refused("no shell here: ask for the dashboard with 'ssh -t', or run one "
                          "proposal command ('ssh HOST [NAME] COMMAND ...')")
        served, person = _pick(repos, holders, name)
        return Request("dashboard", served, person)
    if words[0] == "proposal":
        words = words[1:]
    _refuse_identity_options(words)
    served, person = _pick(repos, holders, name)
    return Request("command", served, person, tuple(words))


def session_env(request: Request, fingerprint: str, signing_key: Path,
                term: str | None = None, server_env: Mapping[str, str] = os.environ
                ) -> dict[str, str]:
    """The whole environment of a session's process, built here: a few of the server's own
    variables, who acts (fixed) with the key that said so and the host key that signs what
    they write, and git's user.email/name set to that person so that a repository
    configured for somebody else does not make the CLI refuse them."""
    env = {k: server_env[k] for k in INHERITED if k in server_env}
    env.setdefault("LANG", "C.UTF-8")
    person = request.person
    env.update({FIXED_BY_SERVER: person.handle, FINGERPRINT_ENV: fingerprint,
                SIGNING_KEY_ENV: str(signing_key), SERVED_VAR: "1",
                "GIT_CONFIG_COUNT": "2",
                "GIT_CONFIG_KEY_0": "user.email",
                "GIT_CONFIG_VALUE_0": person.email or f"{person.handle}@proposal.invalid",
                "GIT_CONFIG_KEY_1": "user.name",
                "GIT_CONFIG_VALUE_1": person.name or person.handle})
    if term is not None:
        env["TERM"] = term if _TERM.fullmatch(term) else "xterm-256color"
    return env


def command_argv(request: Request) -> tuple[list[str], dict[str, str]]:
    """One proposal command, run through the gate (``proposal --repo PATH gate``): it
    refuses what must not run on a server (``init``, ``demo``, ``sync``, ``-o FILE``, another
    repository) and any claim to be somebody else. The words reach it as
    ``SSH_ORIGINAL_COMMAND`` led by ``proposal``, so it never reads them as a pack command."""
    args, extra = command_args(request)
    return sessions.proposal_argv(request.repo.path, args[2:]), extra


def command_args(request: Request) -> tuple[list[str], dict[str, str]]:
    """:func:`command_argv` as the CLI's own arguments (``--repo PATH gate``), for the fork
    server, which runs the CLI without starting an interpreter."""
    return ["--repo", str(request.repo.path), "gate"], {
        "SSH_ORIGINAL_COMMAND": shlex.join(["proposal", *request.argv])}


def zygote_env(server_env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The fork server's own environment while it imports the CLI: what every session
    inherits anyway (each child then gets exactly its session's environment)."""
    env = {k: server_env[k] for k in INHERITED if k in server_env}
    env.setdefault("LANG", "C.UTF-8")
    return env


def dashboard_argv(request: Request) -> list[str]:
    return sessions.proposal_argv(request.repo.path, [])


def dashboard_args(request: Request) -> list[str]:
    """:func:`dashboard_argv` as the CLI's own arguments, for the dashboards' fork server."""
    return ["--repo", str(request.repo.path)]


def pack_argv(request: Request, hooks_dir: Path) -> tuple[list[str], dict[str, str]]:
    """git's own pack service; receive-pack with the server's relay as its only hook."""
    hooks = hooks_dir if request.service == "receive-pack" else None
    return sessions.pack_argv(request.service, request.repo.git_dir, hooks), {}


def pack_env(extra: Mapping[str, str]) -> dict[str, str]:
    return sessions.pack_env(extra)


def write_relay_hooks(folder: Path) -> Path:
    """The hooks folder of the server's receive-packs: the pre-receive relay alone."""
    return hook_relay.write_hooks(folder)


def relay_env(socket_path: str, token: str) -> dict[str, str]:
    """What a receive-pack's relay needs to reach the server and name its session."""
    return {hook_relay.SOCKET_VAR: socket_path, hook_relay.TOKEN_VAR: token}


def _inside(path: str, folder: Path, cwd: Path) -> bool:
    try:
        return (cwd / path).resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):
        return False


def check_relayed_push(repo: ServedRepo, updates: str, objects: Mapping[str, str],
                       cwd: str, pusher: str) -> list[str]:
    """The pre-receive checks for a push the server authenticated (empty: accept), run in
    the server's process with the pushed objects still in quarantine."""
    git_dir = repo.git_dir
    where = Path(cwd)
    if not _inside(cwd, git_dir, git_dir):
        return ["refused: the push did not come from this repository"]
    found = {}
    for key, value in objects.items():
        parts = value.split(os.pathsep) if key == "GIT_ALTERNATE_OBJECT_DIRECTORIES" \
            else [value]
        if not all(_inside(p.strip('"'), git_dir, where) for p in parts if p):
            return [f"refused: {key} points outside the repository"]
        found[key] = os.pathsep.join(str((where / p.strip('"')).resolve())
                                     for p in parts if p)
    lines = [tuple(line.split(" ", 2)) for line in updates.splitlines() if line.strip()]
    if any(len(line) != 3 for line in lines):
        return ["refused: malformed ref update"]
    try:
        return hook_relay.check_quarantined_push(git_dir, lines, found,  # type: ignore[arg-type]
                                                 pusher)
    except ProposalError as exc:
        return [f"refused: {exc}"]


# The processes of a session, started by the store (one process group each).
start_piped = sessions.start_piped
start_on_pty = sessions.start_on_pty
end_group = sessions.end_group
# The fork server that runs commands without a Python start-up each (store/zygote.py).
Zygote = sessions.Zygote
ZygoteGone = sessions.ZygoteGone
ForkedChild = sessions.ForkedChild
PtyChild = sessions.PtyChild
