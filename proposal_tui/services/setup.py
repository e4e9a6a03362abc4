"""Starting a proposal: `proposal init` (a new repository with a starter manifest a manager
can edit), `proposal demo` and the server-side hook of `proposal install-hook`."""

from __future__ import annotations

import datetime as dt
import importlib.resources
from pathlib import Path

import tomlkit

from proposal_tui.domain.clock import Clock
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.domain.manifest import MANIFEST_NAME, parse_manifest
from proposal_tui.store.manifest_edit import writer_lock
from proposal_tui.store.plumbing import cas_commit
from proposal_tui.store.repo import ProposalRepo

# The starter manifests, one per --template: samples/templates/NAME.toml. Their empty
# values are this proposal's (title, the manager, every section's owner, due date and default
# file); a milestone's ``days_before`` (template only, dropped here) dates it from the deadline.
TEMPLATES = ("starter", "nsf", "nih", "federal-rfp", "blank")
_TEMPLATES_DIR = Path(str(importlib.resources.files("proposal_tui").joinpath(
    "samples", "templates")))


def _require_utf8(what: str, value: str) -> None:
    """Text from argv or git config may hold undecodable bytes (surrogates): refuse it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ProposalError(f"{what} is not valid UTF-8 text: {value!r}") from None


def _manifest_text(template: str, title: str, due: dt.datetime, section_due: dt.date,
                   handle: str, name: str, email: str) -> str:
    """The template with this proposal's values, escaped by tomlkit (comments kept)."""
    from proposal_tui.services.edits import default_file

    for what, value in (("git config user.name", name), ("git config user.email", email)):
        _require_utf8(what, value)
    if template not in TEMPLATES:
        raise ProposalError(f"unknown template '{template}' (use {', '.join(TEMPLATES)})")
    doc = tomlkit.parse((_TEMPLATES_DIR / f"{template}.toml").read_text("utf-8"))
    doc["proposal"]["title"] = title  # type: ignore[index]
    doc["proposal"]["due"] = due  # type: ignore[index]
    doc["people"][0].update(handle=handle, name=name, email=email)  # type: ignore[index]
    for milestone in doc.get("milestones", []):
        milestone["date"] = due - dt.timedelta(days=int(milestone.pop("days_before", 0)))
    for section in doc.get("sections", []):
        section.update(owner=handle, due=section_due)
        section["file"] = section["file"] or default_file(section["id"], section["order"])
    return tomlkit.dumps(doc)


def _stub(title: str) -> bytes:
    return f"# {title}\n\n".encode()


def _check_top(path: Path, repo: ProposalRepo) -> None:
    """``path`` must be its repository's top folder: proposal.toml lives there."""
    if repo.work_tree is not None and repo.work_tree.resolve() != path.resolve():
        raise ProposalError(f"{path} is inside the git repository {repo.work_tree}; run "
                            "'proposal init' in its top folder, or in a folder outside it")


def init_proposal(path: Path, title: str, clock: Clock, template: str = "starter") -> Path:
    _require_utf8("the title", title)  # before anything is created
    if template not in TEMPLATES:
        raise ProposalError(f"unknown template '{template}' (use {', '.join(TEMPLATES)})")
    created = [p for p in (path, *path.parents) if not p.exists()]  # deepest first
    path.mkdir(parents=True, exist_ok=True)
    if (path / MANIFEST_NAME).exists():
        raise ProposalError(f"{path / MANIFEST_NAME} already exists; nothing was changed")
    try:
        repo = ProposalRepo.open(path)
    except ProposalError:
        repo = ProposalRepo.create(path)
    if repo.bare:
        raise ProposalError(f"{path} is a bare repository; run init in a clone")
    try:
        _check_top(path, repo)
    except ProposalError:
        for folder in created:
            folder.rmdir()
        raise
    name = repo.git_config("user.name") or "Proposal Manager"
    email = repo.git_config("user.email") or "manager@example.com"
    handle = "".join(c for c in (email.split("@")[0] or "manager").lower()
                     if c.isalnum() or c in "._-") or "manager"
    if not handle[0].isalpha():
        handle = "m" + handle
    today = clock.now().date()
    due = dt.datetime.combine(today + dt.timedelta(days=30), dt.time(17, 0),
                              tzinfo=dt.UTC)
    text = _manifest_text(template, title, due, today + dt.timedelta(days=21), handle, name,
                          email)
    manifest = parse_manifest(text)
    files = {MANIFEST_NAME: text.encode()}
    files.update({s.file: _stub(s.title) for s in manifest.sections})
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
