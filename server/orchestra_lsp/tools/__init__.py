"""Built-in tools for agents, working on the workspace as a run sees it.

`WorkspaceView` overlays editor buffers and the run's changeset on the disk;
every tool takes its JSON arguments and a `ToolContext` holding that view, and
returns a `ToolResult` (errors included) for the model.
"""

from orchestra_lsp.tools.ask_user import ASK_USER_SPEC, AskUserArgs
from orchestra_lsp.tools.base import Tool, ToolContext, ToolResult, ToolSpec, spec_of
from orchestra_lsp.tools.edit import EditTool
from orchestra_lsp.tools.errors import ToolError
from orchestra_lsp.tools.list_files import ListFilesTool
from orchestra_lsp.tools.read_file import ReadFileTool
from orchestra_lsp.tools.registry import BUILTIN_TOOLS, builtin_specs, builtin_tool_names
from orchestra_lsp.tools.run_shell import RunShellTool
from orchestra_lsp.tools.search import (
    Backend,
    Match,
    SearchOutcome,
    SearchQuery,
    SearchTool,
    search_workspace,
)
from orchestra_lsp.tools.workspace import LiveBuffers, Snapshot, WorkspaceView, as_view_buffers

__all__ = [
    "ASK_USER_SPEC",
    "BUILTIN_TOOLS",
    "AskUserArgs",
    "Backend",
    "EditTool",
    "ListFilesTool",
    "LiveBuffers",
    "Match",
    "ReadFileTool",
    "RunShellTool",
    "SearchOutcome",
    "SearchQuery",
    "SearchTool",
    "Snapshot",
    "Tool",
    "ToolContext",
    "ToolError",
    "ToolResult",
    "ToolSpec",
    "WorkspaceView",
    "as_view_buffers",
    "builtin_specs",
    "builtin_tool_names",
    "search_workspace",
    "spec_of",
]
