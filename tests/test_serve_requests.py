"""What `proposal serve` makes of a session request, and who a key belongs to, without SSH:
services/serving.py on real repositories (two served at once, so NAME matters)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from proposal_tui.domain.exit_codes import EXIT_BAD_INPUT, EXIT_DENIED
from proposal_tui.domain.model import Person, Role
from proposal_tui.services import serving
from proposal_tui.services.serving import Refused, parse_request

KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl "
       "helen@laptop")


def _repo(path: Path, people: str, bare: bool = False) -> Path:
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    (path / "proposal.toml").write_text(f'[proposal]\ntitle = "T"\n{people}')
    subprocess.run(["git", "-C", str(path), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(path), "-c", "user.email=a@b", "-c", "user.name=A",
                    "commit", "-qm", "start"], check=True)
    if not bare:
        return path
    subprocess.run(["git", "clone", "-q", "--bare", str(path), str(path) + ".git"], check=True)
    return Path(str(path) + ".git")


@pytest.fixture
def repos(tmp_path: Path) -> dict[str, serving.ServedRepo]:
    bid = _repo(tmp_path / "bid", f'[[people]]\nhandle = "helen"\nrole = "reviewer"\n'
                f'keys = ["{KEY}"]\n', bare=True)
    grant = _repo(tmp_path / "grant", '[[people]]\nhandle = "ana"\nrole = "manager"\n')
    return serving.served_repos([bid, grant])


def _fingerprint() -> str:
    from proposal_tui.domain.keys import parse_public_key

    return parse_public_key(KEY).fingerprint


def test_repositories_are_served_by_folder_name_and_keys_read_from_each(
        repos: dict[str, serving.ServedRepo]) -> None:
    assert sorted(repos) == ["bid", "grant"]
    holders = serving.key_holders(repos, _fingerprint())
    assert {name: p.handle for name, p in holders.items()} == {"bid": "helen"}
    assert serving.key_holders(repos, "SHA256:" + "A" * 43) == {}


def test_two_repositories_with_one_name_are_refused(tmp_path: Path) -> None:
    one = _repo(tmp_path / "a" / "bid", "")
    two = _repo(tmp_path / "b" / "bid", "", bare=True)
    with pytest.raises(Exception, match="both be served as 'bid'"):
        serving.served_repos([one, two])


HELEN = {"bid": Person("helen", "Helen", role=Role.REVIEWER)}


@pytest.mark.parametrize("command, pty, kind, repo, argv", [
    ("bid comment s -m 'two words'", False, "command", "bid", ("comment", "s", "-m", "two words")),
    ("bid proposal status --json", False, "command", "bid", ("status", "--json")),
    ("", True, None, None, None),                  # two repositories: name one
    ("bid", True, "dashboard", "bid", ()),
    ("git-upload-pack '/bid'", False, "pack", "bid", ()),
    ("git-receive-pack 'bid.git'", False, "pack", "bid", ()),
    ("git-receive-pack '/grant'", False, None, None, None),   # not hers
    ("git-upload-pack '/../etc'", False, None, None, None),
    ("grant status", False, None, None, None),
    ("bid --as ana assign s helen", False, None, None, None),
    ("bid", False, None, None, None),              # no pty, no command: no shell
])
def test_requests(repos: dict[str, serving.ServedRepo], command: str, pty: bool,
                  kind: str | None, repo: str | None, argv: tuple[str, ...] | None) -> None:
    if kind is None:
        with pytest.raises(Refused) as refused:
            parse_request(command, pty, repos, HELEN)
        assert refused.value.exit_code in (EXIT_BAD_INPUT, EXIT_DENIED)
        return
    request = parse_request(command, pty, repos, HELEN)
    assert (request.kind, request.repo.name, request.argv) == (kind, repo, argv)
    assert request.person.handle == "helen"


@pytest.mark.parametrize("words, code", [
    ("--as ana status", EXIT_DENIED), ("--as=ana status", EXIT_DENIED),
    ("--a ana status", EXIT_DENIED), ("--repo /x status", EXIT_BAD_INPUT),
    ("--re=/x status", EXIT_BAD_INPUT)])
def test_identity_and_repository_options_are_refused(repos: dict[str, serving.ServedRepo],
                                                     words: str, code: int) -> None:
    with pytest.raises(Refused) as refused:
        parse_request(f"bid {words}", False, repos, HELEN)
    assert refused.value.exit_code == code


def test_the_session_environment_is_built_not_inherited(
        repos: dict[str, serving.ServedRepo]) -> None:
    request = parse_request("bid status", False, repos, HELEN)
    env = serving.session_env(request, "SHA256:x", term="xterm\x1b[31m",
                              server_env={"PATH": "/bin", "SSH_AUTH_SOCK": "/s",
                                          "PROPOSAL_USER": "ana", "EDITOR": "vi"})
    assert env["PROPOSAL_PUSHER"] == "helen" and env["PROPOSAL_SERVED"] == "1"
    assert env["PROPOSAL_KEY_FINGERPRINT"] == "SHA256:x"
    assert env["TERM"] == "xterm-256color"  # a terminal name with escapes is replaced
    assert not {"SSH_AUTH_SOCK", "PROPOSAL_USER", "EDITOR"} & set(env)
    argv, extra = serving.command_argv(request)
    assert argv[:3] == [sys.executable, "-m", "proposal_tui"] and argv[-1] == "gate"
    assert extra["SSH_ORIGINAL_COMMAND"] == "proposal status"
