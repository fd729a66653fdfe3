"""The client's `mcpServers` (from `session/new` / `session/load`) as the workspace's
MCP server entries, so the engine starts and calls them like the ones in
`.orchestra/mcp.json`. Agents reach their tools as `mcp__<name>__<tool>`."""

from __future__ import annotations

from collections.abc import Sequence

from acp.schema import AcpMcpServer, HttpMcpServer, McpServerStdio, SseMcpServer

from orchestra_lsp.workspace import HttpServer, McpServer, StdioServer

#: Where a client's server is said to come from (diagnostics, `orchestra check`).
SOURCE = "ACP client (session/new mcpServers)"

ClientServer = McpServerStdio | HttpMcpServer | SseMcpServer | AcpMcpServer


def from_client(servers: Sequence[ClientServer] | None) -> tuple[dict[str, McpServer], list[str]]:
    """The servers by name, and a line for each one left out (MCP over ACP, which
    this agent does not declare, or a name given twice)."""
    kept: dict[str, McpServer] = {}
    left_out: list[str] = []
    for server in servers or []:
        if server.name in kept:
            left_out.append(f"MCP server '{server.name}' is given twice; the first is used")
            continue
        if isinstance(server, McpServerStdio):
            spec: StdioServer | HttpServer = StdioServer(
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
            left_out.append(f"MCP server '{server.name}' over ACP is not supported; left out")
            continue
        kept[server.name] = McpServer(name=server.name, spec=spec, source_path=SOURCE)
    return kept, left_out
