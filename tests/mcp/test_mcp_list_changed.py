"""`notifications/tools/list_changed` refreshes an agent's tools between turns: the new
tool is offered on the next request, the tools already offered keep their order (the
head of the prompt cache: sorted, as the model client sends them), and the change is
journaled."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from client_helpers import SERVERS, mcp_workspace, run_cli


def test_a_changed_tool_list_reaches_the_next_turn(tmp_path: Path) -> None:
    mcp_workspace(
        tmp_path,
        {"c": {"command": sys.executable, "args": [str(SERVERS / "changing_server.py")]}},
        tools=["read_file", "mcp__c__*"],
        config='[permissions]\nallow = ["mcp__c__*"]\n',
    )
    script: list[dict[str, Any]] = [
        {
            "expect": {"tools_exactly": ["read_file", "mcp__c__unlock", "mcp__c__zeta"]},
            "reply": {"tool_use": [{"name": "mcp__c__unlock", "input": {}}]},
        },
        {
            "expect": {"tools": ["mcp__c__secret"]},
            "reply": {"tool_use": [{"name": "mcp__c__secret", "input": {}}]},
        },
        {"expect": {"last_tool_result_contains": ["SECRET-OK"]}, "reply": {"text": "done"}},
    ]
    run = run_cli(tmp_path, script)
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    run.model.assert_no_failures()
    first, second, third = ([t["name"] for t in body["tools"]] for body in run.bodies())
    assert first == ["mcp__c__unlock", "mcp__c__zeta", "read_file"]
    assert second == sorted([*first, "mcp__c__secret"]) and third == second
    [notice] = [e for e in run.events("notice") if "changed" in e["message"]]
    assert notice["message"] == "MCP tools of agent 'user' changed: added mcp__c__secret"


def test_a_server_of_2026_07_28_says_its_lists_changed_on_its_listen_stream(
    tmp_path: Path,
) -> None:
    """That era has no unsolicited notifications: the change comes on the
    `subscriptions/listen` stream the client holds open, and reaches the next turn
    the same way."""
    mcp_workspace(
        tmp_path,
        {"m": {"command": sys.executable, "args": [str(SERVERS / "modern_changing_server.py")]}},
        tools=["mcp__m__*"],
        config='[permissions]\nallow = ["mcp__m__*"]\n',
    )
    script: list[dict[str, Any]] = [
        {
            "expect": {"tools_exactly": ["mcp__m__unlock", "mcp__m__zeta"]},
            "reply": {"tool_use": [{"name": "mcp__m__unlock", "input": {}}]},
        },
        {
            "expect": {"tools": ["mcp__m__secret"]},
            "reply": {"tool_use": [{"name": "mcp__m__secret", "input": {}}]},
        },
        {"expect": {"last_tool_result_contains": ["MODERN-SECRET-OK"]}, "reply": {"text": "ok"}},
    ]
    run = run_cli(tmp_path, script)
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    run.model.assert_no_failures()
    [notice] = [e for e in run.events("notice") if "changed" in e["message"]]
    assert notice["message"] == "MCP tools of agent 'user' changed: added mcp__m__secret"
