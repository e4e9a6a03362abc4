"""Starting a proposal: `proposal init` (a new repository with a starter manifest a manager
can edit), `proposal demo` and the server-side hook of `proposal install-hook`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import tomlkit

from proposal_tui.domain.clock import Clock
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.domain.manifest import MANIFEST_NAME, parse_manifest
from proposal_tui.store.manifest_edit import writer_lock
from proposal_tui.store.plumbing import cas_commit
from proposal_tui.store.repo import ProposalRepo

# The starter manifest; _manifest_text puts this proposal's values in through tomlkit.
_TEMPLATE = """\
# The plan of this proposal. Hand-edit freely: proposal-tui keeps comments and layout.
# Format: docs/format.md in the proposal-tui repository.

[proposal]
title = ""
client = ""
solicitation = ""
due = 2000-01-01T17:00:00Z  # submission deadline, with its offset
timezone = "UTC"            # IANA zone in which "today" and due dates are read
words_per_page = 500

[[people]]
handle = ""
name = ""
email = ""
role = "manager"

[[milestones]]
name = "Submission"
date = 2000-01-01T17:00:00Z
kind = "deadline"

[[sections]]
id = "exec-summary"
title = "Executive Summary"
file = "sections/010-exec-summary.md"
owner = ""
due = 2000-01-01
page_limit = 2
requirements = []
status = "not-started"
order = 10
"""


def _require_utf8(what: str, value: str) -> None:
    """Text from argv or git config may hold undecodable bytes (surrogates): refuse it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ProposalError(f"{what} is not valid UTF-8 text: {value!r}") from None


def _manifest_text(title: str, due: dt.datetime, section_due: dt.date, handle: str,
                   name: str, email: str) -> str:
    """The template with this proposal's values, escaped by tomlkit (comments kept)."""
    for what, value in (("git config user.name", name), ("git config user.email", email)):
        _require_utf8(what, value)
    doc = tomlkit.parse(_TEMPLATE)
    doc["proposal"]["title"] = title  # type: ignore[index]
    doc["proposal"]["due"] = due  # type: ignore[index]
    doc["people"][0].update(handle=handle, name=name, email=email)  # type: ignore[index]
    doc["milestones"][0]["date"] = due  # type: ignore[index]
    doc["sections"][0].update(owner=handle, due=section_due)  # type: ignore[index]
    return tomlkit.dumps(doc)


def init_proposal(path: Path, title: str, clock: Clock) -> Path:
    _require_utf8("the title", title)  # before anything is created
    path.mkdir(parents=True, exist_ok=True)
    if (path / MANIFEST_NAME).exists():
        raise ProposalError(f"{path / MANIFEST_NAME} already exists; nothing was changed")
    try:
        repo = ProposalRepo.open(path)
    except ProposalError:
        repo = ProposalRepo.create(path)
    if repo.bare:
        raise ProposalError(f"{path} is a bare repository; run init in a clone")
    name = repo.git_config("user.name") or "Proposal Manager"
    email = repo.git_config("user.email") or "manager@example.com"
    handle = "".join(c for c in (email.split("@")[0] or "manager").lower()
                     if c.isalnum() or c in "._-") or "manager"
    if not handle[0].isalpha():
        handle = "m" + handle
    today = clock.now().date()
    due = dt.datetime.combine(today + dt.timedelta(days=30), dt.time(17, 0),
                              tzinfo=dt.UTC)
    text = _manifest_text(title, due, today + dt.timedelta(days=21), handle, name, email)
    parse_manifest(text)
    files = {MANIFEST_NAME: text.encode(), "sections/010-exec-summary.md":
             b"# Executive Summary\n\n"}
    author = Identity(name=name, email=email)
    with writer_lock(repo):
        cas_commit(repo.root, repo.head_ref() or "HEAD", lambda _tip: files,
                   f"Start proposal: {title}", author)
        for rel, data in files.items():
            target = path / rel
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        repo.stage(list(files))
    return path.resolve()


def build_demo(dest: Path, sample: str = "transit-rfp", today: dt.date | None = None, *,
               now: dt.datetime | None = None) -> Path:
    """`proposal demo`: a sample proposal with its history replayed up to ``now`` (see
    :func:`proposal_tui.store.demo.build_demo`)."""
    from proposal_tui.store.demo import build_demo as build

    return build(dest, sample, today, now=now)


def install_hook(repo: ProposalRepo, force: bool = False, python: str | None = None) -> Path:
    """`proposal install-hook`: the pre-receive hook that checks roles on every push into
    ``repo`` (see :mod:`proposal_tui.store.hook`); returns the hook's path."""
    from proposal_tui.store.hook import install_hook as install

    return install(repo.git_dir, force=force, python=python)
