"""An agent run with the scripted model using real MCP servers: server-filesystem on a
temporary folder and mcp-server-git on a temporary repository (DESIGN §5, issue 4).

Only the tools the agent's allow-list matches are offered; the calls go through the
pool to the real servers; a server that cannot start is a notice, not a crash.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from engine_helpers import REPO, RecordingFrontEnd, command_file, run_command, workspace

from orchestra_lsp.engine import RunRequest

sys.path.insert(0, str(REPO / "tests" / "mcp"))
from mcp_test_servers import FILESYSTEM, GIT, require  # where `make mcp-test-servers` puts them

LIBRARIAN = """\
---
name: librarian
description: Reads files and history through MCP servers.
tools: [mcp__fs__read_text_file, mcp__fs__list_directory, mcp__git__git_status, mcp__git__git_log]
max_turns: 8
---
You are the librarian.
"""


def git_repository(path: Path) -> Path:
    path.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    (path / "README.md").write_text("history\n")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    subprocess.run(["git", "-C", str(path), "add", "."], check=True, env=env)
    subprocess.run(
        ["git", "-C", str(path), "commit", "-qm", "First commit of the archive"],
        check=True,
        env=env,
    )
    (path / "draft.txt").write_text("unsaved thoughts\n")
    return path


async def test_an_agent_uses_filesystem_and_git_servers(root: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "notes.txt").write_text("hello from the filesystem server\n")
    repo = git_repository(tmp_path / "archive")
    mcp = {
        "mcpServers": {
            "fs": {"command": "node", "args": [str(require(FILESYSTEM)), str(data)]},
            "git": {"command": str(require(GIT)), "args": ["--repository", str(repo)]},
        }
    }
    workspace(
        root,
        {"library": command_file([{"id": "look", "agent": "librarian", "prompt": "Look around."}])},
        config='[permissions]\nallow = ["mcp__fs__*", "mcp__git__git_status", "mcp__git__git_log"]\n',
        extra={".orchestra/agents/librarian.md": LIBRARIAN, ".orchestra/mcp.json": json.dumps(mcp)},
    )
    script: list[dict[str, Any]] = [
        {
            "expect": {
                "tools": [
                    "mcp__fs__list_directory",
                    "mcp__fs__read_text_file",
                    "mcp__git__git_status",
                    "mcp__git__git_log",
                ]
            },
            "reply": {
                "tool_use": [{"name": "mcp__fs__list_directory", "input": {"path": str(data)}}]
            },
        },
        {
            "expect": {"last_tool_result_contains": ["notes.txt"], "prefix_unchanged": True},
            "reply": {
                "tool_use": [
                    {"name": "mcp__fs__read_text_file", "input": {"path": str(data / "notes.txt")}}
                ]
            },
        },
        {
            "expect": {"last_tool_result_contains": ["hello from the filesystem server"]},
            "reply": {
                "tool_use": [{"name": "mcp__git__git_status", "input": {"repo_path": str(repo)}}]
            },
        },
        {
            "expect": {"last_tool_result_contains": ["draft.txt"]},
            "reply": {
                "tool_use": [{"name": "mcp__git__git_log", "input": {"repo_path": str(repo)}}]
            },
        },
        {
            "expect": {"last_tool_result_contains": ["First commit of the archive"]},
            "reply": {"text": "One note, one commit, one untracked draft."},
        },
    ]
    outcome = await run_command(root, script, RunRequest(command="library"))
    assert outcome.result.state == "finished", outcome.result.error
    # Scoping: tools the allow-list does not name are never offered.
    offered = {tool["name"] for tool in outcome.bodies()[0]["tools"]}
    assert "mcp__fs__write_file" not in offered and "mcp__git__git_commit" not in offered
    finished = outcome.journal_of("tool_call_finished")
    assert [(e["tool"], e["is_error"]) for e in finished] == [
        ("mcp__fs__list_directory", False),
        ("mcp__fs__read_text_file", False),
        ("mcp__git__git_status", False),
        ("mcp__git__git_log", False),
    ]


async def test_a_server_that_cannot_start_is_a_notice(root: Path) -> None:
    mcp = {"mcpServers": {"fs": {"command": "/nonexistent/mcp-server"}}}
    agent = LIBRARIAN.replace(
        "tools: [mcp__fs__read_text_file, mcp__fs__list_directory, mcp__git__git_status, "
        "mcp__git__git_log]",
        "tools: [read_file, mcp__fs__*]",
    )
    workspace(
        root,
        {"library": command_file([{"id": "look", "agent": "librarian", "prompt": "Look."}])},
        extra={".orchestra/agents/librarian.md": agent, ".orchestra/mcp.json": json.dumps(mcp)},
    )
    script: list[dict[str, Any]] = [
        {"expect": {"tools_exactly": ["read_file"]}, "reply": {"text": "Only files, then."}}
    ]
    frontend = RecordingFrontEnd(root)
    outcome = await run_command(root, script, RunRequest(command="library"), frontend)
    assert outcome.result.state == "finished", outcome.result.error
    [notice] = [e for e in outcome.journal_of("notice") if "fs" in e["message"]]
    assert notice["level"] == "error"
    assert "/nonexistent/mcp-server" in notice["message"]
