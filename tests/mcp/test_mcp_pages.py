"""Lists split into pages (`nextCursor`): every tool, prompt, resource and resource
template of a paging server reaches the model, the palette's commands and
`orchestra mcp list`, and a server whose cursors never end gets a clear warning, not a
hang — through the CLI, against a real MCP server that pages every list by two."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from client_helpers import SERVERS, mcp_workspace, orchestra, run_cli

PAGED = str(SERVERS / "paged_server.py")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return mcp_workspace(
        tmp_path / "ws",
        {"g": {"command": sys.executable, "args": [PAGED]}},
        tools=["mcp__g__*"],
        config='[permissions]\nallow = ["mcp__g__*"]\n',
    )


def test_every_page_of_tools_is_listed_and_callable(root: Path) -> None:
    listed = orchestra("mcp", "list", "--json", root=root)
    assert listed.returncode == 0, listed.stderr
    [status] = json.loads(listed.stdout)
    assert [t for t in status["tools"] if t.startswith("t")] == ["t1", "t2", "t3", "t4", "t5"]
    called = orchestra("mcp", "call", "g", "t5", root=root)
    assert called.returncode == 0, called.stderr
    assert called.stdout.strip() == "TOOL-5-OK"


def test_every_page_of_prompts_is_a_command(root: Path) -> None:
    done = orchestra("commands", "--json", root=root)
    assert done.returncode == 0, done.stderr
    names = {c["name"] for c in json.loads(done.stdout)}
    assert {f"mcp__g__p{n}" for n in range(1, 6)} <= names


def test_every_page_of_resources_reaches_the_model(root: Path) -> None:
    every = [f"- page://{n} (r{n})" for n in range(1, 6)]
    every += [f"- page://t{n}/{{n}} (template: tpl{n})" for n in range(1, 4)]
    script = [
        {
            "expect": {"tools": ["mcp__g__t1", "mcp__g__t5", "mcp__g__list_resources"]},
            "reply": {"tool_use": [{"name": "mcp__g__list_resources", "input": {}}]},
        },
        {"expect": {"last_tool_result_contains": every}, "reply": {"text": "Listed."}},
    ]
    run = run_cli(root, script)
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    run.model.assert_no_failures()


def test_a_server_whose_cursors_never_end_is_named(tmp_path: Path) -> None:
    root = mcp_workspace(
        tmp_path / "ws",
        {"g": {"command": sys.executable, "args": [PAGED, "--endless"]}},
        tools=["mcp__g__*"],
    )
    done = orchestra("commands", "--json", root=root, timeout=60)
    # The workspace's own command is still listed; the broken listing is explained.
    assert done.returncode == 0, done.stderr
    assert "go" in {c["name"] for c in json.loads(done.stdout)}
    assert "MCP server 'g'" in done.stderr and "prompts/list" in done.stderr
    assert "cursor 'again' twice" in done.stderr
