"""MCP over ACP: a server an ACP client provides inside itself (`"type": "acp"` in
`mcpServers`), reached through the ACP connection instead of a process or a URL.

The binding (ACP's MCP-over-ACP RFD, as the official TypeScript SDK implements it)
carries each MCP request as one ACP `mcp/message` request naming the server
(`serverId`) and answers it with the MCP outcome (`{"result": ...}` or
`{"error": ...}`). It speaks only MCP 2026-07-28: no `initialize` handshake, so the
channel refuses it as such a server does and the connection goes on with
`server/discover`; no listen stream either (`subscriptions/listen` is refused, the
lists are read when the session starts).

The SDK's `ClientSession` reads and writes JSON-RPC messages on a pair of streams;
this module is that pair, with `relay` (the front end's `mcp/message` sender) behind
it. Nothing here knows ACP beyond the outcome's shape.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import mcp_types as types
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.shared.message import SessionMessage
from mcp_types import (
    CLIENT_CAPABILITIES_META_KEY,
    INTERNAL_ERROR,
    METHOD_NOT_FOUND,
    PROTOCOL_VERSION_META_KEY,
    UNSUPPORTED_PROTOCOL_VERSION,
    ErrorData,
    JSONRPCError,
    JSONRPCRequest,
    JSONRPCResponse,
)
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

#: Sends one MCP request to the client's server: `(server_id, request_id, method,
#: params) -> outcome`, the outcome `{"result": {...}}` or `{"error": {code, message}}`.
#: Raises for a failure of the binding itself (the client has no such server...).
McpRelay = Callable[[str, str, str, dict[str, Any] | None], Awaitable[dict[str, Any]]]

#: Requests the binding cannot carry, answered here.
_REFUSED = {"subscriptions/listen": "no listen stream over MCP-over-ACP"}


class RelayFailed(Exception):
    """The ACP side could not carry a request; the message says why, for people."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@asynccontextmanager
async def relay_streams(
    server_id: str, relay: McpRelay
) -> AsyncIterator[
    tuple[
        MemoryObjectReceiveStream[SessionMessage | Exception],
        MemoryObjectSendStream[SessionMessage],
    ]
]:
    """The (read, write) pair a `ClientSession` talks to, each request relayed."""
    to_session, session_reads = anyio.create_memory_object_stream[SessionMessage | Exception](64)
    session_writes, from_session = anyio.create_memory_object_stream[SessionMessage](64)

    # The binding refuses two active requests of one id for a server; sessions (and
    # restarts) each number theirs from 1, so each stream pair gets its own prefix.
    prefix = uuid.uuid4().hex[:12]

    async def answer(request: JSONRPCRequest) -> None:
        reply: types.JSONRPCMessage
        try:
            outcome = await _outcome(server_id, relay, request, f"{prefix}-{request.id}")
        except RelayFailed as failed:
            outcome = {"error": {"code": failed.code, "message": str(failed)}}
        if "error" in outcome:
            error = ErrorData.model_validate(outcome["error"])
            reply = JSONRPCError(jsonrpc="2.0", id=request.id, error=error)
        else:
            result = outcome.get("result")
            reply = JSONRPCResponse(
                jsonrpc="2.0", id=request.id, result=result if isinstance(result, dict) else {}
            )
        await to_session.send(SessionMessage(reply))

    async def pump() -> None:
        async with anyio.create_task_group() as requests:
            async for message in from_session:
                if isinstance(message.message, JSONRPCRequest):
                    requests.start_soon(answer, message.message)
                # Notifications (cancelled, initialized) have nowhere to go: the
                # binding carries requests; a cancelled one is dropped by the session.

    async with anyio.create_task_group() as group, to_session, session_writes:
        group.start_soon(pump)
        try:
            yield session_reads, session_writes
        finally:
            group.cancel_scope.cancel()


async def _outcome(
    server_id: str, relay: McpRelay, request: JSONRPCRequest, request_id: str
) -> dict[str, Any]:
    if request.method == "initialize":
        data = {"supported": list(MODERN_PROTOCOL_VERSIONS), "requested": "handshake"}
        return {
            "error": {
                "code": UNSUPPORTED_PROTOCOL_VERSION,
                "message": "MCP over ACP speaks only 2026-07-28",
                "data": data,
            }
        }
    if request.method in _REFUSED:
        return {"error": {"code": METHOD_NOT_FOUND, "message": _REFUSED[request.method]}}
    # Every 2026-07-28 request names its version and the client's capabilities; the
    # session leaves them out of `server/discover`, which the binding also carries.
    params = dict(request.params or {})
    meta = dict(params.get("_meta") or {})
    meta.setdefault(PROTOCOL_VERSION_META_KEY, MODERN_PROTOCOL_VERSIONS[-1])
    meta.setdefault(CLIENT_CAPABILITIES_META_KEY, {})
    params["_meta"] = meta
    try:
        return await relay(server_id, request_id, request.method, params)
    except RelayFailed:
        raise
    except Exception as exc:  # the client's error, or a connection gone
        raise RelayFailed(INTERNAL_ERROR, f"the ACP client could not serve it: {exc}") from None
