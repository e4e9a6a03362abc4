"""Every benchmark runs once at a small size, so none of them can rot unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import ROOT

BENCHMARKS = sorted((ROOT / "benchmarks").glob("bench_*.py"))


@pytest.mark.parametrize("script", BENCHMARKS, ids=[p.stem for p in BENCHMARKS])
def test_benchmark_runs_small(script: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PROPOSAL_BENCH_CACHE": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, str(script), "--small"], capture_output=True,
                          text=True, timeout=600, env=env, cwd=script.parent)
    assert proc.returncode == 0, proc.stderr
    assert any(ch.isdigit() for ch in proc.stdout), proc.stdout
    assert "Traceback" not in proc.stderr
    if script.stem == "bench_scale":  # the test extra installs GitPython: no silent skip here
        assert "naive / cold" in proc.stdout, proc.stdout
    if script.stem == "bench_library":  # the retrieval figures come from the shipped samples
        assert "mean reciprocal rank" in proc.stdout, proc.stdout
