"""`export -o` and `ics -o` write regular files only: never through a symlink, never over a
device or a FIFO, never over someone else's file in a sticky shared folder; `-o -` is stdout."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.command import assert_clean_error, run
from tests.fixtures import make_proposal

NOBODY = 65534
COMMANDS = [["export", "--format", "md"], ["ics"]]
IDS = ["export", "ics"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def _write(repo: Path, command: list[str], target: str) -> object:
    return run("--repo", str(repo), *command, "-o", target)


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_symlink_in_a_sticky_shared_folder_is_refused(repo: Path, tmp_path: Path,
                                                         command: list[str]) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    victim = shared / "victim-private.txt"
    victim.write_text("someone else's secret\n")
    victim.chmod(0o600)
    if os.geteuid() == 0:
        os.chown(victim, NOBODY, NOBODY)
    link = shared / "proposal.out"
    link.symlink_to(victim)
    result = _write(repo, command, str(link))
    assert_clean_error(result, 2, str(link), "symbolic link")
    assert victim.read_text() == "someone else's secret\n"
    assert link.is_symlink()
    assert sorted(p.name for p in shared.iterdir()) == ["proposal.out", "victim-private.txt"]


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_fifo_is_refused_and_left_alone(repo: Path, tmp_path: Path,
                                          command: list[str]) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = _write(repo, command, str(fifo))
    assert_clean_error(result, 2, str(fifo), "FIFO")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_device_is_refused_and_left_alone(repo: Path, tmp_path: Path,
                                            command: list[str]) -> None:
    null = tmp_path / "null"  # a twin of /dev/null, so a failure cannot break this machine
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    result = _write(repo, command, str(null))
    assert_clean_error(result, 2, str(null), "device")
    assert stat.S_ISCHR(null.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".null")] == []


@pytest.mark.skipif(os.geteuid() != 0, reason="a file owned by someone else needs root")
@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_someone_elses_file_in_a_sticky_folder_is_not_replaced(repo: Path, tmp_path: Path,
                                                              command: list[str]) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    theirs = shared / "out.txt"
    theirs.write_text("theirs\n")
    os.chown(theirs, NOBODY, NOBODY)
    result = _write(repo, command, str(theirs))
    assert_clean_error(result, 2, str(theirs), "owned by")
    assert theirs.read_text() == "theirs\n"


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_our_own_regular_file_is_replaced_keeping_its_mode(repo: Path, tmp_path: Path,
                                                           command: list[str]) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old\n")
    out.chmod(0o640)
    result = _write(repo, command, str(out))
    assert result.code == 0, result.err
    assert "old" not in out.read_text() and out.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "sub" / "new.txt"
    fresh.parent.mkdir()
    assert _write(repo, command, str(fresh)).code == 0
    assert stat.S_ISREG(fresh.lstat().st_mode) and fresh.read_text()
    assert sorted(p.name for p in fresh.parent.iterdir()) == ["new.txt"]


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_dash_means_standard_output(repo: Path, tmp_path: Path, command: list[str]) -> None:
    result = run("--repo", str(repo), *command, "-o", "-", cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.out.strip()
    assert not (tmp_path / "-").exists()
