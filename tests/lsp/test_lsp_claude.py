"""Claude Code's files in the editor: what Claude Code loads, the editor shows as a
warning with a quick fix, through a real LSP client (pytest-lsp)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types

AGENT = """---
name: db-expert
description: Use this agent for schema questions. Examples: <example>user: "add a column" assistant: "I'll ask db-expert."</example>
tools: Read, Grep
---
You know databases.
"""


async def _diagnostics(editor: Any, uri: str) -> list[types.Diagnostic]:
    async def wait() -> list[types.Diagnostic]:
        while not editor.client.diagnostics.get(uri):
            await editor.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return list(editor.client.diagnostics[uri])

    return await asyncio.wait_for(wait(), 20)


async def test_unquoted_description_is_a_warning_with_a_quote_fix(
    start: Any, tmp_path: Path
) -> None:
    root = tmp_path / "repo"
    (root / ".claude/agents").mkdir(parents=True)
    (root / ".claude/agents/db-expert.md").write_text(AGENT, encoding="utf-8")
    editor = await start(root, "vscode")
    editor.open(".claude/agents/db-expert.md", AGENT, "markdown")
    uri = editor.uri(".claude/agents/db-expert.md")

    [warning] = await _diagnostics(editor, uri)
    assert warning.severity == types.DiagnosticSeverity.Warning
    assert warning.code == "unquoted-value"
    assert warning.range.start == types.Position(line=2, character=len("description: "))
    agents = await editor.client.protocol.send_request_async("orchestra/agents", {})
    assert "db-expert" in {a.name for a in agents.agents}

    actions = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=warning.range,
            context=types.CodeActionContext(diagnostics=[warning]),
        )
    )
    [fix] = [a for a in actions if a.title == "Quote the value"]
    [edit] = fix.edit.changes[uri]
    line = AGENT.splitlines()[2]
    value = line[len("description: ") :]
    assert edit.new_text == "'" + value.replace("'", "''") + "'"

    fixed = AGENT.replace(value, edit.new_text)
    editor.type_text(".claude/agents/db-expert.md", fixed)

    async def cleared() -> None:
        while editor.client.diagnostics.get(uri):
            await editor.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    await asyncio.wait_for(cleared(), 20)


SKILL = """---
description: Explains a module to a newcomer
---
Explain $ARGUMENTS simply.
"""


async def test_skills_are_commands_in_the_editor(start: Any, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    skill = root / ".claude/skills/explain-module/SKILL.md"
    skill.parent.mkdir(parents=True)
    skill.write_text(SKILL, encoding="utf-8")
    (root / "mod.py").write_text("x = 1\n", encoding="utf-8")
    editor = await start(root, "vscode")
    listed = await editor.client.protocol.send_request_async("orchestra/commands", {})
    names = {c.name: c for c in listed.commands}
    assert names["explain-module"].description == "Explains a module to a newcomer"

    editor.open("mod.py")
    actions = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=editor.uri("mod.py")),
            range=types.Range(
                start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
            ),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    [action] = [a for a in actions or [] if a.title == "Orchestra: Explains a module to a newcomer"]
    assert action.kind == "source"
    assert action.command.command == "orchestra.run"
