"""MCP client pool: servers from mcp.json as agent tools, prompts and resources (DESIGN §5)."""

from orchestra_lsp.mcp.connection import McpFailure, StartFailed
from orchestra_lsp.mcp.models import (
    McpPrompt,
    McpPromptArgument,
    McpResult,
    McpTool,
    ServerState,
    ServerStatus,
)
from orchestra_lsp.mcp.pool import DEFAULT_MAX_RESULT_TOKENS, READ_RESOURCE, McpPool

__all__ = [
    "DEFAULT_MAX_RESULT_TOKENS",
    "READ_RESOURCE",
    "McpFailure",
    "McpPool",
    "McpPrompt",
    "McpPromptArgument",
    "McpResult",
    "McpTool",
    "ServerState",
    "ServerStatus",
    "StartFailed",
]
