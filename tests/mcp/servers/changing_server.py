"""A server whose tool list changes: `unlock` adds the tool `secret` and says so with
`notifications/tools/list_changed`."""

from __future__ import annotations

from mcp.server.mcpserver import Context, MCPServer

app = MCPServer("changing")


def secret() -> str:
    """Only there once unlocked."""
    return "SECRET-OK"


@app.tool()
async def unlock(ctx: Context) -> str:
    """Add the `secret` tool."""
    app.add_tool(secret)
    await ctx.session.send_tool_list_changed()
    return "unlocked"


@app.tool()
def zeta() -> str:
    """A tool listed before `unlock` was called."""
    return "zeta"


if __name__ == "__main__":
    app.run()
