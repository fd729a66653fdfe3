"""Tools that describe themselves: `peek` is read-only, `wipe` destructive, `tidy`
neither read-only nor destructive, `plain` says nothing."""

from __future__ import annotations

import mcp_types as types
from mcp.server.mcpserver import MCPServer

app = MCPServer("annotated")


@app.tool(annotations=types.ToolAnnotations(read_only_hint=True))
def peek() -> str:
    """Look without touching."""
    return "peeked"


@app.tool(annotations=types.ToolAnnotations(read_only_hint=False, destructive_hint=True))
def wipe() -> str:
    """Delete everything."""
    return "WIPED"


@app.tool(annotations=types.ToolAnnotations(read_only_hint=False, destructive_hint=False))
def tidy() -> str:
    """Add order, remove nothing."""
    return "tidied"


@app.tool()
def plain() -> str:
    """No annotations."""
    return "plain"


if __name__ == "__main__":
    app.run()
