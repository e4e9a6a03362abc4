"""One way in for every process we start: git only through store/git.py, the editor and
pandoc only through store/programs.py. Read from the source (ast), so a new
``import subprocess`` anywhere else fails here with the module's name."""

from __future__ import annotations

import ast

from tests import ROOT

PACKAGE = ROOT / "proposal_tui"
# The only modules that may start a process, and what each starts.
ALLOWED = {"store/git.py": "git", "store/programs.py": "the editor and pandoc",
           "store/sessions.py": "the processes of `proposal serve`'s SSH sessions",
           "store/zygote.py": "`proposal serve`'s fork server: one child per SSH command"}
PROCESS_MODULES = {"subprocess", "pty", "multiprocessing", "pexpect"}
PROCESS_CALLS = {
    "os": {"system", "popen", "fork", "forkpty", "execl", "execle", "execlp", "execlpe",
           "execv", "execve", "execvp", "execvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe",
           "spawnv", "spawnve", "spawnvp", "spawnvpe", "posix_spawn", "posix_spawnp"},
    "asyncio": {"create_subprocess_exec", "create_subprocess_shell"},
}
# Only store/ may hold a git command line: anything else asks a store function.
GIT_DOOR = "proposal_tui.store.git"
ERRORS_ONLY = {"GitError"}


def process_starts(source: str) -> list[str]:
    """Each way ``source`` could start a process, as 'line N: what'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            found += [f"line {line}: import {a.name}" for a in node.names
                      if a.name.split(".")[0] in PROCESS_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top = node.module.split(".")[0]
            if top in PROCESS_MODULES:
                found.append(f"line {line}: from {node.module} import ...")
            found += [f"line {line}: from {top} import {a.name}" for a in node.names
                      if a.name in PROCESS_CALLS.get(top, set())]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                node.attr in PROCESS_CALLS.get(node.value.id, set()):
            found.append(f"line {line}: {node.value.id}.{node.attr}")
        elif isinstance(node, ast.keyword) and node.arg == "shell" and not (
                isinstance(node.value, ast.Constant) and node.value.value is False):
            found.append(f"line {line}: shell= (never a shell)")
    return found


def git_door_users(source: str) -> list[str]:
    """Uses of store/git.py's process starters (run_git, GitPipe, ...); its error type is
    fine to catch anywhere."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == GIT_DOOR:
            found += [f"line {node.lineno}: imports {a.name} from {GIT_DOOR}"
                      for a in node.names if a.name not in ERRORS_ONLY]
        elif isinstance(node, ast.ImportFrom) and node.module == "proposal_tui.store" and \
                any(a.name == "git" for a in node.names) or \
                isinstance(node, ast.Import) and any(a.name == GIT_DOOR for a in node.names):
            found.append(f"line {node.lineno}: imports {GIT_DOOR}")
    return found


def _modules() -> list[tuple[str, str]]:
    return [(path.relative_to(PACKAGE).as_posix(), path.read_text(encoding="utf-8"))
            for path in sorted(PACKAGE.rglob("*.py"))]


def test_only_the_named_places_start_processes() -> None:
    violations = [f"proposal_tui/{name} {what}: only {', '.join(ALLOWED)} may start a "
                  "process; call them instead"
                  for name, source in _modules() if name not in ALLOWED
                  for what in process_starts(source)]
    assert violations == [], "\n".join(violations)


def test_only_store_builds_git_command_lines() -> None:
    violations = [f"proposal_tui/{name} {what}: git command lines belong in store/; "
                  "add a store function and call that"
                  for name, source in _modules() if not name.startswith("store/")
                  for what in git_door_users(source)]
    assert violations == [], "\n".join(violations)


def test_the_allowed_places_exist_and_do_start_processes() -> None:
    """A rename must update ALLOWED, not leave it naming nothing."""
    sources = dict(_modules())
    for name in ALLOWED:
        assert process_starts(sources[name]), f"{name} no longer starts anything"


def test_the_checker_catches_each_way() -> None:
    cases = {
        "import subprocess": "import subprocess",
        "import subprocess as sp": "import subprocess",
        "from subprocess import run": "from subprocess import",
        "import os\nos.system('ls')": "os.system",
        "import os\nos.popen('ls')": "os.popen",
        "import os\nos.execvp('ls', ['ls'])": "os.execvp",
        "from os import system": "from os import system",
        "import pty\npty.spawn('sh')": "import pty",
        "import asyncio\nasyncio.create_subprocess_shell('ls')":
            "asyncio.create_subprocess_shell",
        "run(['ls'], shell=True)": "shell=",
    }
    for source, expected in cases.items():
        found = process_starts(source)
        assert any(expected in f for f in found), (source, found)
    assert process_starts("import os\nos.path.join('a')\nrun(['ls'], shell=False)") == []
    assert git_door_users("from proposal_tui.store.git import run_git") != []
    assert git_door_users("from proposal_tui.store import git") != []
    assert git_door_users("from proposal_tui.store.git import GitError, GitPipe") == [
        f"line 1: imports GitPipe from {GIT_DOOR}"]
    assert git_door_users("from proposal_tui.store.git import GitError") == []
    assert git_door_users("from proposal_tui.store.commits import is_ancestor") == []
