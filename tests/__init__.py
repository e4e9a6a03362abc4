"""The test suite, split by what the tests drive: unit/, git/, cli/, tui/, faults/, ssh/,
bench/ and packaging/ (each folder's __init__ says what belongs there). Helpers that are not
tests sit here at the top: command.py (run `proposal`), fixtures.py, gitutil.py, hostile.py,
sshd.py and data/."""

from __future__ import annotations

from pathlib import Path

# The checkout: the first folder above this one holding pyproject.toml, wherever a test sits.
ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
TEST_DATA = Path(__file__).resolve().parent / "data"
