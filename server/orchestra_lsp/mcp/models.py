"""The shapes the MCP pool hands to the engine, the CLI and the editor.

Tool results are already in the Messages API's `tool_result` content form, so the
engine passes them to Claude without knowing anything about MCP.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class McpTool(BaseModel):
    """One MCP tool as an agent sees it: `mcp__<server>__<tool>` and its JSON schema."""

    model_config = ConfigDict(frozen=True)

    name: str
    server: str
    tool: str
    description: str
    input_schema: dict[str, Any]
    read_only: bool = False
    """The server's `readOnlyHint`: the tool does not change its environment."""
    destructive: bool = False
    """The server's `destructiveHint` (MCP's default when not read-only)."""

    def spec(self) -> dict[str, Any]:
        """The tool declaration the Messages API takes."""
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_schema,
        }


class McpResult(BaseModel):
    """A tool result as `tool_result` content blocks (text and base64 images).

    Server faults (time-out, crash, unknown tool) are results with `is_error` set and a
    text the model can act on, never exceptions.
    """

    model_config = ConfigDict(frozen=True)

    content: list[dict[str, Any]]
    is_error: bool = False
    cut_note: str | None = None
    """The note ending a result that was cut (how much was left out, how to get the rest)."""

    @property
    def text(self) -> str:
        """The text blocks joined: for the CLI, logs and tests."""
        return "\n".join(block["text"] for block in self.content if block.get("type") == "text")

    @classmethod
    def error(cls, message: str) -> McpResult:
        return cls(content=[{"type": "text", "text": message}], is_error=True)


class McpPromptArgument(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    description: str = ""
    required: bool = False


class McpPrompt(BaseModel):
    """An MCP prompt offered as the command `mcp__<server>__<prompt>`."""

    model_config = ConfigDict(frozen=True)

    name: str
    server: str
    prompt: str
    description: str
    arguments: list[McpPromptArgument]


class ServerState(StrEnum):
    """Where a server's connection stands; a front end shows it as is."""

    IDLE = "idle"
    """Configured, not started yet (servers start when first needed)."""
    STARTING = "starting"
    READY = "ready"
    EXITED = "exited"
    """It was running and went away; the next use restarts it."""
    FAILED = "failed"
    """It could not start; `failure` says why."""
    DISABLED = "disabled"
    STOPPED = "stopped"


class ServerStatus(BaseModel):
    """One server for `orchestra mcp list` and the editor."""

    model_config = ConfigDict(frozen=True)

    name: str
    transport: str
    target: str
    """The command line (stdio) or the URL (HTTP), secrets masked."""
    state: ServerState
    tools: list[str]
    failure: str | None = None
    start_ms: float | None = None
    """Spawn (or connect) to tools listed, for the last successful start."""
    starts: int = 0


#: What a start failure for want of OAuth tokens says (after "MCP server 'NAME' failed
#: to start: TARGET: "); front ends offer a login where they see it.
NEEDS_LOGIN = "it needs authorization (OAuth)"
_FAILED_START = re.compile(r"MCP server '([^']+)' failed to start: ")


def login_needed(message: str) -> str | None:
    """The server a failure message says must be logged in to first, or None."""
    match = _FAILED_START.match(message)
    return match.group(1) if match and NEEDS_LOGIN in message else None
