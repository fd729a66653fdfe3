"""A server with prompts and resources, for prompts-as-commands and `@server:uri`.

Prompts: `review(ticket, focus?)` and `hello`. Resources: `notes://today` (text) and
the template `notes://day/{day}`.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

app = MCPServer("prompts")


@app.prompt(description="Review a ticket carefully")
def review(ticket: str, focus: str = "correctness") -> str:
    """Review a ticket."""
    return f"Review ticket {ticket} with a focus on {focus}. PROMPT-FROM-MCP-SERVER"


@app.prompt()
def hello() -> str:
    """Say hello."""
    return "Say hello to the team."


@app.resource("notes://today", mime_type="text/plain", description="Today's notes")
def today() -> str:
    return "TODAY-NOTES: ship the release"


@app.resource("notes://day/{day}", mime_type="text/plain")
def day(day: str) -> str:
    return f"NOTES-OF-{day}"


if __name__ == "__main__":
    app.run()
