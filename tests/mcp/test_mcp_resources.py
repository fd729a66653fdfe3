"""MCP resources: an agent lists and reads a server's resources through tools, and a
person attaches one to a command's prompt as `@server:uri` — through `orchestra run`
and the language server, with what the model received and the journal checked."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from client_helpers import SERVERS, StartEditor, mcp_workspace, run_cli

from orchestra_lsp.journal import load_run
from orchestra_lsp.testing import ScriptedServer

ATTACH = """---
description: summarise a topic
arguments:
  - {name: topic, required: true}
steps:
  - {id: main, agent: user, prompt: "Summarise {{topic}} for the team."}
---
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return mcp_workspace(
        tmp_path / "ws",
        {"p": {"command": sys.executable, "args": [str(SERVERS / "prompts_server.py")]}},
        tools=["mcp__p__list_resources", "mcp__p__read_resource"],
        config='[permissions]\nallow = ["mcp__p__*"]\n',
        extra={
            ".orchestra/commands/attach.md": ATTACH,
            ".orchestra/agents/writer.md": "---\nname: writer\ndescription: w\ntools: []\n---\nW.\n",
        },
    )


def test_an_agent_lists_and_reads_resources(root: Path) -> None:
    script: list[dict[str, Any]] = [
        {
            "expect": {"tools": ["mcp__p__list_resources", "mcp__p__read_resource"]},
            "reply": {"tool_use": [{"name": "mcp__p__list_resources", "input": {}}]},
        },
        {
            "expect": {
                "last_tool_result_contains": [
                    "- notes://today (today) [text/plain]: Today's notes",
                    "- notes://day/{day} (template: day)",
                ]
            },
            "reply": {
                "tool_use": [
                    {"name": "mcp__p__read_resource", "input": {"uri": "notes://day/monday"}}
                ]
            },
        },
        {"expect": {"last_tool_result_contains": ["NOTES-OF-monday"]}, "reply": {"text": "Read."}},
    ]
    run = run_cli(root, script)
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    run.model.assert_no_failures()
    finished = run.events("tool_call_finished")
    assert [(e["tool"], e["is_error"]) for e in finished] == [
        ("mcp__p__list_resources", False),
        ("mcp__p__read_resource", False),
    ]


def test_a_mention_attaches_the_resource_from_the_cli(root: Path) -> None:
    (root / ".orchestra/commands/attach.md").write_text(
        ATTACH.replace("agent: user", "agent: writer")
    )
    script = [
        {
            "expect": {
                "messages_contain": [
                    "Summarise @p:notes://today. for the team.",
                    "[@p:notes://today]",
                    "TODAY-NOTES: ship the release",
                ]
            },
            "reply": {"text": "Summarised."},
        }
    ]
    run = run_cli(root, script, "topic=@p:notes://today.", command="attach")
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    run.model.assert_no_failures()
    [notice] = [e for e in run.events("notice") if "notes://today" in e["message"]]
    assert notice["level"] == "info" and "attached to the prompt" in notice["message"]
    # A mention of something that is not a configured server is left as written.
    other = run_cli(
        root, [{"reply": {"text": "ok"}}], "topic=@nobody:x://y me@p:z", command="attach"
    )
    assert "[@" not in str(other.bodies()[0]["messages"])


async def test_a_mention_attaches_the_resource_in_the_editor(
    root: Path, lsp_editor: StartEditor
) -> None:
    script = [
        {
            "expect": {"messages_contain": ["NOTES-OF-friday"]},
            "reply": {"text": "Friday summarised."},
        }
    ]
    with ScriptedServer(script) as model:
        env = {
            "ANTHROPIC_API_KEY": "test-key-mcp-lsp-1234",
            "ANTHROPIC_BASE_URL": model.base_url,
            "XDG_CONFIG_HOME": str(root / ".user-config"),
        }
        editor = await lsp_editor(root, env=env)
        started: Any = await editor.request(
            "orchestra/run", {"command": "attach", "arguments": {"topic": "@p:notes://day/friday"}}
        )
        finished = await editor.wait_event("run_finished", run_id=started.runId, timeout=90)
    model.assert_no_failures()
    assert finished["output"] == "Friday summarised."
    events = load_run(root, started.runId).events
    assert any("@p:notes://day/friday attached" in str(e.get("message")) for e in events)
