"""The library's list of past proposal repositories: a small TOML file in the user's config
folder (XDG), or one a team shares (``--library FILE`` / ``PROPOSAL_LIBRARY``); where the
index of a list lives (the cache folder) and where a URL is cloned (the data folder).

    [[repositories]]
    name = "springfield-2025"
    path = "/home/ana/bids/springfield-2025"     # read in place
    url = "https://git.example.com/bids/x.git"   # or: cloned into the data folder
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.library import LIBRARY_NAME_RE
from proposal_tui.store.atomic import write_atomic
from proposal_tui.store.git import run_git

APP_DIR = "proposal-tui"
LIST_NAME = "library.toml"


@dataclass(frozen=True)
class LibraryEntry:
    name: str
    path: str  # the repository read (a clone's folder for a URL)
    url: str = ""


def _xdg(env: Mapping[str, str], variable: str, fallback: str) -> Path:
    value = env.get(variable, "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path(env.get("HOME") or os.path.expanduser("~")) / fallback


def list_file(explicit: str | None, env: Mapping[str, str]) -> Path:
    """``--library FILE``, else ``PROPOSAL_LIBRARY``, else ``$XDG_CONFIG_HOME/proposal-tui/
    library.toml``."""
    chosen = explicit or env.get("PROPOSAL_LIBRARY")
    if chosen:
        return Path(chosen).expanduser().absolute()
    return _xdg(env, "XDG_CONFIG_HOME", ".config") / APP_DIR / LIST_NAME


def index_file(listing: Path, env: Mapping[str, str]) -> Path:
    """The index of one list, in ``$XDG_CACHE_HOME/proposal-tui/`` (one per list file)."""
    key = hashlib.sha256(str(listing).encode()).hexdigest()[:12]
    return _xdg(env, "XDG_CACHE_HOME", ".cache") / APP_DIR / f"library-{key}.sqlite"


def clone_folder(env: Mapping[str, str]) -> Path:
    return _xdg(env, "XDG_DATA_HOME", ".local/share") / APP_DIR / "library"


def digest(listing: Path) -> str:
    """What the list says, as a short digest ("" when it cannot be read): a search compares it
    with the one the index last checked, and reads the list only when it changed."""
    try:
        return hashlib.sha256(listing.read_bytes()).hexdigest()[:32]
    except OSError:
        return ""


def load(listing: Path) -> list[LibraryEntry]:
    """The entries; an absent file is an empty library."""
    try:
        raw = listing.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ProposalError(f"cannot read: {exc.strerror}", str(listing)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProposalError(f"not a valid library list: {exc}", str(listing)) from None
    entries: list[LibraryEntry] = []
    for i, item in enumerate(data.get("repositories", [])):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or \
                not isinstance(item.get("path"), str):
            raise ProposalError(f"[[repositories]] #{i + 1}: needs a name and a path",
                                str(listing))
        url = item.get("url", "")
        entries.append(LibraryEntry(item["name"], item["path"], url if isinstance(url, str)
                                    else ""))
    return entries


def save(listing: Path, entries: list[LibraryEntry]) -> None:
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment("proposal-tui library: past proposals (`proposal library add`)"))
    table = tomlkit.aot()
    for entry in entries:
        item = tomlkit.table()
        item["name"] = entry.name
        item["path"] = entry.path
        if entry.url:
            item["url"] = entry.url
        table.append(item)
    doc["repositories"] = table
    write_atomic(listing, tomlkit.dumps(doc).encode("utf-8"))


def check_name(name: str) -> None:
    if not LIBRARY_NAME_RE.match(name):
        raise ProposalError(f"library name {name!r}: use letters, digits, '.', '_' or '-' "
                            "(at most 64, not starting with a punctuation mark)")


def is_repository(path: Path) -> bool:
    proc = run_git(["rev-parse", "--git-dir"], path, check=False) if path.is_dir() else ""
    return bool(proc.strip())


def clone(url: str, folder: Path) -> None:
    """A bare clone of ``url`` (never read as an option: it follows ``--``)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    run_git(["clone", "--quiet", "--bare", "--", url, str(folder)], folder.parent)


def fetch(folder: Path) -> None:
    """Bring a clone up to date: its branches and tags, as the origin has them (a tag the
    origin moved, such as a round started again, is moved here too: forced, not refused)."""
    run_git(["fetch", "--quiet", "--prune", "origin", "+refs/heads/*:refs/heads/*",
             "+refs/tags/*:refs/tags/*"], folder)
    if not run_git(["rev-parse", "--verify", "--quiet", "HEAD"], folder, check=False).strip():
        _follow_origin_head(folder)


def _follow_origin_head(folder: Path) -> None:
    """HEAD names a branch the fetch pruned (the origin renamed main to trunk, say): point it
    at the origin's default branch, or the clone's proposal text would drop out of the index."""
    for line in run_git(["ls-remote", "--symref", "origin", "HEAD"], folder).splitlines():
        target, _, name = line.removeprefix("ref: ").partition("\t")
        if line.startswith("ref: ") and name == "HEAD" and target.startswith("refs/heads/"):
            run_git(["symbolic-ref", "HEAD", target], folder)
            return
