"""Page counts remembered by content and profile: a blob typeset in the same profile by the
same pandoc and Typst never changes its count (``.git/proposal-tui/pages.json``, JSON like
the word cache, for the same reason: a cache the group may write must not run code)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from proposal_tui.domain.pages import HeadingMark, PageCount, PageProfile
from proposal_tui.store.repo import blob_sha
from proposal_tui.store.wordcache import WordCache

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
