"""Where `make mcp-test-servers` installs the real MCP servers, and how to describe them.

A server that is not installed skips its tests with the command that installs it,
except under CI, where a missing install is a failure.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from orchestra_lsp.workspace import HttpServer, McpServer, StdioServer

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node" / "node_modules"
VENVS = HERE / ".venvs"
EVERYTHING = NODE_MODULES / "@modelcontextprotocol/server-everything/dist/index.js"
FILESYSTEM = NODE_MODULES / "@modelcontextprotocol/server-filesystem/dist/index.js"
PLAYWRIGHT = NODE_MODULES / "@playwright/mcp/cli.js"
GIT = VENVS / "git/bin/mcp-server-git"
ATLASSIAN = VENVS / "atlassian/bin/mcp-atlassian"
FAULTY = HERE / "servers" / "faulty_server.py"
CHROMIUM = Path("/usr/bin/chromium")


def require(path: Path) -> Path:
    if not path.exists():
        message = f"{path} is not installed: run `make mcp-test-servers`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def stdio(name: str, command: str | Path, *args: str | Path, **options: object) -> McpServer:
    spec = StdioServer(command=str(command), args=[str(a) for a in args], **options)
    return McpServer(name=name, spec=spec, source_path="test")


def http(name: str, url: str, kind: str = "http") -> McpServer:
    return McpServer(name=name, spec=HttpServer(type=kind, url=url), source_path="test")


def everything(name: str = "everything") -> McpServer:
    return stdio(name, "node", require(EVERYTHING), "stdio")


def faulty(name: str = "faulty", *args: str, **options: object) -> McpServer:
    return stdio(name, sys.executable, FAULTY, *args, **options)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def auth_server(lifetime: int = 3600) -> Iterator[str]:
    """`servers/auth_server.py` (an MCP server that is its own OAuth authorization
    server, its access tokens living `lifetime` seconds) on a free port; its `/mcp` URL
    once it answers 401."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(HERE / "servers" / "auth_server.py"), str(port), str(lifetime)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        for _ in range(100):
            try:
                if httpx2.post(url, timeout=1).status_code == 401:
                    break
            except httpx2.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
