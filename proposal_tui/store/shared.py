"""Folders and files under the git dir, made the way git makes its own in a shared repository.

On a shared server several Unix accounts write one repository (``git init --shared=group``,
``core.sharedRepository``). Whatever we create under ``.git/proposal-tui/`` (the writer
locks, the comment spool, caches, the edit journal) must then stay writable by the group,
or the first person to run ``proposal`` locks everybody else out of plan edits and comments.
:func:`adjust` applies the same mode git's ``adjust_shared_perm`` would; the setting is read
once per git dir and process, and only when the git dir looks shared (see :func:`setting`).
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from proposal_tui.store.git import run_git_bytes

STATE_DIR = "proposal-tui"  # a subfolder, so a watcher on .git (non-recursive) never sees churn
_PERM_GROUP, _PERM_EVERYBODY = 0o660, 0o664
_settings: dict[Path, int] = {}  # git dir -> 0 (umask), group/everybody bits, or -(mode)


def parse_setting(value: str | None) -> int:
    """core.sharedRepository as git's ``git_config_perm`` reads it: 0 means "the umask",
    a positive value bits to add, a negative one an exact mode (``0xxx``)."""
    if value is None:
        return 0
    value = value.strip()
    lowered = value.lower()
    if lowered in ("umask", ""):
        return 0
    if lowered == "group":
        return _PERM_GROUP
    if lowered in ("all", "world", "everybody"):
        return _PERM_EVERYBODY
    try:
        number = int(value, 8)
    except ValueError:
        return _PERM_GROUP if lowered in ("true", "yes", "on") else 0
    if number in (0, 1, 2):
        return (0, _PERM_GROUP, _PERM_EVERYBODY)[number]
    if number & 0o600 != 0o600:
        return 0  # git refuses such a repository; we leave modes alone
    return -(number & 0o666)


def setting(gdir: Path) -> int:
    """The repository's setting, read once. A git dir with neither group write nor setgid
    was not made by ``git init --shared`` (nor shared by hand as the README says): 0, without
    spending a git process on every command of every unshared repository."""
    if gdir not in _settings:
        try:
            if not os.stat(gdir).st_mode & (stat.S_ISGID | stat.S_IWGRP):
                _settings[gdir] = 0
                return 0
        except OSError:
            pass
        proc = run_git_bytes(["config", "--get", "core.sharedRepository"], gdir, check=False)
        raw = proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None
        _settings[gdir] = parse_setting(raw)
    return _settings[gdir]


def shared_mode(mode: int, shared: int) -> int:
    """The mode git gives a file or folder of ``mode`` (path.c ``calc_shared_perm``)."""
    if shared == 0:
        return mode
    tweak = -shared if shared < 0 else shared
    if not mode & stat.S_IWUSR:
        tweak &= ~0o222
    if mode & stat.S_IXUSR:
        tweak |= (tweak & 0o444) >> 2
    new = (mode & ~0o777) | tweak if shared < 0 else mode | tweak
    if stat.S_ISDIR(mode):
        new |= (new & 0o444) >> 2
        new |= stat.S_ISGID
    return new


def adjust(path: Path, gdir: Path) -> None:
    """chmod ``path`` as git would in this repository; nothing if not shared or not ours."""
    shared = setting(gdir)
    if shared == 0:
        return
    with contextlib.suppress(OSError):
        mode = os.lstat(path).st_mode
        new = shared_mode(mode, shared)
        if (mode ^ new) & 0o7777 and not stat.S_ISLNK(mode):
            os.chmod(path, new & 0o7777)


def state_dir(gdir: Path) -> Path:
    """``.git/proposal-tui/``, made (or, when it is ours, repaired) for the group."""
    path = gdir / STATE_DIR
    with contextlib.suppress(FileExistsError):
        path.mkdir()
    with contextlib.suppress(OSError):
        if os.stat(path).st_uid == os.geteuid():
            adjust(path, gdir)
    return path


def writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)
