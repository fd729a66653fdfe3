"""A server that speaks only MCP 2026-07-28 and whose lists change: `unlock` adds the
tool `secret` and the prompt `greet`, and says so on the client's
`subscriptions/listen` stream (2026-07-28 has no other way to send a notification)."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types import UNSUPPORTED_PROTOCOL_VERSION
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

app = MCPServer("modern-changing")


def secret() -> str:
    """Only there once unlocked."""
    return "MODERN-SECRET-OK"


def greet(name: str) -> str:
    """A prompt that is only there once unlocked."""
    return f"Say hello to {name}."


@app.tool()
async def unlock(ctx: Context) -> str:
    """Add the `secret` tool and the `greet` prompt."""
    app.add_tool(secret)
    app.prompt()(greet)
    await ctx.notify_tools_changed()
    await ctx.notify_prompts_changed()
    return "unlocked"


@app.tool()
def zeta() -> str:
    """A tool listed before `unlock` was called."""
    return "zeta"


async def modern_only(ctx: Any, call_next: Any) -> Any:
    """Refuse the handshake era, as a server that speaks only 2026-07-28 does."""
    if ctx.method == "initialize":
        raise MCPError(
            code=UNSUPPORTED_PROTOCOL_VERSION,
            message="Unsupported protocol version",
            data={"supported": list(MODERN_PROTOCOL_VERSIONS), "requested": "handshake"},
        )
    return await call_next(ctx)


app._lowlevel_server.middleware.append(modern_only)

if __name__ == "__main__":
    app.run()
