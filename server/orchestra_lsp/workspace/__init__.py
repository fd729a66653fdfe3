"""The `.orchestra` files: pydantic models, discovery with precedence, and diagnostics.

The names below are imported on first use (PEP 562), so that a light module of this
package (`inputs`, `files`, `result_cache`) can be imported without pydantic.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a start's cost)
if TYPE_CHECKING:
    from typing import Any

    from orchestra_lsp.workspace.agents import Agent
    from orchestra_lsp.workspace.commands import ArgumentSpec, CodeActionSpec, Command, Step
    from orchestra_lsp.workspace.config import Config
    from orchestra_lsp.workspace.diagnostics import Diagnostic, Severity, Span
    from orchestra_lsp.workspace.loader import (
        ORCHESTRA_DIR,
        Workspace,
        keep_last_good,
        load_workspace,
    )
    from orchestra_lsp.workspace.mcp_config import HttpServer, McpServer, StdioServer
    from orchestra_lsp.workspace.persistent import PersistentContext
    from orchestra_lsp.workspace.sources import Layer, SourceRef

_HOMES = {
    "Agent": "agents",
    "ArgumentSpec": "commands",
    "CodeActionSpec": "commands",
    "Command": "commands",
    "Step": "commands",
    "Config": "config",
    "Diagnostic": "diagnostics",
    "Severity": "diagnostics",
    "Span": "diagnostics",
    "ORCHESTRA_DIR": "loader",
    "Workspace": "loader",
    "keep_last_good": "loader",
    "load_workspace": "loader",
    "HttpServer": "mcp_config",
    "McpServer": "mcp_config",
    "StdioServer": "mcp_config",
    "PersistentContext": "persistent",
    "Layer": "sources",
    "SourceRef": "sources",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # The import statement's own path (not importlib's), so `-X importtime` reports it.
    value = getattr(__import__(f"{__name__}.{home}", fromlist=[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "ORCHESTRA_DIR",
    "Agent",
    "ArgumentSpec",
    "CodeActionSpec",
    "Command",
    "Config",
    "Diagnostic",
    "HttpServer",
    "Layer",
    "McpServer",
    "PersistentContext",
    "Severity",
    "SourceRef",
    "Span",
    "StdioServer",
    "Step",
    "Workspace",
    "keep_last_good",
    "load_workspace",
]
