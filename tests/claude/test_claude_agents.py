"""Claude Code's sub-agent fields keep their meaning: `disallowedTools` and
`permissionMode: plan` take tools away for real, `mcpServers` narrows MCP, `maxTurns`
bounds the loop, `model: inherit` is the configured model. Listed with `orchestra
agents --json`, run through the CLI against the scripted Messages API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from claude_repo import git_init, message_bodies, orchestra, write

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer
from orchestra_lsp.workspace import load_workspace

PLANNER = """---
name: planner
description: Use this agent to plan a change before any code is written. Examples: <example>user: "plan the export" assistant: "I'll use the planner agent."</example>
model: inherit
permissionMode: plan
maxTurns: 3
---
You plan. You never change files.
"""

CAREFUL = """---
name: careful
description: Runs checks but never deletes anything
tools: Read, Grep, Bash, Edit
disallowedTools: Edit, Bash(rm:*), WebSearch
model: haiku
---
You run checks.
"""

NARROW = """---
name: narrow
description: Only talks to the docs server
mcpServers: [docs]
skills: doc-style
---
You read docs.
"""

BYPASS = """---
name: yolo
description: Wants every permission
permissionMode: bypassPermissions
tools: Bash
---
You run anything.
"""


def command(agent: str, body: str) -> str:
    return f"---\ndescription: run {agent}\nagent: {agent}\n---\n{body}\n"


FILES = {
    ".claude/agents/planner.md": PLANNER,
    ".claude/agents/careful.md": CAREFUL,
    ".claude/agents/narrow.md": NARROW,
    ".claude/agents/yolo.md": BYPASS,
    ".claude/commands/plan-it.md": command("planner", "Plan the CSV export."),
    ".claude/commands/check-it.md": command("careful", "Check the build."),
    ".claude/commands/risky.md": command("yolo", "Do it."),
    ".orchestra/config.toml": '[model]\nname = "claude-sonnet-4-6"\n',
    "notes.txt": "plan here\n",
    ".mcp.json": json.dumps(
        {
            "mcpServers": {
                "docs": {"command": "python3", "args": ["-m", "docs_server"]},
                "tickets": {"command": "python3", "args": ["-m", "tickets_server"]},
            }
        }
    ),
}


def test_fields_are_listed_with_their_meaning(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", FILES)
    ws = load_workspace(root, user_dir=tmp_path / "user")
    planner, careful, narrow = ws.agents["planner"], ws.agents["careful"], ws.agents["narrow"]
    assert planner.model is None and planner.max_turns == 3
    assert planner.permission_mode == "plan"
    assert "edit" not in planner.tools and "run_shell" not in planner.tools
    assert {"edit", "run_shell"} <= set(planner.excluded_tools)
    assert careful.tools == ["read_file", "search", "run_shell"]
    assert careful.excluded_tools == ["edit"] and careful.deny == ["run_shell(rm *)"]
    assert careful.model == "claude-haiku-5-5"
    assert "mcp__docs__*" in narrow.tools and "mcp__*" not in narrow.tools
    assert ws.errors == []
    with ScriptedServer([]) as server:
        listed = orchestra(root, server, tmp_path / "home", "agents", "--json")
        checked = orchestra(root, server, tmp_path / "home", "check")
    assert checked.returncode == 0, checked.stdout
    assert "skill 'doc-style' is not defined" in checked.stdout
    agents = {a["name"]: a for a in json.loads(listed.stdout)}
    assert agents["planner"]["permission_mode"] == "plan"
    assert agents["careful"]["excluded_tools"] == ["edit"]


def test_plan_mode_offers_no_edit_and_no_shell(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", FILES)
    git_init(root)
    script = [
        {
            "expect": {"tools": ["read_file", "search"], "system_contains": ["You plan."]},
            "reply": {"tool_use": [{"name": "run_shell", "input": {"command": "touch x"}}]},
        },
        {
            "expect": {"last_tool_result_contains": ["not available to agent 'planner'"]},
            "reply": {"text": "The plan: one step."},
        },
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, tmp_path / "home", "run", "plan-it", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    bodies = message_bodies(server)
    offered = {t["name"] for t in bodies[0]["tools"]}
    assert not offered & {"edit", "run_shell"}
    assert bodies[0]["model"] == "claude-sonnet-4-6"  # inherit: the configured model
    assert not (root / "x").exists()


def test_disallowed_tools_remove_and_deny(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", FILES)
    git_init(root)
    script = [
        {
            "expect": {"tools": ["run_shell", "read_file", "search"]},
            "reply": {"tool_use": [{"name": "run_shell", "input": {"command": "rm -f notes.txt"}}]},
        },
        {
            "expect": {"last_tool_result_contains": ["run_shell(rm *)"]},
            "reply": {"text": "Not deleted."},
        },
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, tmp_path / "home", "run", "check-it", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    [body, _] = message_bodies(server)
    assert "edit" not in {t["name"] for t in body["tools"]}
    assert (root / "notes.txt").exists()
    [summary] = list_runs(root)
    [decided] = [
        e for e in load_run(root, summary.run_id).events if e["type"] == "permission_decided"
    ]
    assert (decided["verdict"], decided["rule"]) == ("deny", "run_shell(rm *)")


def test_bypass_permissions_is_refused_by_default(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", FILES)
    git_init(root)
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "run_shell", "input": {"command": "touch made"}}]}},
        {"expect": {"last_tool_result_contains": ["unattended"]}, "reply": {"text": "Refused."}},
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, tmp_path / "home", "run", "risky", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (root / "made").exists()
    [summary] = list_runs(root)
    notices = [e["message"] for e in load_run(root, summary.run_id).events if e["type"] == "notice"]
    assert any("bypassPermissions" in n and "refused" in n for n in notices)


def test_bypass_permissions_where_the_persons_own_settings_allow_it(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", FILES)
    git_init(root)
    home = write(
        tmp_path / "home",
        {
            ".claude/settings.json": json.dumps(
                {"permissions": {"defaultMode": "bypassPermissions"}}
            )
        },
    )
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "run_shell", "input": {"command": "touch made"}}]}},
        {"expect": {"last_tool_result_contains": ["exit code 0"]}, "reply": {"text": "Made."}},
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, home, "run", "risky", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "made").exists()
    [summary] = list_runs(root)
    [decided] = [
        e for e in load_run(root, summary.run_id).events if e["type"] == "permission_decided"
    ]
    assert decided["reason"] == "permissionMode bypassPermissions"


def test_the_repository_cannot_grant_bypass_permissions(tmp_path: Path) -> None:
    settings = {"permissions": {"defaultMode": "bypassPermissions"}}
    root = write(tmp_path / "repo", {**FILES, ".claude/settings.json": json.dumps(settings)})
    git_init(root)
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "run_shell", "input": {"command": "touch made"}}]}},
        {"expect": {"last_tool_result_contains": ["unattended"]}, "reply": {"text": "No."}},
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, tmp_path / "home", "run", "risky", "--yes")
        checked = orchestra(root, server, tmp_path / "home", "check")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (root / "made").exists()
    assert "only the person's own settings" in checked.stdout
