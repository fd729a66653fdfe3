"""MCP prompts through ACP: an agent panel (the official Python SDK's client) sees
`mcp__<server>__<prompt>` among the session's slash commands once the servers have
listed them, and `/mcp__p__review SHOP-12 security` runs the prompt the server
rendered, with the words bound to its arguments as `orchestra run` binds them."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from client_helpers import SERVERS, mcp_workspace

from orchestra_lsp.testing import ScriptedServer

sys.path.insert(0, str(Path(__file__).parents[1] / "acp"))
from acp_helpers import AGENT_COMMAND, RecordingClient, agent_environment

from acp import PROTOCOL_VERSION, spawn_agent_process, text_block

RENDERED = "Review ticket SHOP-12 with a focus on security. PROMPT-FROM-MCP-SERVER"


async def test_a_prompt_is_a_slash_command_in_the_agent_panel(tmp_path: Path) -> None:
    root = mcp_workspace(
        tmp_path / "ws",
        {"p": {"command": sys.executable, "args": [str(SERVERS / "prompts_server.py")]}},
        tools=["read_file"],
    )
    script = [{"expect": {"messages_contain": [RENDERED]}, "reply": {"text": "Reviewed."}}]
    client = RecordingClient([])
    with ScriptedServer(script) as model:
        env = agent_environment(tmp_path, model.base_url)
        async with spawn_agent_process(client.as_client(), *AGENT_COMMAND, env=env, cwd=root) as (
            conn,
            _,
        ):
            await conn.initialize(protocol_version=PROTOCOL_VERSION)
            session = await conn.new_session(cwd=str(root), mcp_servers=[])

            def announced() -> list[dict[str, Any]]:
                return [
                    c
                    for u in client.updates
                    if u["sessionUpdate"] == "available_commands_update"
                    for c in u["availableCommands"]
                    if c["name"].startswith("mcp__")
                ]

            async def listed() -> None:
                while not announced():
                    await asyncio.sleep(0.05)

            await asyncio.wait_for(listed(), 30)
            answer = await asyncio.wait_for(
                conn.prompt(
                    session_id=session.session_id,
                    prompt=[text_block("/mcp__p__review SHOP-12 security")],
                ),
                60,
            )
    model.assert_no_failures()
    assert answer.stop_reason == "end_turn"
    commands = {c["name"]: c for c in announced()}
    assert commands["mcp__p__review"]["description"] == "Review a ticket carefully"
    assert commands["mcp__p__review"]["input"] == {"hint": "<ticket> [focus]"}
    assert "mcp__p__hello" in commands
    assert "Reviewed." in client.text()


async def test_prompts_a_server_adds_later_are_announced_after_the_turn(tmp_path: Path) -> None:
    """The server (2026-07-28 only) adds a prompt during a tool call and says so on its
    listen stream; once the turn ends the session's commands are announced again."""
    root = mcp_workspace(
        tmp_path / "ws",
        {"m": {"command": sys.executable, "args": [str(SERVERS / "modern_changing_server.py")]}},
        tools=["mcp__m__*"],
        config='[agents]\ndefault = "user"\n\n[permissions]\nallow = ["mcp__m__*"]\n',
    )
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "mcp__m__unlock", "input": {}}]}},
        {"expect": {"last_tool_result_contains": ["unlocked"]}, "reply": {"text": "Unlocked."}},
    ]
    client = RecordingClient([])

    def announced() -> list[set[str]]:
        return [
            {c["name"] for c in u["availableCommands"] if c["name"].startswith("mcp__")}
            for u in client.updates
            if u["sessionUpdate"] == "available_commands_update"
        ]

    with ScriptedServer(script) as model:
        env = agent_environment(tmp_path, model.base_url)
        async with spawn_agent_process(client.as_client(), *AGENT_COMMAND, env=env, cwd=root) as (
            conn,
            _,
        ):
            await conn.initialize(protocol_version=PROTOCOL_VERSION)
            session = await conn.new_session(cwd=str(root), mcp_servers=[])
            answer = await asyncio.wait_for(
                conn.prompt(session_id=session.session_id, prompt=[text_block("unlock it")]), 60
            )

            async def greet_listed() -> None:
                while not any("mcp__m__greet" in names for names in announced()):
                    await asyncio.sleep(0.05)

            await asyncio.wait_for(greet_listed(), 30)
    model.assert_no_failures()
    assert answer.stop_reason == "end_turn"
    assert "mcp__m__greet" not in announced()[0]
