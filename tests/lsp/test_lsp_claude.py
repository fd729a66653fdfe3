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


REVIEWER = """---
name: code-reviewer
description: Use this agent after code changes. Examples: <example>user: "done" assistant: "I'll run code-reviewer."</example>
tools: Read, Edit
---
You review and fix code.
"""

FIX_PR = """---
description: Fix a pull request
argument-hint: <pr> <title>
allowed-tools: Bash(cat VERSION)
---
Version !`cat VERSION`. Fix PR $1 titled "$2"; have code-reviewer check @app.py.
"""


async def test_a_claude_command_delegates_and_its_edit_is_reviewed_in_the_editor(
    start: Any, tmp_path: Path
) -> None:
    from orchestra_lsp.journal import load_run
    from orchestra_lsp.testing import ScriptedServer

    root = tmp_path / "repo"
    files = {
        ".claude/agents/code-reviewer.md": REVIEWER,
        ".claude/commands/fix-pr.md": FIX_PR,
        "VERSION": "3.1\n",
        "app.py": "def add(a, b):\n    return a - b\n",
        ".orchestra/config.toml": '[model]\nname = "claude-sonnet-4-6"\n',
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    task = {
        "description": "fix add",
        "prompt": "Fix add in app.py.",
        "subagent_type": "code-reviewer",
    }
    fix = {
        "command": "str_replace",
        "path": "app.py",
        "old_str": "return a - b",
        "new_str": "return a + b",
    }
    expected_prompt = (
        'Version 3.1. Fix PR 12 titled "off by one"; have code-reviewer check @app.py.'
        '\n\n<file path="app.py">\ndef add(a, b):\n    return a - b\n</file>'
    )
    script: list[dict[str, Any]] = [
        {
            "expect": {"messages_contain": [expected_prompt], "tools": ["task"]},
            "reply": {"tool_use": [{"name": "task", "input": task}]},
        },
        {
            "expect": {"system_contains": ["You review and fix code."]},
            "reply": {"tool_use": [{"name": "edit", "input": fix}]},
        },
        {"reply": {"text": "add fixed."}},
        {"expect": {"last_tool_result_contains": ["add fixed."]}, "reply": {"text": "Done."}},
    ]
    with ScriptedServer(script) as model:
        env = {
            "ANTHROPIC_API_KEY": "test-key-lsp-claude-77",
            "ANTHROPIC_BASE_URL": model.base_url,
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "HOME": str(tmp_path / "home"),
        }
        editor = await start(root, "vscode", env=env)
        agents = await editor.client.protocol.send_request_async("orchestra/agents", {})
        assert "code-reviewer" in {a.name for a in agents.agents}
        answer = await editor.client.protocol.send_request_async(
            "orchestra/run",
            {"command": "fix-pr", "arguments": {"ARGUMENTS": '12 "off by one"'}},
        )
        run_id = str(answer.runId)
        finished = await editor.wait_event("run_finished", run_id=run_id, timeout=60)
    model.assert_no_failures()
    assert finished["output"] == "Done."
    assert (root / "app.py").read_text() == "def add(a, b):\n    return a + b\n"
    [applied] = editor.applied_edits
    assert applied.edit.change_annotations
    streamed = [e for e in editor.events if e.get("type") == "step_started"]
    assert [(e["step_id"], e.get("parent_step")) for e in streamed] == [
        ("main", None),
        ("main/task-1", "main"),
    ]
    journal = load_run(root, run_id).events
    [decided] = [e for e in journal if e["type"] == "proposal_decided"]
    assert decided["outcome"] == "applied"
    assert {e["agent"] for e in journal if e["type"] == "usage"} == {
        "general-purpose",
        "code-reviewer",
    }


async def test_a_claude_code_repository_is_listed_whole_in_the_editor(
    start: Any, tmp_path: Path
) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "claude"))
    from test_claude_repository import AGENTS, _repository

    root = _repository(tmp_path)
    editor = await start(root, "neovim", env={"HOME": str(tmp_path / "home")})
    agents = await editor.client.protocol.send_request_async("orchestra/agents", {})
    commands = await editor.client.protocol.send_request_async("orchestra/commands", {})
    assert set(AGENTS) <= {a.name for a in agents.agents}
    assert {"commit", "review-pr", "fix-issue", "api-conventions"} <= {
        c.name for c in commands.commands
    }
    agent_file = ".claude/agents/test-runner.md"
    editor.open(agent_file, language="markdown")
    found = await _diagnostics(editor, editor.uri(agent_file))
    assert found and all(d.severity != types.DiagnosticSeverity.Error for d in found)
