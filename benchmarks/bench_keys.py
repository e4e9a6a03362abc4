"""What one arrow key costs a dashboard on a real terminal: its CPU, and the wait for the
first bytes of the screen update it causes.

The demo proposal is opened as `proposal --as helen` (a reviewer) on a pty of 120x40, as a
person's terminal or `proposal serve` would give it; after the first paint and a pause,
the cursor moves down three rows and up three, again and again, one key every 0.3 s. The
CPU is the whole process's (every thread, from /proc), over the keys, divided by their
number: what fifty such dashboards on one machine each spend per key (bench_ssh.py runs
those, over SSH).

Usage: python benchmarks/bench_keys.py [--small] [--keys N]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from common import cpu_seconds, median, percentile, row

KEYS = [b"\x1b[B"] * 3 + [b"\x1b[A"] * 3
PACE = 0.3  # seconds between keys: every update is over before the next key


def drain(fd: int, seconds: float) -> bytes:
    """Read what the dashboard writes for ``seconds``."""
    got, end = b"", time.perf_counter() + seconds
    while (left := end - time.perf_counter()) > 0:
        if select.select([fd], [], [], left)[0]:
            try:
                got += os.read(fd, 65536)
            except OSError:
                break
    return got


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="12 keys, for the test suite")
    parser.add_argument("--keys", type=int)
    args = parser.parse_args()
    keys = args.keys or (12 if args.small else 60)
    repo = Path(tempfile.mkdtemp()) / "demo"
    subprocess.run([sys.executable, "-m", "proposal_tui", "demo", str(repo)], check=True,
                   capture_output=True)
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, [sys.executable, "-m", "proposal_tui", "--repo", str(repo),
                                  "--as", "helen"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    try:
        screen, began = b"", time.perf_counter()
        while b"helen" not in screen and time.perf_counter() - began < 60:
            screen += drain(fd, 0.2)
        drain(fd, 3.0)  # the first paint's follow-up work and the page counts
        waits, before = [], cpu_seconds(pid)
        for number in range(keys):
            sent = time.perf_counter()
            os.write(fd, KEYS[number % len(KEYS)])
            if select.select([fd], [], [], 5)[0]:
                waits.append(time.perf_counter() - sent)
            drain(fd, max(0.0, sent + PACE - time.perf_counter()))
        spent = cpu_seconds(pid) - before
    finally:
        os.kill(pid, signal.SIGTERM)
        drain(fd, 0.5)
        os.waitpid(pid, 0)
    print(f"one dashboard on a pty (120x40), the demo proposal, {keys} arrow keys "
          f"{PACE:g} s apart")
    row("CPU per key (the whole process)", f"{spent / keys * 1000:8.1f} ms")
    row("key -> first screen bytes, median", f"{median(waits) * 1000:8.1f} ms")
    row("key -> first screen bytes, p95", f"{percentile(waits, 0.95) * 1000:8.1f} ms")
    row("keys with no update in 5 s", f"{keys - len(waits):8d}")
    return 0 if len(waits) == keys else 1


if __name__ == "__main__":
    raise SystemExit(main())
