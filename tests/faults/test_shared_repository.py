"""A group-shared repository (core.sharedRepository): whoever runs `proposal` first, the
folders and files we create under .git/proposal-tui/ stay writable by the group, so the next
person's plan edits and comments work; and a cache someone else made unwritable is skipped.

Run with real Unix accounts (useradd, runuser) as the shared review server has them."""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.command import NOW
from tests.fixtures import make_proposal
from tests.gitutil import git
from tests.sshd import _python_for

NEEDS_ROOT = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("useradd") is None or shutil.which("runuser") is None,
    reason="needs root, useradd and runuser to make a second real account")


class Accounts:
    def __init__(self, base: Path, group: str) -> None:
        self.base, self.group, self.users, self.python = base, group, [], None

    def add(self, name: str) -> str:
        subprocess.run(["useradd", "--no-create-home", "--shell", "/bin/sh", "--gid",
                        self.group, name], check=True, capture_output=True)
        self.users.append(name)
        return name

    def run(self, user: str, repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
        """`proposal ARGS` as ``user``, with umask 022 (the usual default)."""
        assert self.python is not None
        env = ["env", "-i", f"PATH={os.environ['PATH']}", f"HOME={self.base}",
               f"PROPOSAL_NOW={NOW}", "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=safe.directory",
               "GIT_CONFIG_VALUE_0=*"]
        command = " ".join(["umask 022 &&", "exec", *env, str(self.python), "-m",
                            "proposal_tui", "--repo", str(repo), *(f"'{a}'" for a in args)])
        return subprocess.run(["runuser", "-u", user, "--", "/bin/sh", "-c", command],
                              capture_output=True, text=True, timeout=120, cwd="/")


@pytest.fixture
def accounts() -> Iterator[Accounts]:
    tag = secrets.token_hex(3)
    base = Path(tempfile.mkdtemp(prefix="proposal-shared-"))
    base.chmod(0o755)
    (base / "bin").mkdir(mode=0o755)
    group = f"ptsh{tag}"
    subprocess.run(["groupadd", group], check=True, capture_output=True)
    acc = Accounts(base, group)
    try:
        acc.add(f"alice{tag}")
        acc.add(f"bob{tag}")
        acc.python = _python_for(acc.users[0], base)
        if acc.python is None:
            pytest.skip("no Python the test accounts may run imports proposal_tui")
        yield acc
    finally:
        for user in acc.users:
            subprocess.run(["userdel", "--force", user], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _shared_repo(acc: Accounts, setting: str = "group") -> Path:
    (acc.base / "work").mkdir()
    repo = make_proposal(acc.base / "work")
    git(repo, "config", "core.sharedRepository", setting)
    subprocess.run(["chgrp", "-R", acc.group, str(acc.base / "work")], check=True)
    subprocess.run(["chmod", "-R", "g+rwX", str(acc.base / "work")], check=True)
    subprocess.run(["find", str(acc.base / "work"), "-type", "d", "-exec", "chmod", "g+s",
                    "{}", "+"], check=True)
    (acc.base / "work").chmod(0o2775)
    return repo


def _modes(folder: Path) -> list[tuple[str, str]]:
    """(path, what is wrong) for everything under ``folder`` a group member could not use."""
    wrong = []
    for path in [folder, *folder.rglob("*")]:
        mode = path.lstat().st_mode
        bad_dir = stat.S_ISDIR(mode) and (mode & 0o2070) != 0o2070
        bad_file = stat.S_ISREG(mode) and (mode & 0o060) != 0o060 \
            and path.parent.name != "pack" and "objects" not in path.parts
        if bad_dir or bad_file:
            wrong.append((str(path), oct(mode)))
    return wrong


@NEEDS_ROOT
def test_the_second_user_can_edit_and_comment(accounts: Accounts) -> None:
    repo = _shared_repo(accounts)
    alice, bob = accounts.users
    for args in (["status"], ["--as", "rex", "comment", "summary", "-m", "first"],
                 ["comments"], ["--as", "mia", "assign", "summary", "val"]):
        done = accounts.run(alice, repo, *args)
        assert done.returncode == 0, (args, done.stderr)
    state = repo / ".git" / "proposal-tui"
    assert _modes(state) == []
    for args in (["--as", "mia", "assign", "summary", "wes"],
                 ["--as", "rex", "comment", "summary", "-m", "second"],
                 ["status"], ["comments"]):
        done = accounts.run(bob, repo, *args)
        assert done.returncode == 0, (args, done.stderr)
        assert "Permission denied" not in done.stderr
    assert "second" in accounts.run(alice, repo, "comments").stdout
    assert _modes(state) == []


@NEEDS_ROOT
def test_an_octal_setting_is_applied_as_git_applies_it(accounts: Accounts) -> None:
    repo = _shared_repo(accounts, "0660")
    alice, _bob = accounts.users
    for args in (["status"], ["--as", "rex", "comment", "summary", "-m", "first"],
                 ["--as", "mia", "assign", "summary", "val"]):
        assert accounts.run(alice, repo, *args).returncode == 0
    state = repo / ".git" / "proposal-tui"
    for path in [state, *state.rglob("*")]:
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode):
            assert mode & 0o7777 == 0o2770, (path, oct(mode))
        else:
            assert mode & 0o777 == 0o660, (path, oct(mode))


@NEEDS_ROOT
def test_a_cache_folder_we_cannot_write_is_skipped(accounts: Accounts) -> None:
    """The state an older version left: alice's drwxr-sr-x folder and -rw-r--r-- files."""
    repo = _shared_repo(accounts)
    alice, bob = accounts.users
    state = repo / ".git" / "proposal-tui"
    assert accounts.run(alice, repo, "--as", "rex", "comment", "summary", "-m", "a").returncode == 0
    assert accounts.run(alice, repo, "status").returncode == 0
    assert accounts.run(alice, repo, "--as", "mia", "assign", "summary", "val").returncode == 0
    for path in [state, *state.rglob("*")]:
        shutil.chown(path, alice)
        path.chmod(0o2755 if path.is_dir() else 0o644)
    before = {p.name: p.read_bytes() for p in state.iterdir() if p.is_file()}
    for args in (["status"], ["comments"], ["validate"],
                 ["--as", "rex", "comment", "summary", "-m", "from bob"],
                 ["--as", "mia", "assign", "summary", "wes"]):
        done = accounts.run(bob, repo, *args)
        assert done.returncode == 0, (args, done.stderr)
    assert "from bob" in accounts.run(bob, repo, "comments").stdout
    after = {p.name: p.read_bytes() for p in state.iterdir() if p.is_file()}
    assert after == before  # skipped, not damaged
    # alice, the owner, runs again: the folder becomes the group's, as git would make it
    assert accounts.run(alice, repo, "status").returncode == 0
    assert state.stat().st_mode & 0o2070 == 0o2070
