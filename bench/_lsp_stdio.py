"""A minimal LSP client over a subprocess's stdio, for the language-server benchmarks.

No pygls on the client side: the figures then measure the servers, not a client.
"""

from __future__ import annotations

import asyncio
import compileall
import json
import time
from pathlib import Path
from typing import Any


def compile_bytecode() -> None:
    """Write Orchestra's bytecode (`__pycache__`), as pip did for the peers' packages at
    install: an editable install under PYTHONDONTWRITEBYTECODE=1 would otherwise compile
    every module at every start, which no installed server does."""
    import orchestra_lsp

    compileall.compile_dir(Path(orchestra_lsp.__file__).parent, quiet=1)


class StdioClient:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self._next = 0
        self.notifications: list[dict[str, Any]] = []

    @classmethod
    async def spawn(
        cls, *command: str, cwd: str | None = None, env: dict[str, str] | None = None
    ) -> StdioClient:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            cwd=cwd,
            env=env,
        )
        return cls(process)

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def request(self, method: str, params: Any) -> Any:
        """Send a request and read until its answer; server requests get a null result."""
        self._next += 1
        ident = self._next
        self.send({"id": ident, "method": method, "params": params})
        while True:
            message = await self.read()
            if message.get("id") == ident and "method" not in message:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result")
            if "method" in message and "id" in message:
                self.send({"id": message["id"], "result": None})
            elif "method" in message:
                self.notifications.append(message)

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    async def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        header = await self.process.stdout.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in header.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        return dict(json.loads(await self.process.stdout.readexactly(length)))

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.request("shutdown", None), 5)
            self.notify("exit", None)
            await asyncio.wait_for(self.process.wait(), 5)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            self.process.kill()
            await self.process.wait()


async def time_initialize(
    command: list[str], root: str, env: dict[str, str] | None = None
) -> float:
    """Milliseconds from spawning the server to its `initialize` result."""
    started = time.perf_counter()
    client = await StdioClient.spawn(*command, cwd=root, env=env)
    await client.request(
        "initialize",
        {
            "processId": None,
            "rootUri": f"file://{root}",
            "capabilities": {},
            "workspaceFolders": None,
        },
    )
    elapsed = (time.perf_counter() - started) * 1000
    client.notify("initialized", {})
    await client.close()
    return elapsed


async def time_first_answer(
    command: list[str], root: str, method: str, params: Any, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Milliseconds from spawning the server, and from sending `initialized`, to the
    answer of its first useful request (`method`), as an editor asks it at once."""
    started = time.perf_counter()
    client = await StdioClient.spawn(*command, cwd=root, env=env)
    await client.request(
        "initialize",
        {"processId": None, "rootUri": f"file://{root}", "capabilities": {}},
    )
    client.notify("initialized", {})
    ready = time.perf_counter()
    if method == "textDocument/codeAction":
        document = params["textDocument"]
        text = (Path(root) / document["uri"].removeprefix(f"file://{root}/")).read_text()
        opened = {**document, "languageId": "python", "version": 1, "text": text}
        client.notify("textDocument/didOpen", {"textDocument": opened})
    await client.request(method, params)
    done = time.perf_counter()
    await client.close()
    return (done - started) * 1000, (done - ready) * 1000
