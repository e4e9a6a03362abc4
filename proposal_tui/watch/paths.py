"""Which folders to watch and which events matter: small pure functions, tested alone.

Watching the whole tree recursively would spend the per-user inotify budget (shared by every
session of one Unix user on an SSH server) and wake on ``.git/objects`` churn, so only the
folders that hold what the fingerprint reads are watched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.manifest import MANIFEST_NAME, build_manifest, read_toml
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.store.toml_cache import TomlCache

# Names editors write next to the real file while saving (vim swap and its 4913 probe, backups,
# emacs locks and autosaves, JetBrains safe-write, gedit, LibreOffice, generic temp files).
_TEMP_RE = re.compile(r"""(
      ^\..*\.sw[a-p]$ | ^\..*\.swx$ | ^4913$ | ~$ | ^\.\# | ^\#.*\#$
    | \.tmp$ | ___jb_(tmp|old)___ | ^\.goutputstream- | ^\.~lock\. | \.lock$
)""", re.VERBOSE)
_GIT_FILES = frozenset({"HEAD", "packed-refs"})
_GIT_DIRS = ("refs", "reftable")
NETWORK_FS = frozenset({"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "afs", "ceph",
                        "glusterfs", "fuse.glusterfs", "9p", "lustre", "gpfs", "davfs",
                        "fuse.rclone"})


def is_editor_temp(name: str) -> bool:
    return bool(_TEMP_RE.search(name))


@dataclass(frozen=True)
class Target:
    path: str  # absolute, real path: event paths start with it
    recursive: bool
    critical: bool  # under .git: losing it means falling back to polling


def _existing_dir(root: str, rel_dir: str) -> str:
    """The deepest existing folder on the way to ``rel_dir``: a missing section folder is
    seen being created from its parent, then watched itself."""
    parts = [p for p in rel_dir.split("/") if p]
    while parts and not os.path.isdir(os.path.join(root, *parts)):
        parts.pop()
    return os.path.join(root, *parts) if parts else root


def watch_targets(git_dirs: Iterable[str], work_tree: str | None,
                  section_paths: Iterable[str]) -> list[Target]:
    """``git_dirs``: the repository's git dir, then its common dir for a linked work tree."""
    targets: dict[str, Target] = {}
    for gdir in dict.fromkeys(git_dirs):
        targets[gdir] = Target(gdir, False, True)
        for sub, recursive in (("refs", True), ("reftable", False)):
            if os.path.isdir(os.path.join(gdir, sub)):
                path = os.path.join(gdir, sub)
                targets[path] = Target(path, recursive, True)
    if work_tree is not None:
        targets.setdefault(work_tree, Target(work_tree, False, False))
        for rel in section_paths:
            folder = _existing_dir(work_tree, rel.rpartition("/")[0])
            targets.setdefault(folder, Target(folder, False, False))
    return list(targets.values())


class EventFilter:
    """Decides from a path alone whether an event can change the fingerprint.

    An allow-list: under a git dir only HEAD, packed-refs, refs/ and reftable/ (never
    ``*.lock``, index, logs, objects); in the work tree only proposal.toml, the section files
    and the folders on the way to them. Editor temp files never match, except through a
    move's destination, which the caller passes too.
    """

    def __init__(self, git_dirs: Iterable[str], work_tree: str | None) -> None:
        # Longest first: a linked work tree's git dir lies inside the common dir.
        self.git_dirs = tuple(sorted({d.rstrip(os.sep) + os.sep for d in git_dirs},
                                     key=len, reverse=True))
        self.work_tree = work_tree.rstrip(os.sep) + os.sep if work_tree else None
        self.files: frozenset[str] = frozenset({MANIFEST_NAME})
        self.folders: frozenset[str] = frozenset()

    def set_sections(self, section_paths: Iterable[str]) -> None:
        paths = {p for p in section_paths if p}
        folders = set()
        for path in paths:
            parts = path.split("/")[:-1]
            folders.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
        # Replaced whole, so the watchdog thread always reads a consistent pair of sets.
        self.files, self.folders = frozenset(paths | {MANIFEST_NAME}), frozenset(folders)

    def in_git_dir(self, path: str) -> bool:
        return path.startswith(self.git_dirs)

    def relevant(self, path: str, is_directory: bool = False) -> bool:
        for gdir in self.git_dirs:
            if path.startswith(gdir):
                rel = path[len(gdir):]
                if rel.endswith(".lock"):
                    return False
                return rel in _GIT_FILES or rel.split(os.sep, 1)[0] in _GIT_DIRS
        if self.work_tree is None or not path.startswith(self.work_tree):
            return False
        rel = path[len(self.work_tree):].replace(os.sep, "/")
        if rel in self.files:
            return True
        if is_editor_temp(rel.rpartition("/")[2]):
            return False
        return is_directory and rel in self.folders


def network_fs_type(path: str, mounts_file: str = "/proc/self/mounts") -> str | None:
    """The file system type if ``path`` lives on a network mount, where changes made on other
    machines produce no inotify event; None when local or unknown (not Linux)."""
    try:
        lines = Path(mounts_file).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    best, best_type = "", None
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[1])
        prefix = mount.rstrip("/") + "/"
        if (path == mount or path.startswith(prefix) or mount == "/") and len(mount) > len(best):
            best, best_type = mount, fields[2]
    return best_type if best_type in NETWORK_FS else None


def manifest_section_paths(repo: ProposalRepo) -> Callable[[], list[str]]:
    """Section files named by the work-tree manifest, re-parsed only when its stat changes;
    while the manifest is mid-edit and invalid, the last good list is kept."""
    state: dict[str, object] = {"key": None, "paths": []}

    def paths() -> list[str]:
        if repo.work_tree is None:
            return []
        full = repo.work_tree / MANIFEST_NAME
        try:
            info = full.stat()
            key = (info.st_mtime_ns, info.st_size, info.st_ino)
            if key != state["key"]:
                # The TOML kept by a load, if one came first. Nothing is kept from here: this
                # decode replaces bad UTF-8, which a load must report, not find in the cache.
                data = full.read_bytes()
                document = TomlCache(repo.git_dir).get(data) or read_toml(
                    data.decode("utf-8-sig", "replace"))
                state["paths"] = [s.file for s in build_manifest(document).sections]
                state["key"] = key
        except (OSError, ValueError, ProposalError):
            pass
        return list(state["paths"])  # type: ignore[call-overload]

    return paths
