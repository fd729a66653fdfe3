"""The editor's diagnostics for what a person coming from Claude Code misspells (a real
LSP client, pytest-lsp): a sub-agent's model and MCP server, each a warning at the name
with the closest right one, and the quick fix that writes it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import make_workspace
from lsprotocol import types

AGENT = (
    "---\nname: critic\ndescription: Reviews.\nmodel: sonet\nmcpServers: [echoo]\n---\nReview.\n"
)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    root = make_workspace(tmp_path / "ws")
    (root / ".mcp.json").write_text(json.dumps({"mcpServers": {"echo": {"command": "true"}}}))
    return root


async def _warnings(editor: Any, uri: str, count: int) -> list[types.Diagnostic]:
    async def wait() -> list[types.Diagnostic]:
        while True:
            found = [
                d
                for d in editor.client.diagnostics.get(uri, [])
                if d.severity == types.DiagnosticSeverity.Warning
            ]
            if len(found) >= count:
                return found
            await editor.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    return await asyncio.wait_for(wait(), 60)  # a loaded CI machine: room, not a goal


async def test_a_misspelt_model_and_mcp_server_are_fixed_from_the_editor(
    start: Any, workspace: Path, profile: str
) -> None:
    editor = await start(workspace, profile)
    relative = ".claude/agents/critic.md"
    (workspace / relative).parent.mkdir(parents=True)
    (workspace / relative).write_text(AGENT)
    editor.open(relative, AGENT, "markdown")
    uri = editor.uri(relative)
    warnings = await _warnings(editor, uri, 2)
    [model] = [d for d in warnings if "unknown model 'sonet'" in d.message]
    [server] = [d for d in warnings if "MCP server 'echoo'" in d.message]
    assert (model.range.start.line, model.range.start.character) == (3, 7)
    assert server.range.start.line == 4
    fixes = {}
    for diagnostic in (model, server):
        actions = await editor.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=diagnostic.range,
                context=types.CodeActionContext(diagnostics=[diagnostic]),
            )
        )
        for action in actions or []:
            if isinstance(action, types.CodeAction) and action.edit and action.edit.changes:
                [edit] = action.edit.changes[uri]
                fixes[action.title] = (edit.range.start.line, edit.range.start.character)
    assert fixes["Change to 'sonnet'"] == (3, 7)
    assert fixes["Change to 'echo'"] == (4, 13)
