"""Where stdio servers start: the workspace root unless `cwd` says otherwise, a relative
`cwd` being relative to the file that declares the server. Driven through `orchestra
run` and `orchestra mcp call` started from `/`, with the scripted model."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from client_helpers import SERVERS, mcp_workspace, orchestra, run_cli

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
