"""Completion and hover inside `.orchestra` files: the names a file may use.

Agent names (a step's `agent:`), tool names (an agent's `tools`: built-ins and
`mcp__<server>__*`), MCP server names, and template names inside `{{ }}`. Names come
from the configuration as typed, so a just-added agent completes at once.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lsprotocol import types

from orchestra_lsp.lsp.server import OrchestraServer

if TYPE_CHECKING:
    from orchestra_lsp.workspace import Workspace

_OPEN_TEMPLATE = re.compile(r"\{\{\s*[\w.\-]*$")
_AGENT_KEY = re.compile(r"^\s*(-\s*)?agent:\s*[\w.\-]*$")
_WORD = re.compile(r"[\w.\-]+")


def completions(workspace: Workspace, path_kind: str, before: str) -> list[types.CompletionItem]:
    """What may be written at a cursor with `before` on its left."""
    from orchestra_lsp.workspace.templates import CONTEXT_NAMES
    from orchestra_lsp.workspace.tool_names import BUILTIN_TOOL_NAMES

    if _OPEN_TEMPLATE.search(before):
        names = list(CONTEXT_NAMES)
        for command in workspace.commands.values():
            names += [a.name for a in command.arguments]
            names += [f"steps.{s.id}.output" for s in command.steps]
        return _items(sorted(set(names)), types.CompletionItemKind.Variable, "template name")
    if _AGENT_KEY.search(before):
        return [
            types.CompletionItem(
                label=agent.name,
                kind=types.CompletionItemKind.Class,
                detail=agent.description,
            )
            for agent in sorted(workspace.agents.values(), key=lambda a: a.name)
        ]
    if path_kind == "agents":
        mcp = [f"mcp__{name}__*" for name in sorted(workspace.mcp_servers)]
        return _items(list(BUILTIN_TOOL_NAMES), types.CompletionItemKind.Function, "tool") + _items(
            mcp, types.CompletionItemKind.Module, "MCP server's tools"
        )
    return []


def hover(workspace: Workspace, line: str, character: int) -> types.Hover | None:
    """An agent's description and tools, or an MCP server's definition, under the cursor."""
    for match in _WORD.finditer(line):
        if match.start() <= character <= match.end():
            word = match.group()
            break
    else:
        return None
    agent = workspace.agents.get(word)
    if agent is not None:
        tools = ", ".join(f"`{t}`" for t in agent.tools) or "none"
        text = f"**{agent.name}** (agent)\n\n{agent.description}\n\nTools: {tools}"
    elif word in workspace.mcp_servers:
        server = workspace.mcp_servers[word]
        text = f"**{word}** (MCP server, {server.spec.type}) from {server.source_path}"
    else:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))


def _items(
    names: list[str], kind: types.CompletionItemKind, detail: str
) -> list[types.CompletionItem]:
    return [types.CompletionItem(label=name, kind=kind, detail=detail) for name in names]


def setup(server: OrchestraServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=["{", ":", " ", "_"]),
    )
    def complete(ls: OrchestraServer, params: types.CompletionParams) -> list[types.CompletionItem]:
        found = _place(ls, params.text_document.uri, params.position)
        if found is None:
            return []
        workspace, path_kind, line = found
        return completions(workspace, path_kind, line[: params.position.character])

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: OrchestraServer, params: types.HoverParams) -> types.Hover | None:
        found = _place(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        workspace, _, line = found
        return hover(workspace, line, params.position.character)


def _place(
    server: OrchestraServer, uri: str, position: types.Position
) -> tuple[Workspace, str, str] | None:
    """The configuration as typed, the kind of file (`agents`, `commands`, …) and the
    cursor's line, when the cursor is in an open `.orchestra` file."""
    from orchestra_lsp.lsp.paths import uri_to_path

    document = server.documents.get(uri)
    path = uri_to_path(uri)
    workspace = server.configuration.latest
    if document is None or path is None or workspace is None:
        return None
    if not server.configuration.is_config_file(path):
        return None
    lines = document.text.splitlines()
    line = lines[position.line] if position.line < len(lines) else ""
    return workspace, path.parent.name, line
