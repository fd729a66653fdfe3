"""Delegation: the `task` tool starts a named agent on a fresh context with its own
tools and policy and returns its answer; its events nest in the journal, its cost is
its own, its edits join the run's changeset and review. Through the real CLI and the
scripted Messages API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from claude_repo import git_init, message_bodies, orchestra, write

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

REVIEWER = """---
name: code-reviewer
description: Use this agent right after code was written, to review it. Examples: <example>user: "added the parser" assistant: "I'll use the code-reviewer agent."</example>
tools: Read, Grep, Edit
---
You review code and fix typos you find.
"""

SUBAGENT_STOP = """\
import json, os, sys
event = json.load(sys.stdin)
if event["hook_event_name"] == "SubagentStop" and not os.path.exists("reviewed.flag"):
    open("reviewed.flag", "w").close()
    print("Also list the files you read.", file=sys.stderr)
    sys.exit(2)
"""

FILES = {
    ".claude/agents/code-reviewer.md": REVIEWER,
    ".claude/commands/ship.md": (
        "---\ndescription: Ship the change\n---\n"
        "Use the code-reviewer agent to review src/app.py, then summarise.\n"
    ),
    ".claude/settings.json": json.dumps(
        {
            "hooks": {
                "SubagentStop": [
                    {"hooks": [{"type": "command", "command": "python3 .claude/hooks/sub.py"}]}
                ]
            }
        }
    ),
    ".claude/hooks/sub.py": SUBAGENT_STOP,
    "src/app.py": "def handler(evnet):\n    return evnet\n",
}

TASK_PROMPT = "Review src/app.py for naming mistakes and fix them. Report what you changed."
FIX = {
    "name": "edit",
    "input": {
        "command": "str_replace",
        "path": "src/app.py",
        "old_str": "def handler(evnet):\n    return evnet",
        "new_str": "def handler(event):\n    return event",
    },
}


def test_a_task_runs_a_sub_agent_with_a_fresh_context(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", FILES)
    git_init(root)
    task = {"description": "review app", "prompt": TASK_PROMPT, "subagent_type": "code-reviewer"}
    script = [
        {
            "expect": {"tools": ["task"], "system_contains": ["general-purpose coding agent"]},
            "reply": {"text": "Delegating.", "tool_use": [{"name": "task", "input": task}]},
        },
        {
            "expect": {"system_contains": ["You review code and fix typos"]},
            "reply": {"tool_use": [FIX]},
        },
        {
            "expect": {"last_tool_result_contains": ["src/app.py"]},
            "reply": {"text": "Fixed evnet."},
        },
        {
            "expect": {"messages_contain": ["Also list the files you read.", "Fixed evnet."]},
            "reply": {"text": "Fixed evnet; read src/app.py."},
        },
        {
            "expect": {"last_tool_result_contains": ["Fixed evnet; read src/app.py."]},
            "reply": {"text": "Reviewed and fixed."},
        },
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, tmp_path / "home", "run", "ship", "--yes", "--apply")
    server.assert_no_failures()
    server.assert_all_consumed()
    assert done.returncode == 0, done.stdout + done.stderr

    bodies = message_bodies(server)
    sub = bodies[1]
    # a fresh context: the task's prompt alone, no word of the caller's conversation
    assert sub["messages"] == [{"role": "user", "content": TASK_PROMPT}]
    offered = {t["name"] for t in sub["tools"]}
    assert offered == {"read_file", "search", "edit"}  # its own tools; no task inside a task
    # the sub-agent's edit went through the run's review and landed
    assert (root / "src/app.py").read_text() == "def handler(event):\n    return event\n"

    [summary] = list_runs(root)
    events = load_run(root, summary.run_id).events
    starts = [
        (e["step_id"], e["agent"], e.get("parent_step"))
        for e in events
        if e["type"] == "step_started"
    ]
    assert starts == [("main", "general-purpose", None), ("main/task-1", "code-reviewer", "main")]
    usage = [(e["step_id"], e["agent"]) for e in events if e["type"] == "usage"]
    assert usage.count(("main/task-1", "code-reviewer")) == 3
    assert usage.count(("main", "general-purpose")) == 2
    edits = [e for e in events if e["type"] == "tool_call_started" and e["tool"] == "edit"]
    assert [e["step_id"] for e in edits] == ["main/task-1"]
    decided = {e["path"]: e["outcome"] for e in events if e["type"] == "proposal_decided"}
    # The hook's flag file landed on disk without review, and the journal says so.
    assert decided == {"src/app.py": "applied", "reviewed.flag": "applied_outside_review"}
    hooks = [(e["event"], e["decision"]) for e in events if e["type"] == "hook_ran"]
    assert hooks == [("SubagentStop", "block"), ("SubagentStop", "ok")]


def test_an_unknown_agent_is_an_error_for_the_model(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", {k: v for k, v in FILES.items() if "settings" not in k})
    git_init(root)
    bad = {"description": "x", "prompt": "do it", "subagent_type": "nobody"}
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "task", "input": bad}]}},
        {
            "expect": {"last_tool_result_contains": ["no agent 'nobody'", "code-reviewer"]},
            "reply": {"text": "No such agent."},
        },
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, tmp_path / "home", "run", "ship", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    first = message_bodies(server)[0]
    [task] = [t for t in first["tools"] if t["name"] == "task"]
    assert "- code-reviewer: Use this agent right after code was written" in task["description"]
