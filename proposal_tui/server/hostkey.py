"""The server's host key: ed25519, made on first start, readable by its owner only."""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh


def default_path(env: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """``$XDG_STATE_HOME/proposal-tui/ssh_host_ed25519_key`` (~/.local/state by default)."""
    state = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "proposal-tui" / "ssh_host_ed25519_key"


def load_or_create(path: Path) -> asyncssh.SSHKey:
    """The key at ``path``; a new one written there (0600, never through a symlink) when
    there is none. A key others may read is refused: anyone could then pose as the server."""
    if path.is_symlink():
        raise ValueError(f"{path}: is a symbolic link; give the key file itself")
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519", comment="proposal serve")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key.export_private_key())
        public = path.with_name(path.name + ".pub")
        tmp = path.with_name(path.name + ".pub.tmp")
        tmp.unlink(missing_ok=True)
        tmp.write_bytes(key.export_public_key())
        tmp.replace(public)  # replaces a symlink there, never writes through it
        return key
    if path.stat().st_mode & 0o077:
        raise ValueError(f"{path}: the host key is readable by others (chmod 600 it)")
    return asyncssh.read_private_key(str(path))
