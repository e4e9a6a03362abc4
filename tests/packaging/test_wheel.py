"""The slow packaging test: a wheel built from the checkout works on its own.

Builds the wheel from a copy of the sources (so the checkout gets no build/ or egg-info),
installs it into a fresh venv (its dependencies come from the package registry, through pip's
cache), then runs the installed `proposal` from a folder outside the checkout with no
PYTHONPATH: `proposal demo` needs the sample proposals to ship as package data, `status` and
`status --json` need every runtime dependency declared. Takes a minute or more on a cold pip
cache; deselect with `-m "not packaging"`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests import ROOT

SAMPLE = ROOT / "proposal_tui" / "samples" / "transit-rfp"

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(1200)]


def _run(args: list[str], cwd: Path, env: dict[str, str],
         timeout: float = 900) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _clean_env() -> dict[str, str]:
    """No way back into the checkout: no PYTHONPATH, no sample redirection, no venv of ours."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PROPOSAL_SAMPLES", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh venv holding only the wheel and its dependencies."""
    base = tmp_path_factory.mktemp("wheel")
    env = _clean_env()
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "proposal_tui", source / "proposal_tui",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist),
          str(source)], base, env)
    wheels = list(dist.glob("proposal_tui-*.whl"))
    assert len(wheels) == 1, wheels
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], base, env)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheels[0])],
         base, env)
    return venv / "bin"


def test_installed_wheel_builds_a_demo_and_reports_its_status(installed: Path,
                                                              tmp_path: Path) -> None:
    env = _clean_env()
    outside = tmp_path / "elsewhere"  # not the checkout: nothing importable from here
    outside.mkdir()
    where = _run([str(installed / "python"), "-c",
                  "import proposal_tui; print(proposal_tui.__file__)"], outside, env)
    assert Path(where.stdout.strip()).is_relative_to(installed.parent), where.stdout
    assert not Path(where.stdout.strip()).is_relative_to(ROOT)

    demo = tmp_path / "demo"
    _run([str(installed / "proposal"), "demo", str(demo)], outside, env)
    expected = tomllib.loads((SAMPLE / "proposal.toml").read_text("utf-8"))
    for section in expected["sections"]:
        assert (demo / section["file"]).read_text("utf-8") == \
            (SAMPLE / section["file"]).read_text("utf-8"), section["file"]

    status = _run([str(installed / "proposal"), "--repo", str(demo), "status"], outside, env)
    assert expected["proposal"]["title"] in status.stdout
    for section in expected["sections"]:
        assert section["id"] in status.stdout, section["id"]

    data = json.loads(_run([str(installed / "proposal"), "--repo", str(demo), "status",
                            "--json"], outside, env).stdout)
    assert data["proposal"]["title"] == expected["proposal"]["title"]
    assert [s["id"] for s in data["sections"]] == [s["id"] for s in expected["sections"]]
    assert sum(s["words"] for s in data["sections"]) > 1000

    ics = _run([str(installed / "proposal"), "--repo", str(demo), "ics"], outside, env)
    assert ics.stdout.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in ics.stdout
    html = _run([str(installed / "proposal"), "--repo", str(demo), "export", "--format",
                 "html"], outside, env)
    assert "<h2>1. Executive Summary</h2>" in html.stdout and "<p>" in html.stdout


def test_installed_wheel_builds_the_other_sample(installed: Path, tmp_path: Path) -> None:
    """Every sample ships, whatever its files' markup (.tex, .rst, .txt), and typesets."""
    env = _clean_env()
    demo = tmp_path / "grant"
    _run([str(installed / "proposal"), "demo", "--sample", "nsf-grant", str(demo)], tmp_path,
         env)
    assert (demo / "sections" / "project-description.tex").is_file()
    assert (demo / "sections" / "data-management-plan.rst").is_file()
    assert (demo / "sections" / "budget-justification.txt").is_file()
    # a PDF, a docx and page counts with nothing but the wheel's dependencies (pandoc from
    # pypandoc-binary, the Typst compiler from typst)
    for out in (tmp_path / "grant.pdf", tmp_path / "grant.docx"):
        _run([str(installed / "proposal"), "--repo", str(demo), "export", "-o", str(out)],
             tmp_path, env)
        assert out.read_bytes()[:4] in (b"%PDF", b"PK\x03\x04"), out
    pages = json.loads(_run([str(installed / "proposal"), "--repo", str(demo), "pages",
                             "--json"], tmp_path, env).stdout)
    assert pages["profile"] == "nsf"
    assert all(s["pages"] is not None for s in pages["sections"]), pages["sections"]
