"""The server's end of the pre-receive relay (store/hook_relay.py): a Unix socket in a
folder only the server's account may enter, and one-time tokens, each naming the served
repository and the person a receive-pack session was authenticated as."""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import tempfile
from pathlib import Path

from proposal_tui.services import serving
from proposal_tui.services.serving import ServedRepo

MAX_REQUEST = 16 * 1024 * 1024  # ref updates of a very large push, with room to spare


class PushChecks:
    """``await start()``, then ``token(repo, handle)`` per receive-pack session."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="proposal-serve-"))  # 0700
        self.socket = self.folder / "push.sock"
        self.hooks = serving.write_relay_hooks(self.folder / "hooks")
        self._tokens: dict[str, tuple[ServedRepo, str]] = {}
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_unix_server(self._answer, str(self.socket),
                                                       limit=MAX_REQUEST)

    def token(self, repo: ServedRepo, handle: str) -> str:
        token = secrets.token_urlsafe(32)
        self._tokens[token] = (repo, handle)
        return token

    def forget(self, token: str) -> None:
        self._tokens.pop(token, None)

    def env(self, token: str) -> dict[str, str]:
        return serving.relay_env(str(self.socket), token)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                request = json.loads(await reader.readline())
                holder = self._tokens.pop(str(request.get("token", "")), None)
            except (ValueError, AttributeError, asyncio.LimitOverrunError):
                holder, request = None, {}
            if holder is None:
                messages = ["refused: this push was not authenticated by the server"]
            else:
                repo, handle = holder
                messages = await asyncio.to_thread(
                    serving.check_relayed_push, repo, str(request.get("updates", "")),
                    {str(k): str(v) for k, v in dict(request.get("objects", {})).items()},
                    str(request.get("cwd", "")), handle)
            writer.write(json.dumps({"ok": not messages, "messages": messages}).encode()
                         + b"\n")
            await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        shutil.rmtree(self.folder, ignore_errors=True)
