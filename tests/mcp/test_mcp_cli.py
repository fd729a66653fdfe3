"""`orchestra mcp list` and `orchestra mcp call` in a real subprocess, on a workspace
whose mcp.json names a working server and one whose command does not exist."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mcp_test_servers import EVERYTHING, FAULTY, require

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from engine_helpers import printed_in_a_terminal

#: Runs the module until `orchestra mcp` is wired into the `orchestra` entry point.
CLI = [sys.executable, "-m", "orchestra_lsp", "mcp"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ws")
    servers = {
        "everything": {"command": "node", "args": [str(require(EVERYTHING)), "stdio"]},
        "ghost": {"command": "orchestra-no-such-mcp-server"},
        "broken": {"command": sys.executable, "args": [str(FAULTY), "--exit-at-start", "4"]},
    }
    (root / ".orchestra").mkdir()
    (root / ".orchestra" / "mcp.json").write_text(json.dumps({"mcpServers": servers}))
    return root


def orchestra_mcp(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "--workspace", str(workspace), *args], capture_output=True, text=True, timeout=60
    )


def test_list_shows_states_tools_and_failures(workspace: Path) -> None:
    done = orchestra_mcp(workspace, "list", "--json")
    assert done.returncode == 1, done.stderr  # a server failed
    statuses = {status["name"]: status for status in json.loads(done.stdout)}
    assert statuses["everything"]["state"] == "ready"
    assert "echo" in statuses["everything"]["tools"]
    assert statuses["ghost"]["state"] == "failed"
    assert "orchestra-no-such-mcp-server: command not found" in statuses["ghost"]["failure"]
    assert "exited with code 4" in statuses["broken"]["failure"]
    assert "| faulty: missing FAULTY_TOKEN" in statuses["broken"]["failure"]


def test_list_as_a_table(workspace: Path) -> None:
    done = orchestra_mcp(workspace, "list")
    assert "everything" in done.stdout and "ready" in done.stdout and "failed" in done.stdout


def test_call_prints_the_result(workspace: Path) -> None:
    done = orchestra_mcp(workspace, "call", "everything", "echo", '{"message": "from the CLI"}')
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Echo: from the CLI"
    image = orchestra_mcp(workspace, "call", "everything", "get-tiny-image")
    assert "[image image/png" in image.stdout


def test_call_errors_exit_1(workspace: Path) -> None:
    unknown = orchestra_mcp(workspace, "call", "everything", "no-such-tool")
    assert unknown.returncode == 1 and "no-such-tool" in unknown.stdout
    assert "MCP server 'everything' has no tool 'no-such-tool';" in unknown.stdout
    assert "its tools: " in unknown.stdout and "echo" in unknown.stdout
    misspelt = orchestra_mcp(workspace, "call", "everything", "ecoh", '{"message": "x"}')
    assert misspelt.returncode == 1 and "did you mean 'echo'?" in misspelt.stdout
    ghost = orchestra_mcp(workspace, "call", "ghost", "anything", "--json")
    assert ghost.returncode == 1
    assert json.loads(ghost.stdout)["is_error"] is True


def test_bad_input_exits_2(workspace: Path) -> None:
    assert orchestra_mcp(workspace, "call", "everything", "echo", "{not json").returncode == 2
    assert orchestra_mcp(workspace, "call", "nobody", "echo").returncode == 2


def test_list_in_a_narrow_terminal_keeps_tool_names_whole(workspace: Path) -> None:
    """80 columns: each server is a record, and no tool name is split across lines."""
    import os
    import re

    argv = [*CLI, "--workspace", str(workspace), "list"]
    shown, done = printed_in_a_terminal(argv, dict(os.environ), 80)
    assert done.returncode == 1  # a server failed, as in the table
    listed = json.loads(orchestra_mcp(workspace, "list", "--json").stdout)
    [everything] = [s for s in listed if s["name"] == "everything"]
    words = set(re.findall(r"[\w-]+", shown))
    assert set(everything["tools"]) <= words, shown
    assert all(len(line.rstrip()) <= 80 for line in shown.splitlines() if line.startswith(" "))
