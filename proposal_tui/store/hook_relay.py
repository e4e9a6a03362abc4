"""The pre-receive hook `proposal serve` gives ``git receive-pack``: a relay, not a judge.

git runs a hook as a process, but who is pushing is known only to the server (it checked the
SSH key), and an environment variable naming them could be forged by anything that sets the
environment. So this hook decides nothing: it hands the ref updates, the quarantine
variables (where the pushed objects wait) and the one-time token the server put in
receive-pack's environment to the server over its Unix socket, and relays the answer. The
server runs the role checks (store/hook.py ``check_push``) in its own process, with the
person it authenticated; an unknown or reused token, or no answer, is a refusal.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import sys
from pathlib import Path

from proposal_tui.store.git import QUARANTINE_VARS

SOCKET_VAR = "PROPOSAL_HOOK_SOCKET"
TOKEN_VAR = "PROPOSAL_HOOK_TOKEN"
TIMEOUT = 300.0  # seconds: a big push checked on a busy server

SCRIPT = """#!/bin/sh
# proposal serve: relays this push to the server, which checks it (proposal_tui.store.hook_relay)
exec {python} -m proposal_tui.store.hook_relay
"""


def write_hooks(folder: Path, python: str | None = None) -> Path:
    """The server's own hooks folder (``core.hooksPath`` of its receive-packs): a
    pre-receive relay and nothing else, readable and runnable by the server's account only."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    quoted = "'" + (python or sys.executable).replace("'", "'\\''") + "'"
    path = folder / "pre-receive"
    tmp = folder / "pre-receive.tmp"
    tmp.write_text(SCRIPT.format(python=quoted), encoding="utf-8")
    tmp.chmod(stat.S_IRWXU)
    tmp.replace(path)
    return folder


def check_quarantined_push(git_dir: Path, updates: list[tuple[str, str, str]],
                           objects: dict[str, str], pusher: str) -> list[str]:
    """The server's half: store/hook.py's checks for ``pusher``, every git they start
    seeing the pushed objects where receive-pack keeps them until the hook says yes."""
    from proposal_tui.store.git import objects_of_push
    from proposal_tui.store.hook import check_push

    with objects_of_push(objects):
        return check_push(git_dir, updates, {}, pusher=pusher)


def ask(request: dict[str, object], path: str, timeout: float = TIMEOUT) -> dict[str, object]:
    """One JSON line out, one JSON line back."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(path)
        sock.sendall(json.dumps(request).encode() + b"\n")
        sock.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    answer = json.loads(reply.decode("utf-8"))
    if not isinstance(answer, dict):
        raise ValueError("not an object")
    return answer


def main() -> int:
    updates = sys.stdin.buffer.read().decode("utf-8", "replace")
    path, token = os.environ.get(SOCKET_VAR, ""), os.environ.get(TOKEN_VAR, "")
    request = {"token": token, "updates": updates, "cwd": os.getcwd(),
               "objects": {k: os.environ[k] for k in QUARANTINE_VARS if k in os.environ}}
    try:
        answer = ask(request, path)
        messages = [str(m) for m in answer.get("messages", [])]  # type: ignore[union-attr]
        ok = answer.get("ok") is True
    except (OSError, ValueError) as exc:
        messages, ok = [f"refused: the server's check did not answer ({exc})"], False
    for message in messages:
        print(f"proposal: {message}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
