"""The lock-down gate and the identity the server fixes (issue 16 items 1 and 7), run as
sshd would run a forced command: SSH_ORIGINAL_COMMAND and PROPOSAL_PUSHER in the
environment. tests/ssh/test_hook_ssh_attacks.py does the same through a real sshd."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.command import assert_clean_error, run
from tests.fixtures import make_proposal
from tests.gitutil import git


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


@pytest.fixture()
def bare(work: Path) -> Path:
    path = work.parent / "server.git"
    git(work.parent, "clone", "-q", "--bare", str(work), str(path))
    return path


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def test_a_fixed_identity_refuses_other_names(work: Path) -> None:
    before = head(work)
    fixed = {"PROPOSAL_PUSHER": "wes"}
    assert_clean_error(run("--repo", str(work), "--as", "mia", "assign", "approach", "wes",
                           env=fixed), 3, "--as is refused", "'wes'")
    assert_clean_error(run("--repo", str(work), "set-status", "approach", "approved",
                           env={**fixed, "PROPOSAL_USER": "mia"}), 3, "PROPOSAL_USER")
    assert_clean_error(run("--repo", str(work), "comment", "summary", "-m", "x", env=fixed),
                       3, "git user.email names 'mia'")  # the clone's user.email is Mia's
    assert head(work) == before and run("--repo", str(work), "comments", "--json").json() == []
    git(work, "config", "user.email", "wes@example.com")
    res = run("--repo", str(work), "comment", "summary", "-m", "as wes", env=fixed)
    assert res.code == 0 and res.out.rstrip().endswith("as wes"), res.err


def test_install_hook_is_a_managers_action_when_the_identity_is_fixed(bare: Path) -> None:
    assert run("--repo", str(bare), "install-hook").code == 0
    hook = bare / "hooks" / "pre-receive"
    ours = hook.read_text()
    assert_clean_error(run("--repo", str(bare), "install-hook", "--force", "--python",
                           "/bin/true", env={"PROPOSAL_PUSHER": "wes"}), 3,
                       "wes (writer) may not install-hook")
    assert hook.read_text() == ours
    assert run("--repo", str(bare), "install-hook", "--force",
               env={"PROPOSAL_PUSHER": "mia"}).code == 0


@pytest.mark.parametrize(("command", "needle"), [
    ("env PROPOSAL_PUSHER=mia git-receive-pack 'REPO'", "'env' is not a proposal command"),
    ("git-receive-pack '/elsewhere.git'", "only 'git-receive-pack"),
    ("git-upload-pack 'REPO' extra", "only 'git-upload-pack"),
    ("--as mia assign approach wes", "--as is refused"),
    ("proposal --repo /elsewhere status", "--repo is fixed"),
    ("export -o /tmp/replaced.md", "-o writes a file on the server"),
    ("person key add rex /etc/ssh/ssh_host_ed25519_key.pub", "FILE would be read on the server"),
    ("requirements import /etc/passwd", "FILE would be read on the server"),
    ("demo /tmp/anywhere", "not available through the gate"),
    ("sync --remote origin", "not available through the gate"),
    ("library add /srv/other-bid", "not available through the gate"),
    ("experts 'fare capping'", "not available through the gate"),
    ("comment summary -m 'unterminated", "cannot read the command line"),
])
def test_the_gate_refuses_everything_but_its_commands(bare: Path, command: str,
                                                      needle: str) -> None:
    env = {"PROPOSAL_PUSHER": "wes", "SSH_ORIGINAL_COMMAND": command.replace("REPO",
                                                                             str(bare))}
    assert_clean_error(run("--repo", str(bare), "gate", env=env), 3, needle)
    assert run("--repo", str(bare), "comments", "--json").json() == []


def test_the_gate_runs_one_proposal_command_as_the_fixed_person(bare: Path) -> None:
    env = {"PROPOSAL_PUSHER": "rex", "SSH_ORIGINAL_COMMAND": "proposal comment summary -m "
           "'through the gate; $HOME stays'"}
    res = run("--repo", str(bare), "gate", env=env)
    assert res.code == 0, res.err
    (thread,) = run("--repo", str(bare), "comments", "--json").json()
    assert (thread["author"], thread["body"]) == ("rex", "through the gate; $HOME stays")


def test_install_hook_leaves_hooks_to_the_owner_and_validate_warns(bare: Path) -> None:
    """Item 7: hooks run as the next user; hooks/ and config must not be the group's."""
    (bare / "hooks").chmod(0o2775)
    (bare / "config").chmod(0o664)
    res = run("--repo", str(bare), "validate")
    assert res.code == 0 and "warning" in res.err and "config is group-writable" in res.err
    assert "hooks is group-writable" in res.err
    assert run("--repo", str(bare), "install-hook").code == 0
    assert stat.S_IMODE((bare / "hooks").stat().st_mode) == 0o755
    assert stat.S_IMODE((bare / "hooks" / "pre-receive").stat().st_mode) == 0o755
    (bare / "config").chmod(0o644)
    res = run("--repo", str(bare), "validate")
    assert res.code == 0 and "warning" not in res.err, res.err
