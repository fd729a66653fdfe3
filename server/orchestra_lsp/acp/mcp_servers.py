"""The client's `mcpServers` (from `session/new` / `session/load`) as the workspace's
MCP server entries, so the engine starts and calls them like the ones in
`.orchestra/mcp.json`. Agents reach their tools as `mcp__<name>__<tool>`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from acp.interfaces import Client
from acp.schema import AcpMcpServer, HttpMcpServer, McpServerStdio, SseMcpServer

from orchestra_lsp.workspace import HttpServer, McpServer, StdioServer
from orchestra_lsp.workspace.mcp_config import AcpServer

if TYPE_CHECKING:
    from acp.connection import Connection

    from orchestra_lsp.mcp.relay import McpRelay

#: Where a client's server is said to come from (diagnostics, `orchestra check`).
SOURCE = "ACP client (session/new mcpServers)"

ClientServer = McpServerStdio | HttpMcpServer | SseMcpServer | AcpMcpServer


def from_client(servers: Sequence[ClientServer] | None) -> tuple[dict[str, McpServer], list[str]]:
    """The servers by name, and a line for each one left out (a name given twice).
    A `type: "acp"` server lives in the client: it is reached through the session's
    connection (`McpRelay`, `relay`)."""
    kept: dict[str, McpServer] = {}
    left_out: list[str] = []
    for server in servers or []:
        if server.name in kept:
            left_out.append(f"MCP server '{server.name}' is given twice; the first is used")
            continue
        if isinstance(server, McpServerStdio):
            spec: StdioServer | HttpServer | AcpServer = StdioServer(
                command=server.command,
                args=list(server.args),
                env={variable.name: variable.value for variable in server.env},
            )
        elif isinstance(server, HttpMcpServer | SseMcpServer):
            spec = HttpServer(
                type=server.type,
                url=server.url,
                headers={header.name: header.value for header in server.headers},
            )
        else:
            spec = AcpServer(server_id=server.server_id, url=f"acp:{server.server_id}")
        kept[server.name] = McpServer(name=server.name, spec=spec, source_path=SOURCE)
    return kept, left_out


def relay(client: Client) -> McpRelay:
    """Sends an MCP request to a server the client provides, as ACP's `mcp/message`
    (`serverId`, `requestId`, the inner `method` and `params`); the answer is the MCP
    outcome. The Python SDK names the method but has no sender for it, so the request
    goes through the connection's own `send_request`."""
    connection = cast("Connection", client._conn)  # type: ignore[attr-defined]

    async def send(
        server_id: str, request_id: str, method: str, params: dict[str, Any] | None
    ) -> dict[str, Any]:
        answer = await connection.send_request(
            "mcp/message",
            {"serverId": server_id, "requestId": request_id, "method": method, "params": params},
        )
        return answer if isinstance(answer, dict) else {"result": answer}

    return send
