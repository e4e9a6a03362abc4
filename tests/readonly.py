"""Make a folder tree read-only for real, even for root (CI runs the tests as root, and root
ignores file modes): an immutable flag (``chattr +i``, refused as EPERM even for root) where
the file system and the process's capabilities allow it, plain modes for anybody else; a
test skips, saying why, where neither works."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _chattr(flag: str, path: Path) -> bool:
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "-R", flag, str(path)], capture_output=True,
                          check=False).returncode == 0


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Nothing under ``path`` can be created, renamed, removed or written until the end."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [path, *path.rglob("*")] if not p.is_symlink()}
        for p, mode in modes.items():
            p.chmod(mode & 0o555)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    if not _chattr("+i", path):
        _chattr("-i", path)
        pytest.skip("running as root where chattr +i is refused: no way to make a read-only "
                    "folder here")
    try:
        yield
    finally:
        _chattr("-i", path)
