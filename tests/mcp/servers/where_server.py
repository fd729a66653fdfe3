"""A server that reports where it was started: `where` gives its working folder and
the first line of `here.txt` read by a relative path."""

from __future__ import annotations

import os
from pathlib import Path

from mcp.server.mcpserver import MCPServer

app = MCPServer("where")


@app.tool()
def where() -> str:
    """The working folder and the first line of ./here.txt."""
    here = Path("here.txt")
    line = here.read_text().splitlines()[0] if here.exists() else "(no here.txt)"
    return f"cwd={os.getcwd()} here={line}"


if __name__ == "__main__":
    app.run()
