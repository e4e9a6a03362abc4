"""Page counts remembered by content and profile: a blob typeset in the same profile by the
same pandoc and Typst never changes its count (``.git/proposal-tui/pages.json``, JSON like
the word cache, for the same reason: a cache the group may write must not run code)."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

from proposal_tui.domain.pages import HeadingMark, PageCount, PageProfile
from proposal_tui.store.plumbing import _acquire, _open_lock
from proposal_tui.store.repo import blob_sha
from proposal_tui.store.shared import state_dir
from proposal_tui.store.wordcache import WordCache

MEASURER_WAIT = 60.0  # seconds to wait for another process typesetting this repository
# Bump when the typesetting (store/typeset.py's preamble, the pins of typst and
# pypandoc-binary) changes what a page holds: every cached count is then a miss.
TYPESETTING = "typst-0.15.2/pandoc-3.9/1"


def profile_key(profile: PageProfile, fmt: str) -> str:
    """The profile's every field (a custom one can change under the same name)."""
    text = json.dumps([TYPESETTING, fmt, asdict(profile)], sort_keys=True)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


class PageCache(WordCache):
    """One JSON value per (content, profile): pages, where the text ends, the headings."""

    limit = 5_000  # a value holds every heading: a few hundred bytes to a few KB

    def __init__(self, git_dir: Path) -> None:
        super().__init__(git_dir)
        self.path = git_dir / "proposal-tui" / "pages.json"

    def count(self, data: bytes, fmt: str, profile: PageProfile) -> PageCount | None:
        raw = self.get(blob_sha(data), profile_key(profile, fmt))
        if not isinstance(raw, str):
            return None
        try:
            obj = json.loads(raw)
            return PageCount(profile, int(obj["pages"]), float(obj["end_y"]),
                             tuple(HeadingMark(int(p), float(y), str(t))
                                   for p, y, t in obj["headings"]),
                             bool(obj["approximate"]))
        except (ValueError, KeyError, TypeError):
            return None  # a damaged entry is a miss

    def store(self, data: bytes, fmt: str, count: PageCount) -> None:
        value = {"pages": count.pages, "end_y": count.end_y, "approximate": count.approximate,
                 "headings": [[h.page, h.y, h.text] for h in count.headings]}
        self.put(blob_sha(data), profile_key(count.profile, fmt),
                 json.dumps(value, separators=(",", ":")))

    def reread(self) -> None:
        """Forget what was read (after saving ours): the next question reads the file again,
        with what another process measured meanwhile."""
        self.save()
        if not self._dirty:
            self._data = None


@contextlib.contextmanager
def one_measurer(git_dir: Path, timeout: float = MEASURER_WAIT) -> Iterator[None]:
    """Typeset in one process at a time per repository. Fifty dashboards opened together
    (`proposal serve`) would each typeset the same sections, and their keys waited behind
    it; the others wait here, then find the first one's count in the cache.
    Best effort: with no lock file (a read-only repository) or past ``timeout`` it goes
    on without. It polls rather than blocks, so a thread waiting here never outlives its
    app by more than a moment."""
    handle = None
    with contextlib.suppress(OSError):
        handle = _open_lock(state_dir(git_dir) / "pages.lock")
    if handle is None or fcntl is None:
        yield
        return
    with handle:
        locked = _acquire(handle, timeout, pause=0.1)
        try:
            yield
        finally:
            if locked:
                fcntl.flock(handle, fcntl.LOCK_UN)
