"""What the editor's pickers and light bulb are told (issue 20): commands that cannot run
here say why, and configuration files get no agent run as a quick fix."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import AGENT, make_workspace
from lsprotocol import types


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    root = make_workspace(tmp_path / "ws")
    agents = root / ".orchestra" / "agents"
    # One agent needs a named MCP server nobody defines; one takes any server's tools.
    (agents / "tracker.md").write_text(
        AGENT.format(name="tracker", description="Reads tickets").replace(
            "[read_file, edit]", "[read_file, mcp__jira__get_issue, mcp__wiki__*]"
        ),
        encoding="utf-8",
    )
    (agents / "roamer.md").write_text(
        AGENT.format(name="roamer", description="Any tool").replace(
            "[read_file, edit]", '[read_file, "mcp__*"]'
        ),
        encoding="utf-8",
    )
    commands = root / ".orchestra" / "commands"
    for name, agent in (("triage", "tracker"), ("roam", "roamer")):
        (commands / f"{name}.md").write_text(
            f"---\ndescription: {name}\nsteps:\n  - id: go\n    agent: {agent}\n"
            "    prompt: Go.\n---\n",
            encoding="utf-8",
        )
    return root


async def test_pickers_and_the_light_bulb_know_what_fits(start: Any, workspace: Path) -> None:
    # One server for both checks.
    editor = await start(workspace, "vscode")
    listed = await editor.client.protocol.send_request_async("orchestra/commands", {})
    why = {c.name: getattr(c, "unavailable", None) for c in listed.commands}
    assert why["change"] is None and why["roam"] is None
    assert why["triage"] == (
        "needs the MCP server 'jira' (agent tracker); the MCP server 'wiki' (agent tracker),"
        " which no .mcp.json or settings define"
    )
    # The built-ins that read tickets, in a workspace without a ticket server.
    assert "'tickets' (agent analyst" in str(why["implement-ticket"])
    assert "'tickets'" in str(why["qa-ticket"]) and "'browser'" in str(why["qa-ticket"])

    # Configuration files get no agent run as a quick fix.
    relative = ".orchestra/agents/planner.md"
    broken = AGENT.format(name="planner", description="Plans").replace(
        "description:", "descripton:"
    )
    editor.open(relative, broken, "markdown")
    uri = editor.uri(relative)

    async def problem() -> types.Diagnostic:
        while True:
            found: list[types.Diagnostic] = [
                d for d in editor.client.diagnostics.get(uri, []) if "descripton" in d.message
            ]
            if found:
                return found[0]
            await editor.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    diagnostic = await asyncio.wait_for(problem(), 20)
    actions = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    quick_fixes = [a.title for a in actions if a.kind == types.CodeActionKind.QuickFix]
    assert quick_fixes == ["Change to 'description'"], quick_fixes
    # The command is still offered where it was asked for (refactor, source), and as a
    # quick fix on an ordinary file.
    assert {a.kind for a in actions if a.title.startswith("Orchestra:")} == {"refactor", "source"}
    (workspace / "app.py").write_text("y = undefined\n", encoding="utf-8")
    editor.open("app.py", language="python")
    elsewhere = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=editor.uri("app.py")),
            range=diagnostic.range,
            context=types.CodeActionContext(
                diagnostics=[types.Diagnostic(range=diagnostic.range, message="undefined name")]
            ),
        )
    )
    assert "quickfix" in {a.kind for a in elsewhere if a.title.startswith("Orchestra:")}
