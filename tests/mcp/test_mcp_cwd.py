"""Where stdio servers start: the workspace root unless `cwd` says otherwise, a relative
`cwd` being relative to the file that declares the server. Driven through `orchestra
run` and `orchestra mcp call` started from `/`, with the scripted model."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from client_helpers import SERVERS, StartEditor, mcp_workspace, orchestra, run_cli

from orchestra_lsp.testing import ScriptedServer

ALLOW = '[permissions]\nallow = ["mcp__*"]\n'


def _where_script(expected: str) -> list[dict[str, Any]]:
    return [
        {
            "expect": {"tools": ["mcp__local__where"]},
            "reply": {"tool_use": [{"name": "mcp__local__where", "input": {}}]},
        },
        {"expect": {"last_tool_result_contains": [expected]}, "reply": {"text": "Found it."}},
    ]


def test_a_relative_server_path_starts_in_the_workspace_root(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    mcp_workspace(
        root,
        {"local": {"command": sys.executable, "args": ["srv.py"]}},
        tools=["mcp__local__where"],
        mcp_file=".mcp.json",
        config=ALLOW,
        extra={"here.txt": "root marker\n"},
    )
    shutil.copy(SERVERS / "where_server.py", root / "srv.py")
    run = run_cli(root, _where_script(f"cwd={root} here=root marker"))
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    run.model.assert_no_failures()
    [finished] = run.events("tool_call_finished")
    assert finished["tool"] == "mcp__local__where" and not finished["is_error"]


def test_a_relative_cwd_is_relative_to_the_declaring_file(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    tools = root / ".orchestra" / "tools"
    mcp_workspace(
        root,
        {"local": {"command": sys.executable, "args": ["srv.py"], "cwd": "tools"}},
        tools=["mcp__local__where"],
        config=ALLOW,
        extra={".orchestra/tools/here.txt": "tools marker\n", "here.txt": "root marker\n"},
    )
    shutil.copy(SERVERS / "where_server.py", tools / "srv.py")
    run = run_cli(root, _where_script(f"cwd={tools} here=tools marker"))
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    run.model.assert_no_failures()
    by_hand = orchestra("mcp", "call", "local", "where", root=root)
    assert by_hand.returncode == 0, by_hand.stderr
    assert by_hand.stdout.strip() == f"cwd={tools} here=tools marker"


def test_a_missing_cwd_is_named_in_the_failure(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    mcp_workspace(
        root,
        {"local": {"command": sys.executable, "args": ["srv.py"], "cwd": "../nowhere"}},
        tools=["mcp__local__where"],
    )
    listed = orchestra("mcp", "list", "--json", root=root)
    [status] = json.loads(listed.stdout)
    assert status["state"] == "failed"
    assert (
        f"working folder {root / '.orchestra' / '../nowhere'} does not exist" in status["failure"]
    )


async def test_the_language_server_started_from_root_starts_servers_in_the_workspace(
    tmp_path: Path, lsp_editor: StartEditor
) -> None:
    root = tmp_path / "ws"
    mcp_workspace(
        root,
        {"local": {"command": sys.executable, "args": ["srv.py"]}},
        tools=["mcp__local__where"],
        mcp_file=".mcp.json",
        config=ALLOW,
        extra={"here.txt": "root marker\n"},
    )
    shutil.copy(SERVERS / "where_server.py", root / "srv.py")
    with ScriptedServer(_where_script(f"cwd={root} here=root marker")) as model:
        env = {
            "ANTHROPIC_API_KEY": "test-key-mcp-lsp-1234",
            "ANTHROPIC_BASE_URL": model.base_url,
            "XDG_CONFIG_HOME": str(root / ".user-config"),
        }
        editor = await lsp_editor(root, env=env)
        started: Any = await editor.request("orchestra/run", {"command": "go"})
        finished = await editor.wait_event("run_finished", run_id=started.runId, timeout=90)
    model.assert_no_failures()
    assert finished["output"] == "Found it."
