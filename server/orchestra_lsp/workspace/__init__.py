"""The `.orchestra` files: pydantic models, discovery with precedence, and diagnostics."""

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
