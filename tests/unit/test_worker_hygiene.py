"""A lane's worker (store/zygote.py) runs its person's next command only when the last one
left nothing behind: each case runs a fresh Python that, like a worker, holds only its end
of the socket to the zygote, leaves one thing over, then asks ``_clean_after`` (which puts
/dev/null over stdin, stdout and stderr: the answer comes back as the exit status)."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import os, socket, subprocess, sys, threading, time
from proposal_tui.store import zygote
ours, theirs = socket.socketpair()
ours.close()
{leftover}
os._exit(10 if zygote._clean_after(theirs.fileno(), 1) else 11)
"""


def _kept_after(leftover: str) -> bool:
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(leftover=leftover)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode in (10, 11), done.stderr
    return done.returncode == 10


def test_a_clean_command_keeps_its_worker() -> None:
    assert _kept_after("print('what the command said'); open(os.devnull).close()")


@pytest.mark.parametrize("leftover", [
    "threading.Thread(target=time.sleep, args=(5,), daemon=True).start()",
    "subprocess.Popen(['sleep', '5'])",
    "child = subprocess.Popen(['true']); time.sleep(0.5)",  # ended, never waited for
    "kept = open(os.devnull)",
    "kept = socket.socket()",
    "zygote.MAX_JOBS = 1",
    "zygote.MAX_RSS_KIB = 1024",  # a Python with the zygote's imports holds more than 1 MB
])
def test_anything_left_over_lets_the_worker_go(leftover: str) -> None:
    assert not _kept_after(leftover)


def test_the_memory_cap_looks_at_what_the_worker_holds_now() -> None:
    """A process started by a large one inherits its peak as ``ru_maxrss`` (a pytest worker
    late in the suite is past the cap): the cap must look at what the worker holds now."""
    large = bytearray(300 * 1024 * 1024)
    large[::4096] = b"x" * len(large[::4096])  # resident, not just reserved
    try:
        assert _kept_after("pass")
    finally:
        del large
