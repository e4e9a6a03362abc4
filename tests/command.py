"""Run the real `proposal` command in a separate process, as a user's script would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NOW = "2026-12-02T09:00:00-05:00"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
        input: str | None = None, now: str | None = NOW) -> Result:
    full_env = dict(os.environ)
    full_env.pop("PROPOSAL_USER", None)
    if now:
        full_env["PROPOSAL_NOW"] = now
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "proposal_tui", *args], cwd=cwd,
                          env=full_env, input=input, capture_output=True, text=True,
                          timeout=120)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def assert_clean_error(result: Result, code: int = 2, *needles: str) -> None:
    """One line on stderr, naming what is wrong, no traceback, the right exit code."""
    assert result.code == code, (result.code, result.out, result.err)
    assert "Traceback" not in result.err
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, result.err
    for needle in needles:
        assert needle in lines[0], lines[0]
