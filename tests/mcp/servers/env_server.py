"""A server that shows what it was started with: `show` gives its argv and $SEEN."""

from __future__ import annotations

import os
import sys

from mcp.server.mcpserver import MCPServer

app = MCPServer("env")
ARGV = sys.argv[1:]


@app.tool()
def show() -> str:
    """The server's arguments and the SEEN variable."""
    return f"argv={ARGV} SEEN={os.environ.get('SEEN')}"


if __name__ == "__main__":
    app.run()
