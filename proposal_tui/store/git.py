"""The one door to the git binary.

Every git process proposal-tui starts is started here, by :func:`run_git` (whole output at
once) or :class:`GitPipe` (output read as it arrives, input fed as we go), so that the rules
hold everywhere: argument lists only (never a shell), user text only after ``--`` or through
stdin, and ``GIT_OPTIONAL_LOCKS=0`` so our reads never rewrite ``.git/index`` (which would
wake the watcher and loop). A test (tests/unit/test_one_way_in.py) fails if any other module
starts a process.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, NoReturn

from proposal_tui.domain.errors import ProposalError, ReadOnlyRepository

_BASE_ENV = {
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
    "GIT_CONFIG_NOSYSTEM": os.environ.get("GIT_CONFIG_NOSYSTEM", ""),
}


# For a git whose whole output is read at once: into a pipe, git log and rev-list flush after
# every record by default (50,000 writes for a 50,000-commit log: 2.8 s instead of 2.1 s).
NOT_INTERACTIVE = {"GIT_FLUSH": "0"}


class GitError(ProposalError):
    """A git command failed; carries git's own first stderr line."""


class GitWriteRefused(GitError, ReadOnlyRepository):
    """git could not write into the repository: a read-only mount, or files it may not
    change (exit code 3, as for any permission problem)."""


# git's words for a write the file system refused (objects, a ref's lock, the index)
_WRITE_REFUSED = re.compile(r"Read-only file system|insufficient permission|"
                            r"(?:[Uu]nable to (?:create|write)|cannot lock ref)[^\n]*"
                            r"(?:Permission denied|Operation not permitted)")


# Variables every git started in this context (thread, task) gets: the objects of a push
# still in quarantine, while the server checks it (see :func:`objects_of_push`).
_OVERLAY: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "git_overlay", default=None)
QUARANTINE_VARS = ("GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
                   "GIT_QUARANTINE_PATH")


@functools.lru_cache(maxsize=8)
def _git_program(search: str | None) -> str:
    """git's full path on this PATH, looked up once: a bare "git" makes every start try
    each PATH folder in turn (twice the time of a git that answers at once, here)."""
    return shutil.which("git", path=search) or "git"


def git_argv(args: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """``git ARGS`` with git found on ``env``'s PATH, as the process would find it."""
    return [_git_program(env.get("PATH")), *args]


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({k: v for k, v in _BASE_ENV.items() if v != ""})
    # Never let a caller's environment redirect our plumbing to another index or repository.
    for key in ("GIT_INDEX_FILE", "GIT_DIR", "GIT_WORK_TREE"):
        env.pop(key, None)
    env.update(_OVERLAY.get() or {})
    if extra:
        env.update(extra)
    return env


def config_from_env(key: str, env: Mapping[str, str] = os.environ) -> str | None:
    """What ``git config --get KEY`` answers when the environment sets KEY
    (``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``, as `proposal serve` sets user.email): that
    scope outranks every config file, and the last of several values wins. None: ask git
    (the key is not set there, or ``git -c`` settings, which come later, are in play)."""
    section, dot, name = key.rpartition(".")
    if not dot or "." in section or "GIT_CONFIG_PARAMETERS" in env:
        return None  # a subsection is case-sensitive: leave such keys to git
    try:
        count = int(env.get("GIT_CONFIG_COUNT", "0"))
    except ValueError:
        return None
    found = None
    for i in range(count):
        given, value = env.get(f"GIT_CONFIG_KEY_{i}"), env.get(f"GIT_CONFIG_VALUE_{i}")
        if given is None or value is None:
            return None  # git refuses the whole set: let it say what it says
        if given.lower() == key.lower():
            found = value
    return found


@contextlib.contextmanager
def objects_of_push(variables: Mapping[str, str]) -> Iterator[None]:
    """Let every git started in this thread or task see a pushed, still quarantined, pack
    (what git hands a pre-receive hook), without touching ``os.environ``: the server checks
    several pushes at once, each in its own thread."""
    token = _OVERLAY.set({k: v for k, v in variables.items() if k in QUARANTINE_VARS})
    try:
        yield
    finally:
        _OVERLAY.reset(token)


def run_git_bytes(
    args: Sequence[str],
    cwd: Path | str,
    *,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` in ``cwd`` and return the raw completed process."""
    try:
        full_env = git_env({**NOT_INTERACTIVE, **(env or {})})
        proc = subprocess.run(
            git_argv(args, full_env),
            cwd=str(cwd),
            env=full_env,
            input=input,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError as exc:  # git not installed, or cwd vanished
        raise GitError(f"cannot run git in {cwd}: {exc.strerror}") from None
    if check and proc.returncode != 0:
        raise git_failure(args, cwd, proc.returncode, proc.stderr.decode("utf-8", "replace"))
    return proc


def git_failure(args: Sequence[str], cwd: Path | str, code: int, stderr: str) -> GitError:
    """The one-line error for a git that exited with ``code``: git's own first line."""
    message = stderr.strip().splitlines()
    first = message[0] if message else f"exit status {code}"
    if "No space left on device" in stderr:
        return GitError(f"disk full: git {args[0]} could not write in {cwd} (no space left "
                        "on device); free some space and try again")
    if refused := _WRITE_REFUSED.search(stderr):
        return GitWriteRefused(f"cannot write in the repository {cwd} ({refused.group(0)}); "
                               "nothing was changed")
    return GitError(f"git {args[0]} failed: {first}")


class GitPipe:
    """A running ``git ARGS`` whose stdout is read as it arrives, and whose stdin (with
    ``feed``) the caller writes as it goes: a streamed ``git log``, a ``cat-file --batch``
    conversation. Same environment rule as :func:`run_git`.

    ``interactive``: the caller waits for each reply before asking again, so git must flush
    every record (``NOT_INTERACTIVE`` would leave a reply in git's buffer: a deadlock).
    ``capture_stderr``: keep stderr for :meth:`finish`; off for a long conversation whose
    stderr nobody reads (a full pipe would stall git).
    Use as a context manager, or call :meth:`finish`, which closes the pipes and waits.
    """

    def __init__(self, args: Sequence[str], cwd: Path | str, *, feed: bool = False,
                 interactive: bool = False, capture_stderr: bool = True) -> None:
        self.args = list(args)
        self.cwd = cwd
        self.returncode: int | None = None
        self.stderr = ""
        try:
            env = git_env(None if interactive else NOT_INTERACTIVE)
            self._proc = subprocess.Popen(
                git_argv(self.args, env), cwd=str(cwd), env=env,
                stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE if capture_stderr else subprocess.DEVNULL)
        except FileNotFoundError as exc:  # git not installed, or cwd vanished
            raise GitError(f"cannot run git in {cwd}: {exc.strerror}") from None

    @property
    def stdout(self) -> IO[bytes]:
        assert self._proc.stdout is not None
        return self._proc.stdout

    @property
    def stdin(self) -> IO[bytes]:
        if self._proc.stdin is None:
            raise ValueError("this git was started without feed=True")
        return self._proc.stdin

    def finish(self) -> int:
        """Close our ends, collect stderr, wait for git; returns (and keeps) its exit code."""
        if self.returncode is None:
            if self._proc.stdin is not None:
                with contextlib.suppress(OSError):
                    self._proc.stdin.close()
            self.stdout.close()
            if self._proc.stderr is not None:
                self.stderr = self._proc.stderr.read().decode("utf-8", "replace")
                self._proc.stderr.close()
            self.returncode = self._proc.wait()
        return self.returncode

    def check(self, *, tolerate: str = "") -> None:
        """Raise :class:`GitError` if git failed (unless its stderr says ``tolerate``)."""
        code = self.finish()
        if code != 0 and not (tolerate and tolerate in self.stderr):
            raise git_failure(self.args, self.cwd, code, self.stderr)

    def __enter__(self) -> GitPipe:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.finish()


def run_git(
    args: Sequence[str],
    cwd: Path | str,
    *,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    check: bool = True,
) -> str:
    """Run git and return its stdout decoded as UTF-8 (undecodable bytes replaced)."""
    proc = run_git_bytes(
        args, cwd, env=env, input=None if input is None else input.encode("utf-8"), check=check
    )
    return proc.stdout.decode("utf-8", "replace")


def read_objects(cwd: Path | str, names: Sequence[str], kind: bytes = b"blob"
                 ) -> dict[str, bytes]:
    """Object contents by name (an object id or ``REV:PATH``) from one ``git cat-file
    --batch``.

    Names that are missing or not of ``kind`` (blobs unless told) are left out of the result.
    """
    return {name: data for name, (found, data) in read_typed_objects(cwd, names).items()
            if found == kind}


def read_typed_objects(cwd: Path | str, names: Sequence[str]) -> dict[str, tuple[bytes, bytes]]:
    """(kind, contents) by name, of whatever kind each is, from one ``git cat-file --batch``;
    missing names are left out."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    out = run_git_bytes(["cat-file", "--batch"], cwd,
                        input="".join(f"{name}\n" for name in wanted).encode()).stdout
    objects: dict[str, tuple[bytes, bytes]] = {}
    pos = 0
    for name in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3:  # "<name> missing" or "<name> ambiguous": no content follows
            continue
        size = int(header[2])
        objects[name] = (header[1], out[pos:pos + size])
        pos += size + 1  # content is followed by a newline
    return objects


def exec_git(args: Sequence[str]) -> NoReturn:
    """Replace this process with ``git ARGS`` (same environment rule), for a session that
    git itself serves from here on."""
    os.execvpe("git", ["git", *args], git_env())
