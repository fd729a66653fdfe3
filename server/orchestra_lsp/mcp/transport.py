"""Open the stream pair for a server's transport: stdio, streamable HTTP, SSE, or the
ACP client's own connection (`relay`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import anyio.abc
import httpx2
from mcp.client._transport import ReadStream, WriteStream
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.message import SessionMessage

from orchestra_lsp.mcp.relay import McpRelay, RelayFailed, relay_streams
from orchestra_lsp.mcp.stdio import stdio_channel
from orchestra_lsp.workspace.mcp_config import AcpServer, McpServerSpec, StdioServer


@dataclass
class Channel:
    read: ReadStream[SessionMessage | Exception]
    write: WriteStream[SessionMessage]
    process: anyio.abc.Process | None
    """The server process for stdio; None over HTTP."""


@asynccontextmanager
async def open_channel(
    spec: McpServerSpec,
    *,
    errlog: TextIO,
    cwd: Path | None,
    on_exit: Callable[[], None],
    auth: httpx2.Auth | None = None,
    relay: McpRelay | None = None,
) -> AsyncIterator[Channel]:
    """`on_exit` is called when a stdio server's output ends; HTTP has no such signal.
    `auth` (OAuth) applies to streamable HTTP; `relay` carries an ACP client's server.
    Raises RelayFailed for an ACP client's server where no client can carry it."""
    if isinstance(spec, AcpServer):
        if relay is None:
            raise RelayFailed(0, "an ACP client's server is reachable only in its session")
        async with relay_streams(spec.server_id, relay) as (read, write):
            yield Channel(read, write, None)
    elif isinstance(spec, StdioServer):
        async with stdio_channel(spec, errlog=errlog, cwd=cwd, on_exit=on_exit) as stdio:
            yield Channel(stdio.read, stdio.write, stdio.process)
    elif spec.type == "sse":
        async with sse_client(spec.url, headers=dict(spec.headers)) as (read, write):
            yield Channel(read, write, None)
    else:
        async with (
            _http_client(spec.headers, auth) as client,
            streamable_http_client(spec.url, http_client=client) as (read, write),
        ):
            yield Channel(read, write, None)


def _http_client(headers: dict[str, str], auth: httpx2.Auth | None) -> httpx2.AsyncClient:
    """The SDK's recommended time-outs: a response stream may stay open for minutes."""
    return httpx2.AsyncClient(headers=headers, auth=auth, timeout=httpx2.Timeout(30.0, read=300.0))
