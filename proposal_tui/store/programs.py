"""The programs other than git that proposal-tui starts: the user's editor, pandoc and
ssh-keygen (SSH signatures on records).

pandoc is the one shipped in the ``pypandoc-binary`` wheel (a dependency, so a fresh
``pip install`` has it and every machine converts with the same version, which Typst output
and page counts depend on); a pandoc on PATH is the fallback where no wheel was installable.

One named place for each, so the rules can be read in one screen and checked by one test
(tests/unit/test_one_way_in.py): an argument list, never a shell (``$EDITOR`` is split the way a
shell splits words, but ``;``, ``|`` or ``$(...)`` in it stay plain text); the file is
passed after the editor's own arguments as an absolute path (a name starting with ``-`` is
still a file); a program that cannot be started is a one-line :class:`ProposalError`.
It sits in store, beside git.py, because starting processes is the outside world, which
services reach only through store.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from proposal_tui.domain.errors import ProposalError

PANDOC_HELP = ("pandoc is not installed; md and html exports need nothing, docx, pdf and page "
               "counts need pandoc: 'pip install pypandoc-binary' (a dependency of "
               "proposal-tui), or 'sudo apt-get install pandoc' (Debian/Ubuntu), 'brew install "
               "pandoc' (macOS), 'winget install pandoc' (Windows)")
PANDOC_TIMEOUT = 300  # seconds; a long proposal's docx takes a few
T = TypeVar("T")


BACKGROUND_NICENESS = 10  # how much lower than the app the typesetting runs


def at_low_priority(work: Callable[[], T]) -> T:
    """``work()`` in a thread of its own at a lower CPU priority, waited for. On Linux the
    nice value is per thread, and what the thread starts inherits it (pandoc, the Typst
    compiler's threads), so typesetting yields the CPU to the UI thread on a busy machine
    (it doubled key-to-screen times at a load average of 10 without this). Elsewhere, or
    where the priority cannot change, it just runs."""
    outcome: list[Any] = []

    def lowered() -> None:
        try:
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid,  # type: ignore[attr-defined]
                           os.getpriority(os.PRIO_PROCESS, tid) + BACKGROUND_NICENESS)
        except (AttributeError, OSError):
            pass
        try:
            outcome.append((True, work()))
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            outcome.append((False, exc))

    thread = threading.Thread(target=lowered, name="low-priority", daemon=True)
    thread.start()
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


# --- the editor -------------------------------------------------------------------------------

def editor_command(env: Mapping[str, str]) -> list[str] | None:
    """``$VISUAL`` (else ``$EDITOR``) as an argument list, or None when neither is set.

    ``EDITOR="code --wait"`` is two words; quotes group words as in a shell. Nothing else a
    shell would do (``;``, pipes, ``$VAR``) happens: those characters are part of a word.
    """
    editor = env.get("VISUAL") or env.get("EDITOR")
    if not editor or not editor.strip():
        return None
    try:
        return shlex.split(editor)
    except ValueError as exc:  # an unbalanced quote
        raise ProposalError(f"$VISUAL/$EDITOR is not a command line ({exc}): "
                            f"{editor!r}") from None


def run_editor(command: list[str], target: Path) -> int:
    """Run the editor on ``target`` (absolute) in the foreground; returns its exit status.

    The caller hands it the terminal first (a TUI suspends itself).
    """
    if not target.is_absolute():
        raise ValueError(f"editor target must be absolute: {target}")
    try:
        return subprocess.call([*command, str(target)])
    except OSError as exc:
        raise ProposalError(f"could not run {command[0]}: {exc.strerror or exc}") from None


# --- pandoc -----------------------------------------------------------------------------------

def bundled_pandoc() -> str | None:
    """The pandoc inside the installed ``pypandoc-binary`` wheel (found without importing
    pypandoc, which would look for pandoc on its own), or None."""
    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for name in ("pandoc", "pandoc.exe"):
            path = Path(folder, "files", name)
            if path.is_file() and os.access(path, os.X_OK):
                return str(path)
    return None


def pandoc_path() -> str | None:
    """The bundled pandoc, else one on PATH."""
    return bundled_pandoc() or shutil.which("pandoc")


def convert(text: str, source: str, target: str, extra: tuple[str, ...] = (),
            timeout: float = PANDOC_TIMEOUT) -> str:
    """``text`` in pandoc's ``source`` format converted to ``target`` (text formats), with
    ``--sandbox`` (no file a section names is read: ``\\input``, ``.. include::``)."""
    pandoc = pandoc_path()
    if pandoc is None:
        raise ProposalError(PANDOC_HELP)
    with tempfile.TemporaryDirectory(prefix="proposal-pandoc-") as tmp:
        proc = _pandoc([pandoc, "--from", source, "--to", target, "--sandbox", "--wrap=none",
                        *extra], text, tmp, timeout=timeout)
    if proc.returncode != 0:
        said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ProposalError(f"pandoc failed: {said[-1] if said else proc.returncode}")
    return proc.stdout.decode("utf-8", "replace")


def read_docx(data: bytes, origin: str) -> str:
    """A Word file's bytes as pandoc JSON, comments and tracked changes kept as spans
    (``--track-changes=all``); ``origin`` names it in errors."""
    pandoc = pandoc_path()
    if pandoc is None:
        raise ProposalError(PANDOC_HELP)
    with tempfile.TemporaryDirectory(prefix="proposal-pandoc-") as tmp:
        proc = _pandoc([pandoc, "--from", "docx", "--to", "json", "--track-changes=all",
                        "--sandbox"], data, tmp)
    if proc.returncode != 0:
        said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ProposalError(f"not a Word file pandoc can read: "
                            f"{said[-1] if said else proc.returncode}", origin)
    return proc.stdout.decode("utf-8", "replace")


def run_pandoc(markdown: str, fmt: str, source: str = "markdown-raw_html-raw_tex-raw_attribute"
               ) -> bytes:
    """docx bytes from our Markdown; raw HTML/TeX in sections is not interpreted.
    (``source``: the reader, with extensions, e.g. for the comment spans of a review copy.)"""
    pandoc = pandoc_path()
    if pandoc is None:
        raise ProposalError(PANDOC_HELP)
    args = [pandoc, "--from", source, "--toc",
            "--standalone", "--sandbox"]
    with tempfile.TemporaryDirectory(prefix="proposal-export-") as tmp:
        target = Path(tmp, f"out.{fmt}")
        proc = _pandoc([*args, "--output", str(target)], markdown, tmp)
        # pandoc < 2.15 has no --sandbox, and 2.17's sandbox cannot read its own docx
        # template: retry without it (images are already reduced to their alt text).
        if proc.returncode != 0 and (b"sandbox" in proc.stderr or
                                     b"Could not find data file" in proc.stderr):
            proc = _pandoc([a for a in args if a != "--sandbox"] + ["--output", str(target)],
                           markdown, tmp)
        if proc.returncode != 0 or not target.exists():
            said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ProposalError(f"pandoc failed: {said[-1] if said else proc.returncode}")
        return target.read_bytes()


LATEX_TIMEOUT = 60  # seconds for one section; past that the export shows its source
# Pandoc's Markdown, without what only pandoc reads ({#id} attributes, ::: divs, raw TeX or
# HTML, ~sub~, "--" for a dash): the HTML export renders it as CommonMark too. Citations
# stay visible as [@key].
LATEX_MARKDOWN = "-".join(("markdown", "raw_html", "raw_tex", "raw_attribute", "fenced_divs",
                           "bracketed_spans", "native_divs", "native_spans", "header_attributes",
                           "link_attributes", "fenced_code_attributes",
                           "inline_code_attributes", "subscript", "superscript", "smart"))


def latex_to_markdown(latex: str) -> str | None:
    """A LaTeX section as Markdown (:data:`LATEX_MARKDOWN`), or None when pandoc is missing or
    cannot read it: the export then shows the source. Sandboxed like every :func:`convert`."""
    try:
        return convert(latex, "latex", LATEX_MARKDOWN, timeout=LATEX_TIMEOUT)
    except ProposalError:
        return None


def _pandoc(argv: list[str], given: str | bytes, cwd: str, timeout: float = PANDOC_TIMEOUT
            ) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(argv, input=given.encode() if isinstance(given, str) else given,
                              capture_output=True, timeout=timeout, cwd=cwd,
                              env={**os.environ, "LC_ALL": "C.UTF-8"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProposalError(f"pandoc failed: {exc}") from None


# --- ssh-keygen -------------------------------------------------------------------------------

SSH_KEYGEN_TIMEOUT = 30  # seconds; signing with a key file takes a few milliseconds


def _ssh_keygen(args: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["ssh-keygen", *args], input=data, capture_output=True,
                              timeout=SSH_KEYGEN_TIMEOUT, env={**os.environ, "LC_ALL": "C"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProposalError(f"could not run ssh-keygen: {exc}") from None


def ssh_sign(key: Path, data: bytes, namespace: str) -> bytes:
    """An armored SSH signature (``ssh-keygen -Y sign``) of ``data`` with the private key at
    ``key`` (an absolute path, so it is never read as an option)."""
    if not key.is_absolute():
        raise ValueError(f"signing key path must be absolute: {key}")
    proc = _ssh_keygen(["-q", "-Y", "sign", "-n", namespace, "-f", str(key)], data)
    if proc.returncode != 0 or b"BEGIN SSH SIGNATURE" not in proc.stdout:
        said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ProposalError(f"ssh-keygen could not sign with {key}: "
                            f"{said[-1] if said else proc.returncode}")
    return proc.stdout


def ssh_check(signature: bytes, data: bytes, namespace: str) -> bool:
    """Whether ``signature`` is a good signature of ``data`` in ``namespace`` by the key it
    names (``ssh-keygen -Y check-novalidate``; who that key belongs to is the caller's
    question)."""
    with tempfile.TemporaryDirectory(prefix="proposal-sig-") as tmp:
        sig = Path(tmp, "record.sig")
        sig.write_bytes(signature)
        proc = _ssh_keygen(["-Y", "check-novalidate", "-n", namespace, "-s", str(sig)], data)
    return proc.returncode == 0
