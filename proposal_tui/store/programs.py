"""The programs other than git that proposal-tui starts: the user's editor, pandoc and
ssh-keygen (SSH signatures on records).

One named place for each, so the rules can be read in one screen and checked by one test
(tests/unit/test_one_way_in.py): an argument list, never a shell (``$EDITOR`` is split the way a
shell splits words, but ``;``, ``|`` or ``$(...)`` in it stay plain text); the file is
passed after the editor's own arguments as an absolute path (a name starting with ``-`` is
still a file); a program that cannot be started is a one-line :class:`ProposalError`.
It sits in store, beside git.py, because starting processes is the outside world, which
services reach only through store.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from proposal_tui.domain.errors import ProposalError

PANDOC_HELP = ("pandoc is not installed; md and html exports need nothing, docx and pdf need "
               "pandoc: 'sudo apt-get install pandoc' (Debian/Ubuntu), 'brew install pandoc' "
               "(macOS), 'winget install pandoc' (Windows) or https://pandoc.org/installing.html")
PDF_ENGINES = ("pdflatex", "xelatex", "lualatex", "wkhtmltopdf", "weasyprint", "typst")
PDF_ENGINE_HELP = ("pdf export needs a PDF engine for pandoc and none was found (tried "
                   + ", ".join(PDF_ENGINES) + "): 'sudo apt-get install texlive-latex-recommended"
                   "' (Debian/Ubuntu) or 'brew install --cask basictex' (macOS); or export docx "
                   "or html and print that to PDF")
PANDOC_TIMEOUT = 300  # seconds; a pdf of a long proposal through LaTeX takes a while


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

def pandoc_path() -> str | None:
    return shutil.which("pandoc")


def pdf_engine() -> str | None:
    return next((e for e in PDF_ENGINES if shutil.which(e)), None)


def run_pandoc(markdown: str, fmt: str) -> bytes:
    """docx or pdf bytes from our Markdown; raw HTML/TeX in sections is not interpreted."""
    pandoc = pandoc_path()
    if pandoc is None:
        raise ProposalError(PANDOC_HELP)
    args = [pandoc, "--from", "markdown-raw_html-raw_tex-raw_attribute", "--toc",
            "--standalone", "--sandbox"]
    if fmt == "pdf":
        engine = pdf_engine()
        if engine is None:
            raise ProposalError(PDF_ENGINE_HELP)
        args.append(f"--pdf-engine={engine}")
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
    """A LaTeX section as Markdown (:data:`LATEX_MARKDOWN`), or None when pandoc is missing,
    has no ``--sandbox`` (pandoc < 2.15) or cannot read it: the export then shows the source.
    Only sandboxed: ``\\input{/etc/passwd}`` and ``\\include`` must read no file of the
    machine running the export."""
    pandoc = pandoc_path()
    if pandoc is None:
        return None
    with tempfile.TemporaryDirectory(prefix="proposal-latex-") as tmp:
        try:
            proc = _pandoc([pandoc, "--sandbox", "--from", "latex", "--to", LATEX_MARKDOWN,
                            "--wrap=none"], latex, tmp, timeout=LATEX_TIMEOUT)
        except ProposalError:
            return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace")


def _pandoc(argv: list[str], markdown: str, cwd: str, timeout: float = PANDOC_TIMEOUT
            ) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(argv, input=markdown.encode(), capture_output=True,
                              timeout=timeout, cwd=cwd,
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
