"""The server without runs: initialize, listings, code actions, `.orchestra` files."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import AGENT, make_workspace
from lsprotocol import types

from orchestra_lsp.retirement import deprecated_models


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return make_workspace(tmp_path / "ws")


async def test_initialize_advertises_what_is_implemented(
    start: Any, workspace: Path, profile: str
) -> None:
    editor = await start(workspace, profile)
    capabilities = editor.initialized.capabilities
    assert sorted(capabilities.execute_command_provider.commands) == [
        "orchestra.cancel",
        "orchestra.decide",
        "orchestra.mcpLogin",
        "orchestra.reload",
        "orchestra.run",
    ]
    assert list(capabilities.code_action_provider.code_action_kinds) == [
        "quickfix",
        "refactor",
        "source",
    ]
    assert capabilities.experimental["orchestra"]["requests"][0] == "orchestra/commands"
    assert capabilities.position_encoding == "utf-16"
    assert capabilities.definition_provider is None and capabilities.rename_provider is None


async def test_lists_commands_and_agents(start: Any, workspace: Path, profile: str) -> None:
    editor = await start(workspace, profile)
    listed = await editor.client.protocol.send_request_async("orchestra/commands", {})
    commands = {c["name"]: c for c in _plain(listed)["commands"]}
    change = commands["change"]
    assert change["description"] == "Plan, implement and check a change"
    assert [s["id"] for s in change["steps"]] == ["plan", "implement", "check"]
    assert change["arguments"][0] == {
        "name": "goal",
        "description": "What to change",
        "required": True,
        "default": None,
    }
    assert change["uri"] == (workspace / ".orchestra/commands/change.md").as_uri()
    assert commands["fix-here"]["codeAction"] == {
        "kinds": ["quickfix", "refactor", "source"],
        "when": "always",
    }
    agents = {
        a["name"]: a
        for a in _plain(await editor.client.protocol.send_request_async("orchestra/agents", {}))[
            "agents"
        ]
    }
    assert agents["coder"]["tools"] == ["read_file", "edit"]
    assert agents["coder"]["maxTurns"] == 10


async def test_code_actions_follow_the_place(start: Any, workspace: Path, profile: str) -> None:
    (workspace / "app.py").write_text("x = 1\ny = undefined\n", encoding="utf-8")
    editor = await start(workspace, profile)
    editor.open("app.py", language="python")
    diagnostic = types.Diagnostic(
        range=types.Range(
            start=types.Position(line=1, character=4), end=types.Position(line=1, character=13)
        ),
        message="undefined name",
        severity=types.DiagnosticSeverity.Error,
    )
    selection = types.Range(
        start=types.Position(line=1, character=0), end=types.Position(line=1, character=5)
    )
    actions = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=editor.uri("app.py")),
            range=selection,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    ours = [a for a in actions if a.title == "Orchestra: Fix what is wrong here"]
    assert sorted(a.kind for a in ours) == ["quickfix", "refactor", "source"]
    quickfix = next(a for a in ours if a.kind == "quickfix")
    assert quickfix.command.command == "orchestra.run"
    [run] = quickfix.command.arguments
    assert run["command"] == "fix-here"
    assert run["uri"] == editor.uri("app.py")
    assert run["selection"] == "y = u"
    assert run["diagnostics"][0]["message"] == "undefined name"

    cursor = types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
    )
    bare = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=editor.uri("app.py")),
            range=cursor,
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert [a.kind for a in bare] == ["source"]


async def test_broken_file_reports_and_keeps_serving(
    start: Any, workspace: Path, profile: str
) -> None:
    editor = await start(workspace, profile)
    await editor.client.protocol.send_request_async("orchestra/commands", {})
    agent = workspace / ".orchestra/agents/planner.md"
    broken = AGENT.format(name="planner", description="Plans").replace(
        "max_turns: 10", "max_turnz: 10"
    )
    editor.open(".orchestra/agents/planner.md", broken, "markdown")
    uri = agent.as_uri()
    diagnostics = await _diagnostics_for(editor, uri)
    assert any(
        "max_turnz" in d.message and "did you mean 'max_turns'" in d.message for d in diagnostics
    )
    [problem] = [d for d in diagnostics if "max_turnz" in d.message]
    assert problem.range.start.line == 4

    fixes = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=problem.range,
            context=types.CodeActionContext(diagnostics=[problem]),
        )
    )
    [fix] = [a for a in fixes if a.title == "Change to 'max_turns'"]
    [edit] = fix.edit.changes[uri]
    assert (edit.range.start.line, edit.range.start.character, edit.new_text) == (4, 0, "max_turns")

    # the file on disk is broken too and saved: the last good planner stays in force
    agent.write_text(broken, encoding="utf-8")
    editor.client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    listed = _plain(await editor.client.protocol.send_request_async("orchestra/commands", {}))
    assert "change" in {c["name"] for c in listed["commands"]}
    agents = _plain(await editor.client.protocol.send_request_async("orchestra/agents", {}))
    assert "planner" in {a["name"] for a in agents["agents"]}

    # fixing it clears the diagnostics
    editor.type_text(
        ".orchestra/agents/planner.md", AGENT.format(name="planner", description="Plans")
    )
    assert await _diagnostics_for(editor, uri, want_empty=True) == []


async def test_initialize_imports_neither_anthropic_nor_mcp(workspace: Path) -> None:
    """`initialize` is answered before any heavy import (DESIGN §2)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-X",
        "importtime",
        "-m",
        "orchestra_lsp.lsp",
        "--workspace",
        str(workspace),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdin and process.stdout and process.stderr
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"capabilities": {}, "rootUri": workspace.as_uri()},
        }
    ).encode()
    process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    await process.stdin.drain()
    header = await asyncio.wait_for(process.stdout.readuntil(b"\r\n\r\n"), 30)
    length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    answer = json.loads(await process.stdout.readexactly(length))
    assert answer["id"] == 1 and "capabilities" in answer["result"]
    process.kill()
    imported = (await process.stderr.read()).decode()
    await process.wait()
    modules = {
        line.split("|")[-1].strip()
        for line in imported.splitlines()
        if line.startswith("import time:")
    }
    assert "pygls" in modules
    assert not {m for m in modules if m.split(".")[0] in ("anthropic", "mcp", "httpx")}


async def _diagnostics_for(
    editor: Any, uri: str, want_empty: bool = False
) -> list[types.Diagnostic]:
    async def wait() -> list[types.Diagnostic]:
        while True:
            await editor.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            found = list(editor.client.diagnostics.get(uri, []))
            if bool(found) != want_empty:
                return found

    found = list(editor.client.diagnostics.get(uri, []))
    if found and not want_empty:
        return found
    return await asyncio.wait_for(wait(), 60)  # a loaded CI machine: room, not a goal


def _plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def test_context_manifest_per_step(start: Any, workspace: Path) -> None:
    editor = await start(workspace, "vscode")
    answer = _plain(
        await editor.client.protocol.send_request_async(
            "orchestra/context", {"command": "change", "arguments": {"goal": "rename"}}
        )
    )
    assert [s["stepId"] for s in answer["steps"]] == ["plan", "implement", "check"]
    manifest = answer["steps"][0]["manifest"]
    assert manifest["total_tokens"] > 0 and manifest["budget_tokens"] >= manifest["total_tokens"]


async def test_completion_and_hover_in_orchestra_files(start: Any, workspace: Path) -> None:
    editor = await start(workspace, "vscode")
    command = ".orchestra/commands/change.md"
    text = (workspace / command).read_text()
    editor.open(command, text, "markdown")
    lines = text.splitlines()
    agent_line = next(n for n, line in enumerate(lines) if "agent: coder" in line)
    at_agent = types.Position(line=agent_line, character=lines[agent_line].index("coder"))
    for _ in range(100):  # until the first check of the files as typed is done
        items = await editor.client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=editor.uri(command)),
                position=at_agent,
            )
        )
        if items:
            break
        await asyncio.sleep(0.1)
    assert {"coder", "planner"} <= {item.label for item in items}

    prompt_line = next(n for n, line in enumerate(lines) if "{{goal}}" in line)
    inside = types.Position(line=prompt_line, character=lines[prompt_line].index("{{") + 2)
    items = await editor.client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=editor.uri(command)), position=inside
        )
    )
    labels = {item.label for item in items}
    assert {"goal", "selection"} <= labels and "steps.plan.output" not in labels  # its own step

    later = next(n for n, line in enumerate(lines) if "{{steps.plan.output}}" in line)
    inside = types.Position(line=later, character=lines[later].index("{{") + 2)
    items = await editor.client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=editor.uri(command)), position=inside
        )
    )
    labels = {item.label for item in items}
    assert {"goal", "steps.plan.output"} <= labels and "steps.implement.output" not in labels

    hovered = await editor.client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=editor.uri(command)), position=at_agent
        )
    )
    assert "Writes code" in hovered.contents.value and "`edit`" in hovered.contents.value


async def test_a_deprecated_model_is_flagged_in_the_editor(
    start: Any, workspace: Path, profile: str
) -> None:
    editor = await start(workspace, profile)
    config = workspace / ".orchestra/config.toml"
    model = sorted(deprecated_models())[0]  # the installed SDK's table changes by release
    editor.open(".orchestra/config.toml", f'[model]\nname = "{model}"\n', "toml")
    diagnostics = await _diagnostics_for(editor, config.as_uri())
    [retiring] = [d for d in diagnostics if "end of life" in d.message]
    assert retiring.severity == types.DiagnosticSeverity.Warning
    assert retiring.range.start.line == 1
    assert f"{model} is deprecated" in retiring.message
