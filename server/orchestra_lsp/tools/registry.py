"""The built-in tools, by name, as the engine offers them to agents."""

from __future__ import annotations

from orchestra_lsp.tools.ask_user import ASK_USER_SPEC
from orchestra_lsp.tools.base import Tool, ToolSpec, spec_of
from orchestra_lsp.tools.edit import EditTool
from orchestra_lsp.tools.list_files import ListFilesTool
from orchestra_lsp.tools.read_file import ReadFileTool
from orchestra_lsp.tools.run_shell import RunShellTool
from orchestra_lsp.tools.search import SearchTool

BUILTIN_TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (ReadFileTool(), ListFilesTool(), SearchTool(), EditTool(), RunShellTool())
}
"""The tools the engine runs itself. `ask_user` is built in too, but the engine
answers it through the front end, so it has a spec and no entry here."""


def builtin_tool_names() -> list[str]:
    """Every built-in tool name an agent file or a permission rule may name."""
    return sorted([*BUILTIN_TOOLS, ASK_USER_SPEC.name])


def builtin_specs() -> list[ToolSpec]:
    """The declarations of all built-in tools, `ask_user` included, sorted by name."""
    specs = [spec_of(tool) for tool in BUILTIN_TOOLS.values()]
    return sorted([*specs, ASK_USER_SPEC], key=lambda spec: spec.name)
