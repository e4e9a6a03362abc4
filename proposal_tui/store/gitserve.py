"""Hand an SSH session over to git's own pack service (for the gate's forced command)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

from proposal_tui.store.git import git_env

PACK_SERVICES = {"git-upload-pack": "upload-pack", "git-receive-pack": "receive-pack"}


def serve_pack(command: str, git_dir: Path) -> NoReturn:
    """Replace this process with ``git upload-pack|receive-pack GIT_DIR`` on the session's
    stdin and stdout; the path is the gate's own repository, never the client's text."""
    service = PACK_SERVICES[command]
    os.execvpe("git", ["git", service, str(git_dir)], git_env())
