"""SSH keys for tests, made by the real ssh-keygen."""

from __future__ import annotations

import subprocess
from pathlib import Path


def keygen(folder: Path, name: str, kind: str = "ed25519") -> Path:
    """A new passphrase-less key pair ``folder/name`` (+ ``.pub``); returns the private key."""
    path = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", f"{name}@laptop",
                    "-f", str(path)], check=True)
    return path


def fingerprint(pub: Path) -> str:
    """The key's SHA256 fingerprint as ssh-keygen prints it."""
    return subprocess.run(["ssh-keygen", "-lf", str(pub)], capture_output=True, text=True,
                          check=True).stdout.split()[1]
