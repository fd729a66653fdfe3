"""A minimal JSON-RPC client over the server's stdio, for what pytest-lsp's client will
not send: requests before `initialize`, a second `initialize`, `exit` without
`shutdown`, raw `null`s, closing stdin mid-run. It records every message the server
sends and answers the server's requests with `handlers` (default: `null`)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

Handler = Callable[[Any], Any]


def _null(params: Any) -> None:
    """The answer to a request nobody set a handler for."""
    return None


# What a client that declares nothing beyond the basics sends: no window, no workspace
# edits, no dynamic registration, no experimental options.
BASIC_CAPABILITIES: dict[str, Any] = {
    "textDocument": {"synchronization": {"didSave": True}},
}


def frame(message: dict[str, Any]) -> bytes:
    """`message` as LSP's base protocol sends it (`jsonrpc` added)."""
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class RawClient:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.received: list[dict[str, Any]] = []
        self.handlers: dict[str, Handler | None] = {}
        """Answers to the server's requests by method; None answers MethodNotFound."""
        self._ids = itertools.count(1)
        self._waiting: dict[int | str, asyncio.Future[dict[str, Any]]] = {}
        self._arrived = asyncio.Event()
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def start(
        cls,
        workspace: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        command: list[str] | None = None,
    ) -> RawClient:
        """`python -m orchestra_lsp.lsp --workspace WORKSPACE`, or `command`."""
        process = await asyncio.create_subprocess_exec(
            *(
                command
                or [sys.executable, "-m", "orchestra_lsp.lsp", "--workspace", str(workspace)]
            ),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "ORCHESTRA_TEST": "1", **(env or {})},
            cwd=cwd,
            limit=2**24,
        )
        return cls(process)

    # -- sending -----------------------------------------------------------------------

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(frame(message))

    def send_bytes(self, data: bytes) -> None:
        """`data` in one write, as it is (several messages, or bytes that are none)."""
        assert self.process.stdin is not None
        self.process.stdin.write(data)

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"method": method, "params": params})

    async def request(self, method: str, params: Any = None, timeout: float = 20) -> dict[str, Any]:
        """The whole response: `{"id", "result"}` or `{"id", "error"}`."""
        msg_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[msg_id] = future
        self.send({"id": msg_id, "method": method, "params": params})
        return await asyncio.wait_for(future, timeout)

    async def initialize(
        self,
        root: Path | str | None,
        capabilities: dict[str, Any] | None = None,
        folders: list[Path] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """`initialize` then `initialized`; returns the InitializeResult."""
        root_uri = root.as_uri() if isinstance(root, Path) else root
        params: dict[str, Any] = {
            "processId": os.getpid(),
            "rootUri": root_uri,
            "capabilities": BASIC_CAPABILITIES if capabilities is None else capabilities,
            **extra,
        }
        if folders is not None:
            params["workspaceFolders"] = [{"uri": f.as_uri(), "name": f.name} for f in folders]
        answer = await self.request("initialize", params)
        assert "result" in answer, answer
        self.notify("initialized", {})
        return dict(answer["result"])

    async def close(self) -> int:
        """`shutdown` and `exit`; the exit code."""
        with contextlib.suppress(Exception):
            await self.request("shutdown", None, timeout=10)
            self.notify("exit")
        return await self.wait_exit()

    async def wait_exit(self, timeout: float = 15) -> int:
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise

    async def stderr(self) -> str:
        assert self.process.stderr is not None
        return (await self.process.stderr.read()).decode(errors="replace")

    # -- receiving ---------------------------------------------------------------------

    def responses(self, msg_id: int | str) -> list[dict[str, Any]]:
        """Every answer received to the request `msg_id` (one, or the server erred)."""
        return [m for m in self.received if m.get("id") == msg_id and "method" not in m]

    async def response(self, msg_id: int | str, timeout: float = 20) -> dict[str, Any]:
        """The answer to a request sent with `send_bytes`."""

        async def find() -> dict[str, Any]:
            while not (found := self.responses(msg_id)):
                self._arrived.clear()
                await self._arrived.wait()
            return found[0]

        return await asyncio.wait_for(find(), timeout)

    def notifications(self, method: str) -> list[Any]:
        return [
            m.get("params") for m in self.received if m.get("method") == method and "id" not in m
        ]

    def requests(self, method: str) -> list[Any]:
        return [m.get("params") for m in self.received if m.get("method") == method and "id" in m]

    async def wait_for(
        self, method: str, match: Callable[[Any], bool] = lambda _: True, timeout: float = 20
    ) -> Any:
        """The first message of `method` (request or notification) whose params match."""

        async def find() -> Any:
            while True:
                for message in self.received:
                    if message.get("method") == method and match(message.get("params")):
                        return message.get("params")
                self._arrived.clear()
                await self._arrived.wait()

        return await asyncio.wait_for(find(), timeout)

    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            length = 0
            while True:
                line = await stdout.readline()
                if not line:
                    return
                if line == b"\r\n":
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(await stdout.readexactly(length))
            self.received.append(message)
            self._arrived.set()
            if "method" in message and "id" in message:
                handler: Handler | None = self.handlers.get(message["method"], _null)
                if handler is None:
                    error = {"code": -32601, "message": f"{message['method']} not supported"}
                    self.send({"id": message["id"], "error": error})
                else:
                    self.send({"id": message["id"], "result": handler(message.get("params"))})
            elif "id" in message and message["id"] in self._waiting:
                self._waiting.pop(message["id"]).set_result(message)
