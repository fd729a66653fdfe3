"""MCP client pool: servers from mcp.json as agent tools, prompts and resources (DESIGN §5).

The models import at no cost; the pool (and with it the `mcp` SDK, about a second
of imports) loads on first use of `McpPool`, so front ends can start without it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from orchestra_lsp.mcp.models import (
    McpPrompt,
    McpPromptArgument,
    McpResult,
    McpTool,
    ServerState,
    ServerStatus,
)

if TYPE_CHECKING:
    from orchestra_lsp.mcp.connection import McpFailure, StartFailed
    from orchestra_lsp.mcp.pool import DEFAULT_MAX_RESULT_TOKENS, READ_RESOURCE, McpPool

_LAZY = {
    "McpPool": "orchestra_lsp.mcp.pool",
    "DEFAULT_MAX_RESULT_TOKENS": "orchestra_lsp.mcp.pool",
    "READ_RESOURCE": "orchestra_lsp.mcp.pool",
    "McpFailure": "orchestra_lsp.mcp.connection",
    "StartFailed": "orchestra_lsp.mcp.connection",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
