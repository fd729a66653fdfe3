"""Claude Code's valid fields are never "unknown": an agent's `color` (every agent
Claude Code's `/agents` writes has one) and its terminal settings are accepted
silently; fields a person could expect to act here get a true "no effect in
Orchestra" information; only a key Claude Code does not document is unknown. The
settings that matter here are honoured: which `.mcp.json` servers are used
(`enabledMcpjsonServers`, `disabledMcpjsonServers`, `enableAllProjectMcpServers`),
hooks told `permissions.defaultMode`, `disableAllHooks`. Through the real CLI and
the scripted Messages API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from claude_repo import git_init, orchestra, write

from orchestra_lsp.testing import ScriptedServer

SETTINGS: dict[str, Any] = {
    "$schema": "https://json.schemastore.org/claude-code-settings.json",
    "model": "claude-sonnet-4-6",
    "statusLine": {"type": "command", "command": "~/.claude/statusline.sh", "padding": 0},
    "spinnerTipsEnabled": False,
    "cleanupPeriodDays": 20,
    "includeCoAuthoredBy": False,
    "outputStyle": "Explanatory",
    "forceLoginMethod": "console",
    "apiKeyHelper": "/bin/generate_temp_api_key.sh",
    "awsAuthRefresh": "aws sso login --profile dev",
    "enableAllProjectMcpServers": False,
    "enabledMcpjsonServers": ["tickets", "docs"],
    "disabledMcpjsonServers": ["docs"],
    "permissions": {
        "allow": ["Bash(ls:*)"],
        "additionalDirectories": ["../shared-docs/"],
        "defaultMode": "acceptEdits",
        "disableBypassPermissionsMode": "disable",
        "additionalDirectory": ["../more-docs/"],
    },
    "modle": "opus",
    "spinnerTipsEnable": True,
}

AGENT = """\
---
name: reviewer
description: Use this agent after code changes to review them.
tools: Read, Grep, Glob
model: sonnet
color: purple
memory: project
---
You review code.
"""

MCP = {
    "mcpServers": {
        name: {"command": "python3", "args": ["-V"]} for name in ("tickets", "docs", "browser")
    }
}


def _check(root: Path, home: Path) -> tuple[int, list[str], str]:
    with ScriptedServer([]) as server:
        done = orchestra(root, server, home, "check")
    return done.returncode, done.stdout.splitlines(), done.stderr


def test_valid_claude_code_fields_are_not_unknown(tmp_path: Path) -> None:
    files = {
        ".claude/settings.json": json.dumps(SETTINGS, indent=2),
        ".claude/agents/reviewer.md": AGENT,
        ".mcp.json": json.dumps(MCP),
    }
    root = write(tmp_path / "repo", files)
    home = write(tmp_path / "home", {})
    git_init(root)
    code, lines, summary = _check(root, home)
    assert code == 0, lines
    text = "\n".join(lines)
    # a key Claude Code does not document is unknown, with the closest documented one
    unknown = [line.split(": warning: ")[1] for line in lines if "unknown" in line]
    assert unknown == [
        "unknown field 'permissions.additionalDirectory' in Claude Code settings "
        "(did you mean 'additionalDirectories'?); ignored",
        "unknown field 'modle' in Claude Code settings (did you mean 'model'?); ignored",
        "unknown field 'spinnerTipsEnable' in Claude Code settings "
        "(did you mean 'spinnerTipsEnabled'?); ignored",
    ], text
    for silent in ("statusLine", "cleanupPeriodDays", "color", "outputStyle", "theme"):
        assert silent not in text, text
    for key in ("model", "apiKeyHelper", "awsAuthRefresh", "permissions.additionalDirectories"):
        assert f"info: Claude Code's '{key}' has no effect in Orchestra; ignored" in text, text
    assert "reviewer.md:7:1: info: Claude Code's sub-agent field 'memory' has no effect" in text
    # `enabledMcpjsonServers` approves tickets and docs; `disabledMcpjsonServers` takes docs
    assert "MCP server 'docs' is not used: Claude Code settings' disabledMcpjsonServers" in text
    assert (
        "'browser' is not used: Claude Code settings' enabledMcpjsonServers does not name it"
        in (text)
    )
    assert summary.strip().endswith("1 MCP server"), summary

    # `enableAllProjectMcpServers: true` in the person's own settings approves the rest
    local = {"enableAllProjectMcpServers": True}
    (root / ".claude/settings.local.json").write_text(json.dumps(local), "utf-8")
    code, lines, summary = _check(root, home)
    assert summary.strip().endswith("2 MCP servers"), summary
    assert "'browser' is not used" not in "\n".join(lines)
    # no settings: every server of .mcp.json is used (Orchestra has no approval prompt)
    (root / ".claude/settings.json").unlink()
    (root / ".claude/settings.local.json").unlink()
    code, lines, summary = _check(root, home)
    assert summary.strip().endswith("3 MCP servers"), summary


HOOK = """\
import json, sys
with open(".claude/hooks/seen.jsonl", "a") as log:
    log.write(json.dumps(json.load(sys.stdin)) + "\\n")
"""


def test_hooks_are_told_the_settings_default_mode_and_disable_all_hooks_stops_them(
    tmp_path: Path,
) -> None:
    settings = {
        "permissions": {"allow": ["Bash(ls:*)"], "defaultMode": "acceptEdits"},
        "hooks": {
            "PreToolUse": [
                {
                    "matcher": "Bash",
                    "hooks": [{"type": "command", "command": "python3 .claude/hooks/seen.py"}],
                }
            ]
        },
    }
    files = {
        ".claude/settings.json": json.dumps(settings),
        ".claude/hooks/seen.py": HOOK,
        ".claude/commands/look.md": "---\ndescription: Look\n---\nList the files.\n",
    }
    root = write(tmp_path / "repo", files)
    home = write(tmp_path / "home", {})
    git_init(root)
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "run_shell", "input": {"command": "ls"}}]}},
        {"reply": {"text": "Listed."}},
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, home, "run", "look", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    seen = root / ".claude/hooks/seen.jsonl"
    [call] = [json.loads(line) for line in seen.read_text().splitlines()]
    assert call["permission_mode"] == "acceptEdits"

    seen.unlink()
    (root / ".claude/settings.local.json").write_text('{"disableAllHooks": true}', "utf-8")
    with ScriptedServer(script) as server:
        done = orchestra(root, server, home, "run", "look", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    assert not seen.exists()
