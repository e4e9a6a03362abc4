"""Ref values read from the files git keeps them in (loose ref files, ``packed-refs``), with no
git process, so an answer that depends only on some refs can be remembered by their values.

A served command asks every time what HEAD's manifest says and which review rounds exist;
both change rarely, and each question costs a git process. Reading the refs costs a few file
reads. Every function here answers None whenever git's own answer might differ (a reftable
repository, a linked work tree, a namespace, a symbolic ref that leads nowhere, a file that
is not a ref): the caller then asks git, as before.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_MAX_LINKS = 5  # git's own limit on symbolic ref chains is the same order


def _usable(gdir: Path) -> bool:
    """The files backend, one repository folder, no environment that redirects git."""
    if any(os.environ.get(v) for v in ("GIT_DIR", "GIT_COMMON_DIR", "GIT_NAMESPACE")):
        return False
    return not (gdir / "reftable").exists() and not (gdir / "commondir").exists()


def _packed(gdir: Path) -> dict[str, str] | None:
    """name -> id from ``packed-refs`` ({} when there is none; None when unreadable)."""
    try:
        data = (gdir / "packed-refs").read_bytes()
    except FileNotFoundError:
        return {}
    except OSError:
        return None
    refs = {}
    for line in data.splitlines():
        if line and line[:1] not in (b"#", b"^"):
            sha, _, name = line.partition(b" ")
            refs[name.decode("utf-8", "surrogateescape")] = sha.decode("ascii", "replace")
    return refs


def _loose(gdir: Path, name: str) -> str | None:
    """A loose ref file's text ('' when there is no such file)."""
    try:
        return (gdir / name).read_bytes().decode("ascii").strip()
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError):
        return None


def resolve(gdir: Path, name: str = "HEAD") -> str | None:
    """The object id ``name`` (HEAD or refs/...) points at, or None: not known without git."""
    if not _usable(gdir):
        return None
    for _ in range(_MAX_LINKS):
        text = _loose(gdir, name)
        if text is None:
            return None
        if text.startswith("ref: "):
            name = text[5:].strip()
            if not name.startswith("refs/") or ".." in name or name.endswith(".lock"):
                return None
            continue
        if not text:
            packed = _packed(gdir)
            text = (packed or {}).get(name, "")
        return text if _SHA.fullmatch(text) else None  # unborn or odd: git says what it is
    return None


def values(gdir: Path, prefixes: Sequence[str]) -> tuple[tuple[str, str], ...] | None:
    """Every ref under ``prefixes`` (each ending in '/') with its id, loose ones over packed
    ones as git reads them; None when one of them is not a plain id."""
    if not _usable(gdir):
        return None
    packed = _packed(gdir)
    if packed is None:
        return None
    found = {n: s for n, s in packed.items() if n.startswith(tuple(prefixes))}
    for prefix in prefixes:
        for folder, _dirs, files in os.walk(gdir / prefix):
            for file in files:
                if file.endswith(".lock"):
                    continue  # a write under way: the ref is still what the rest says
                name = Path(folder, file).relative_to(gdir).as_posix()
                text = _loose(gdir, name)
                if text is None or not _SHA.fullmatch(text):
                    return None
                found[name] = text
    return tuple(sorted(found.items()))
