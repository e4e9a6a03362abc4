"""Helpers shared by the benchmarks: timing, a reusable synthetic repository, reporting."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synth import generate

CACHE = Path(os.environ.get("PROPOSAL_BENCH_CACHE", Path(tempfile.gettempdir()) /
                            "proposal-bench"))


def synthetic_repo(sections: int, commits: int, comments: int = 0, authors: int = 12,
                   fresh: bool = False) -> Path:
    """A generated repository, cached between runs (generation is the slow part)."""
    path = CACHE / f"s{sections}-c{commits}-e{comments}-a{authors}"
    if fresh and path.exists():
        shutil.rmtree(path)
    if not (path / ".git" / "HEAD").exists():
        if path.exists():
            shutil.rmtree(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        generate(path, sections, commits, authors, comments)
    shutil.rmtree(path / ".git" / "proposal-tui", ignore_errors=True)
    return path


def best_of_each(runs: int, *fns: Callable[[], object]) -> list[float]:
    """The best time of each, run in turns: on a shared machine whose speed drifts, figures
    that are divided by one another must be measured side by side, not one series after the
    other (a warm ratio of 1.21 measured in series was 0.92 in turns)."""
    best = [float("inf")] * len(fns)
    for _ in range(runs):
        for index, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}).stdout


def row(label: str, value: str) -> None:
    print(f"  {label:<44} {value}")


def proc_kib(pid: int, file: str, field: str) -> int:
    """A ``FIELD: N kB`` line of /proc/PID/FILE (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int, reaped: bool = False) -> float:
    """The process's own CPU time, or (``reaped``) that of the children it has waited for
    and theirs: for the fork server, every command it forked and the git they ran."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    first = 13 if reaped else 11  # cutime, cstime or utime, stime
    return (int(fields[first]) + int(fields[first + 1])) / os.sysconf("SC_CLK_TCK")
