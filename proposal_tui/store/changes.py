"""What landed in a window of time, for `proposal digest`: the commits, and a file's bytes
before and after each of them."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from pathlib import Path

from proposal_tui.store.git import read_objects
from proposal_tui.store.history import Commit, iter_log


def commits_between(cwd: Path, tip: str, since: dt.datetime, until: dt.datetime
                    ) -> list[Commit]:
    """Commits reachable from ``tip`` with a commit date in (since, until], oldest first (git
    judges by commit date: when a commit landed, rebased or not)."""
    # Commit dates are whole seconds and git's bounds include them: after ``since`` is from
    # its next whole second on. Dates go to git as UTC ISO text (it reads "@N" as a moment
    # only for large N); before 1970 means from the first commit.
    window = [f"--until={_git_date(math.floor(until.timestamp()))}"]
    if since.timestamp() >= 0:
        window.append(f"--since={_git_date(math.floor(since.timestamp()) + 1)}")
    return list(iter_log(cwd, [tip, *window]))[::-1]


def _git_date(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


def before_and_after(cwd: Path, shas: Iterable[str], path: str
                     ) -> dict[str, tuple[bytes | None, bytes | None]]:
    """``path`` in each commit's first parent and in the commit (None where absent), from one
    ``git cat-file`` process."""
    shas = list(dict.fromkeys(shas))
    names = [n for sha in shas for n in (f"{sha}^:{path}", f"{sha}:{path}")]
    blobs = read_objects(cwd, names) if names else {}
    return {sha: (blobs.get(f"{sha}^:{path}"), blobs.get(f"{sha}:{path}")) for sha in shas}
