"""The server-side half of the roles: a git pre-receive hook for the shared bare repository.

The app's own checks only stop honest mistakes (anyone can run plain git). On the server,
this hook refuses pushes the pusher's role does not allow, whatever client made them:

- the comments branch may only grow: no deletion, no non-fast-forward; each new commit has
  one parent (no other history hung on it) and only *adds* well-formed event files
  ``comments/<section>/<id>.json`` whose id is not on the branch yet;
- a non-manager may only add events they authored, and resolve/reopen only threads they may
  (their own; a writer also those on sections they own, by the thread's first comment), as
  ``domain.permissions`` says;
- a reviewer may push nothing but comment events;
- a writer may push other branches, but may not rewrite or delete the default branch, nor
  change which branch is the default, nor push ``round/*`` / ``round-closed/*`` tags, nor
  change ``requirements.toml``; may change only the ``status`` of their own sections in
  ``proposal.toml`` (a merge: against one of its parents), and may put a ``Proposal-Status``
  trailer (as git parses trailers) only on commits touching nothing but their own sections.
  Every commit not reachable from a ref other than the comments branch is checked;
- a manager may do everything except rewrite the comments branch;
- nobody may leave a ``proposal.toml`` that does not parse on the default branch.

An empty repository (no ref at all) accepts its first push; after that, roles come from the
default branch (HEAD's if it exists, else main, else master, else the only branch).

What the hook trusts, and nothing else:

- **The Unix account the hook runs as** (``getpwuid(getuid())``: sshd authenticated it and
  the kernel says who it is), matched to a handle in proposal.toml. Not ``$USER``, not
  ``$LOGNAME``, not ``PROPOSAL_PUSHER`` as such: a person with a shell sets any variable
  (``git push --receive-pack='env PROPOSAL_PUSHER=ana git-receive-pack'``).
- **``PROPOSAL_PUSHER`` only for a gated shared account**: an account the repository owner
  listed in ``proposal.gateAccounts`` of the bare repository's own ``config`` file (read
  from that file alone, never from a user's or the system's git config), and only while
  that file is writable by its owner alone. Such an account must have no shell: every key
  of it is forced through ``proposal gate`` with ``PROPOSAL_PUSHER`` set in the key's
  ``command=``, and the gate refuses any command line but a plain pack command.
- **proposal.toml on the default branch before the push** for the roles (so nobody
  promotes themselves in the push), or the newest commit of it that parses.

Commit author and committer fields are never trusted: anyone can write any name into them.
"""

from __future__ import annotations

import dataclasses
import os
import pwd
import re
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

from proposal_tui.domain.comments import event_path, from_json, replay
from proposal_tui.domain.compliance import REQUIREMENTS_NAME
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.manifest import MANIFEST_NAME, parse_manifest
from proposal_tui.domain.model import Manifest, Person, Role
from proposal_tui.domain.permissions import can
from proposal_tui.domain.rounds import CLOSE_PREFIX, START_PREFIX
from proposal_tui.store.comments import COMMENTS_REF, CommentStore
from proposal_tui.store.commits import is_ancestor
from proposal_tui.store.git import read_objects, run_git, run_git_bytes
from proposal_tui.store.history import status_trailers

MARK = "proposal-tui pre-receive hook"
_EVENT_PATH = re.compile(r"comments/[a-z0-9][a-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*\.json")
_ZERO = re.compile(r"0+")
_ROUND_TAGS = ("refs/tags/" + START_PREFIX, "refs/tags/" + CLOSE_PREFIX)

SCRIPT = """#!/bin/sh
# {mark}: enforces the roles of proposal.toml on pushes.
# Installed by `proposal install-hook`; reinstall after moving the Python environment.
exec {python} -m proposal_tui.store.hook "$@"
"""


def install_hook(git_dir: Path, force: bool = False, python: str | None = None) -> Path:
    """Write hooks/pre-receive, and leave hooks/ writable by its owner alone: whatever a
    group member drops in there runs as the next person who pushes."""
    hooks = git_dir / "hooks"
    hooks.mkdir(mode=0o755, exist_ok=True)
    hooks.chmod(0o755)
    path = hooks / "pre-receive"
    if path.exists() and MARK not in path.read_text("utf-8", "replace") and not force:
        raise ProposalError(f"{path} exists and is not ours; pass --force to replace it")
    exe = python or sys.executable
    quoted = "'" + exe.replace("'", "'\\''") + "'"
    tmp = path.with_name("pre-receive.tmp")
    tmp.write_text(SCRIPT.format(mark=MARK, python=quoted), encoding="utf-8")
    tmp.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    tmp.replace(path)
    return path


def unsafe_permissions(git_dir: Path) -> list[str]:
    """Why hooks or config of a shared repository could be turned against its users: a
    hook runs as whoever pushes next, and config can point core.hooksPath anywhere."""
    hooks = git_dir / "hooks"
    paths = [hooks, git_dir / "config"]
    if hooks.is_dir() and not hooks.is_symlink():
        paths += sorted(hooks.iterdir())
    found = []
    for path in paths:
        try:
            mode = path.lstat().st_mode
        except OSError:
            continue
        if mode & (stat.S_IWGRP | stat.S_IWOTH) and not stat.S_ISLNK(mode):
            who = "group- and world-writable" if mode & stat.S_IWGRP and mode & stat.S_IWOTH \
                else "group-writable" if mode & stat.S_IWGRP else "world-writable"
            found.append(f"{path} is {who}: anyone who can write it runs code as the next "
                         f"user of the repository (chmod go-w {path})")
    return found


def _event_id(path: str) -> str:
    return path.rsplit("/", 1)[-1].removesuffix(".json")


def _null(sha: str) -> bool:
    return bool(_ZERO.fullmatch(sha))


def _manifest_at(cwd: Path, rev: str) -> Manifest | None:
    proc = run_git_bytes(["cat-file", "blob", f"{rev}:{MANIFEST_NAME}"], cwd, check=False)
    if proc.returncode != 0:
        return None
    return parse_manifest(proc.stdout.decode("utf-8-sig"), MANIFEST_NAME)


def login_name() -> str:
    """The account the kernel says runs us (what sshd authenticated), never ``$USER``."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return str(os.getuid())


def gate_accounts(git_dir: Path) -> tuple[set[str], str | None]:
    """``proposal.gateAccounts`` from the repository's own config file, and why it is not
    trusted (None when it is): a config the group may write is anybody's to fill in."""
    config = git_dir / "config"
    proc = run_git_bytes(["config", "--file", str(config), "--get-all",
                          "proposal.gateAccounts"], git_dir, check=False)
    names = {n for line in proc.stdout.decode("utf-8", "replace").splitlines()
             for n in line.replace(",", " ").split()}
    if names and config.stat().st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return names, (f"{config} is writable by others than its owner, so "
                       "proposal.gateAccounts is not trusted (chmod 644 it)")
    return names, None


def pusher_name(git_dir: Path, env: Mapping[str, str]) -> tuple[str | None, str]:
    """(the handle the push is made by, or None; how it was found, for messages)."""
    login = login_name()
    gated, distrust = gate_accounts(git_dir)
    if login not in gated:
        return login, f"the account '{login}'"
    if distrust:
        return None, distrust
    named = env.get("PROPOSAL_PUSHER", "").strip()
    if not named:
        return None, (f"the gated account '{login}' has no PROPOSAL_PUSHER (set it in the "
                      "key's command= in authorized_keys)")
    return named, f"PROPOSAL_PUSHER '{named}' (gated account '{login}')"


def default_branch(cwd: Path, refs: list[str]) -> str | None:
    """The branch roles are read from: HEAD's if it exists (a fresh ``git init --bare``
    leaves HEAD on a master nobody pushes), else main, else master, else the only branch."""
    head = run_git(["symbolic-ref", "--quiet", "HEAD"], cwd, check=False).strip()
    for ref in (head, "refs/heads/main", "refs/heads/master"):
        if ref and ref in refs:
            return ref
    branches = [r for r in refs if r.startswith("refs/heads/") and r != COMMENTS_REF]
    return branches[0] if len(branches) == 1 else None


class _Checker:
    def __init__(self, cwd: Path, manifest: Manifest, pusher: Person, head_ref: str) -> None:
        self.cwd, self.manifest, self.pusher = cwd, manifest, pusher
        self.head_ref = head_ref
        self.errors: list[str] = []

    def deny(self, message: str) -> None:
        self.errors.append(f"permission denied: {self.pusher.handle} "
                           f"({self.pusher.role.value}) {message}")

    def update(self, old: str, new: str, ref: str) -> None:
        if ref == COMMENTS_REF:
            self.comments(old, new)
        elif self.pusher.role is Role.REVIEWER:
            self.deny(f"may not push {ref}: reviewers may only add comment events "
                      f"({COMMENTS_REF})")
        elif self.pusher.role is Role.WRITER:
            if ref.startswith(_ROUND_TAGS):
                self.deny(f"may not push {ref}: review rounds are managers' only")
            else:
                self.writer(old, new, ref)

    # -- the comments branch: append only, events by their author ------------------------
    def comments(self, old: str, new: str) -> None:
        if _null(new):
            self.errors.append(f"refused: nobody may delete {COMMENTS_REF}")
            return
        if not _null(old) and not is_ancestor(self.cwd, old, new):
            self.errors.append(f"refused: nobody may rewrite {COMMENTS_REF} (a non-fast-"
                               "forward push); run 'proposal sync' instead")
            return
        # Commit by commit, not old..new as a whole: no commit on this branch may carry
        # anything but one new event file, nor bring in other history as a second parent
        # (a commit reachable from here is not checked again when pushed to another ref).
        empty = run_git(["hash-object", "-t", "tree", "/dev/null"], self.cwd).strip()
        commits = [line.split() for line in run_git(
            ["rev-list", "--reverse", "--parents", new, *(["--not", old] if not _null(old)
                                                          else [])], self.cwd).splitlines()]
        added: list[str] = []
        for sha, *parents in commits:
            if len(parents) > 1 or (not parents and not _null(old)):
                self.errors.append(f"refused: commit {sha[:10]}: a comment commit has exactly "
                                   f"one parent, on {COMMENTS_REF} (or none, the first)")
                continue
            out = run_git_bytes(["diff-tree", "-r", "-z", "--no-renames", "--name-status",
                                 parents[0] if parents else empty, sha], self.cwd).stdout
            fields = [f for f in out.decode("utf-8", "surrogateescape").split("\0") if f]
            for status, path in zip(fields[::2], fields[1::2]):
                if status != "A":
                    self.errors.append(f"refused: {path}: comment events are never changed "
                                       "or deleted, only added")
                elif not _EVENT_PATH.fullmatch(path):
                    self.errors.append(f"refused: {path}: not a comment event file "
                                       "(comments/<section>/<id>.json)")
                else:
                    added.append(path)
        self._unique_ids(old, added)
        self._validate(new, added, check_author=self.pusher.role is not Role.MANAGER)

    def _unique_ids(self, old: str, added: list[str]) -> None:
        """An event id names a thread: reusing one (under another section, so in another
        file) would take that thread over, whoever pushes it."""
        existing: set[str] = set()
        if not _null(old):
            listing = run_git_bytes(["ls-tree", "-r", "-z", "--name-only", old, "--",
                                     "comments/"], self.cwd).stdout
            existing = {_event_id(p.decode("utf-8", "surrogateescape"))
                        for p in listing.split(b"\0") if p}
        seen: set[str] = set()
        for path in added:
            event_id = _event_id(path)
            if event_id in existing:
                self.errors.append(f"refused: {path}: event id {event_id} is already on "
                                   f"{COMMENTS_REF}")
            elif event_id in seen:
                self.errors.append(f"refused: {path}: event id {event_id} is added twice "
                                   "in this push")
            seen.add(event_id)

    def _validate(self, new: str, paths: list[str], check_author: bool) -> None:
        if not paths:
            return
        blobs = read_objects(self.cwd, [f"{new}:{p}" for p in paths])
        events = []
        for path in paths:
            data = blobs.get(f"{new}:{path}")
            if data is None:
                self.errors.append(f"refused: {path}: not a file in the pushed commit")
                continue
            try:
                event = from_json(data, origin=path)
            except ProposalError as exc:
                self.errors.append(f"refused: {exc}")
                continue
            if event_path(event) != path:
                self.errors.append(f"refused: {path}: file name does not match its event")
                continue
            events.append(event)
        if not check_author:
            return
        me = self.pusher.handle
        roots = {t.id: t.root for t in replay(CommentStore(self.cwd, ref=new).events())}
        for e in events:
            if e.author != me:
                self.deny(f"may not add an event written as '{e.author}' ({e.id})")
            elif e.action in ("resolve", "reopen"):
                # The thread's section is its first comment's: the event's own field is
                # the pusher's to write, and naming their own section proves nothing.
                root = roots.get(e.thread)
                section = self.manifest.section(root.section) if root else None
                if root is not None and e.section != root.section:
                    self.deny(f"may not {e.action} thread {e.thread} under section "
                              f"'{e.section}' (the thread is on '{root.section}')")
                elif not can(self.pusher, e.action, section,
                             comment_author=root.author if root else None):
                    self.deny(f"may not {e.action} thread {e.thread} (not theirs)")

    # -- other branches, for writers ------------------------------------------------------
    def writer(self, old: str, new: str, ref: str) -> None:
        if ref == self.head_ref and _null(new):
            self.deny(f"may not delete {ref}")
            return
        if _null(new):
            return
        if ref == self.head_ref and not _null(old) and not is_ancestor(self.cwd, old, new):
            self.deny(f"may not rewrite {ref} (non-fast-forward push)")
            return
        # Every commit this ref brings that no other ref vouches for. The comments branch
        # vouches for nothing: a commit first hung on it as a second parent is checked here.
        commits = [line.split() for line in run_git(
            ["rev-list", "--parents", new, "--not", f"--exclude={COMMENTS_REF}", "--all"],
            self.cwd).splitlines() if line]
        mine = {s.file for s in self.manifest.sections if s.owner == self.pusher.handle}
        files = {s.file for s in self.manifest.sections}
        trailers = status_trailers(self.cwd, [sha for sha, *_ in commits])
        for sha, *parents in commits:
            changed = set()
            for parent in parents or [None]:  # a merge, against each of its parents
                changed |= self._changed(parent, sha)
            if MANIFEST_NAME in changed:
                self._manifest_change(sha, parents)
            if REQUIREMENTS_NAME in changed:
                self.deny(f"may not change {REQUIREMENTS_NAME} (commit {sha[:10]}): the "
                          "requirements are managers' only")
            if trailers.get(sha):
                others = sorted(c for c in changed if c in files and c not in mine)
                if others:
                    self.deny(f"may not set a Proposal-Status on sections they do not own "
                              f"(commit {sha[:10]} touches {', '.join(others)})")

    def _changed(self, parent: str | None, sha: str) -> set[str]:
        args = [parent, sha] if parent else ["--root", sha]
        out = run_git_bytes(["diff-tree", "-r", "--no-commit-id", "--no-renames",
                             "--name-only", "-z", *args], self.cwd).stdout
        return {p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p}

    def _manifest_change(self, sha: str, parents: list[str]) -> None:
        """A writer's change to proposal.toml is their own sections' status and nothing
        else; a merge passes when its manifest is one parent's plus such a change."""
        try:
            after = _manifest_at(self.cwd, sha)
            befores = [_manifest_at(self.cwd, parent) for parent in parents]
        except ProposalError as exc:
            self.deny(f"pushed an invalid {MANIFEST_NAME} (commit {sha[:10]}): {exc}")
            return
        me = self.pusher.handle
        if after is None or not any(
                before is not None and _normalised(before, me) ==
                _normalised(after, me, owners_from=before) for before in befores):
            self.deny(f"may only change the status of their own sections in {MANIFEST_NAME} "
                      f"(commit {sha[:10]})")


def _normalised(manifest: Manifest, handle: str,
                owners_from: Manifest | None = None) -> Manifest:
    """The manifest with the statuses a writer may change blanked out (and no line numbers)."""
    owners = {s.id: s.owner for s in (owners_from or manifest).sections}
    sections = tuple(dataclasses.replace(
        s, line=None, status=s.status if owners.get(s.id) != handle else
        type(s.status)("not-started")) for s in manifest.sections)
    return dataclasses.replace(manifest, sections=sections)


def git_dir(cwd: Path) -> Path:
    return Path(run_git(["rev-parse", "--absolute-git-dir"], cwd).strip())


def check_push(cwd: Path, updates: list[tuple[str, str, str]],
               env: Mapping[str, str], pusher: str | None = None) -> list[str]:
    """Every reason to refuse these ref updates (empty: accept).

    ``pusher``: the handle `proposal serve` authenticated by SSH key (the server alone
    passes it); without it, the pusher is the Unix account, or a gated account's
    ``PROPOSAL_PUSHER`` (:func:`pusher_name`)."""
    refs = run_git(["for-each-ref", "--format=%(refname)"], cwd).split()
    if not refs:
        return []  # bootstrapping: an empty repository has no roles to check against yet
    branch = default_branch(cwd, refs)
    if branch is None:
        return ["refused: roles are unknown: no default branch (HEAD names a missing branch, "
                "and there is no main, no master and not exactly one other branch); point "
                "HEAD at the proposal's branch (git symbolic-ref HEAD refs/heads/NAME)"]
    try:
        manifest = _roles_manifest(cwd, branch)
    except ProposalError as exc:
        return [f"refused: the server's {MANIFEST_NAME} does not parse, so roles are "
                f"unknown: {exc}"]
    if manifest is None:
        return [f"refused: roles are unknown: {branch} has no {MANIFEST_NAME} (the repository "
                "owner pushes the first one before installing the hook)"]
    if pusher:
        name, how = pusher, f"the SSH key of '{pusher}'"
    else:
        name, how = pusher_name(git_dir(cwd), env)
    person = manifest.person(name) if name else None
    if person is None:
        return [f"refused: the pusher is unknown: {how} is not in {MANIFEST_NAME} [[people]] "
                "(one Unix account per person named like the handle, or a gated account)"
                if name else f"refused: the pusher is unknown: {how}"]
    checker = _Checker(cwd, manifest, person, branch)
    after = set(refs) - {r for _o, n, r in updates if _null(n)} | \
        {r for _o, n, r in updates if not _null(n)}
    if person.role is not Role.MANAGER and default_branch(cwd, sorted(after)) != branch:
        checker.deny(f"may not change which branch is the default ({branch}, where the "
                     "roles are read from)")
    for old, new, ref in updates:
        checker.update(old, new, ref)
        if ref == branch and not _null(new):
            checker.errors += _ends_well(cwd, new, ref)
    return checker.errors


def _roles_manifest(cwd: Path, branch: str) -> Manifest | None:
    """proposal.toml on the branch, or, when a bad one got there (before this hook, or by
    hand), the newest that parses: the manager's fix must get through on its roles."""
    try:
        return _manifest_at(cwd, branch)
    except ProposalError as exc:
        first = exc
    commits = run_git(["rev-list", "--max-count=200", branch, "--", MANIFEST_NAME],
                      cwd).split()
    for sha in commits[1:]:
        try:
            return _manifest_at(cwd, sha)
        except ProposalError:
            continue
    raise first


def _ends_well(cwd: Path, new: str, ref: str) -> list[str]:
    """A push may pass through a broken proposal.toml, but never leave one on the default
    branch, managers included: it would refuse every later push."""
    try:
        if _manifest_at(cwd, new) is not None:
            return []
    except ProposalError as exc:
        return [f"refused: {MANIFEST_NAME} at {ref} does not parse: {exc}"]
    return [f"refused: the push leaves {ref} without {MANIFEST_NAME}"]


def main(stdin: str | None = None, env: Mapping[str, str] = os.environ) -> int:
    """Entry point of the installed hook: stdin carries "old new ref" lines."""
    text = sys.stdin.read() if stdin is None else stdin
    updates = [tuple(line.split(" ", 2)) for line in text.splitlines() if line.strip()]
    try:
        errors = check_push(Path.cwd(), updates, env)  # type: ignore[arg-type]
    except ProposalError as exc:
        errors = [f"refused: {exc}"]
    for error in errors:
        print(f"proposal: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
