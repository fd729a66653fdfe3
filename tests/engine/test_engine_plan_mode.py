"""Plan mode holds for what runs beside the model's tool calls: a Claude Code command's
`` !`cmd` `` lines are not run (the prompt and the journal say why), and Claude Code's
hooks run as Claude Code runs them in plan mode, told so by `permission_mode: "plan"`.
Through the engine and the real `anthropic` client against the scripted server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine_helpers import Outcome, command_file, run_command, workspace

from orchestra_lsp.engine import RunRequest

# A Claude Code command whose `!`cmd`` lines its own `allowed-tools` allow: outside
# plan mode both run (one writes a file), so only plan mode keeps them from running.
PROBE = """\
---
description: Look at the shop
allowed-tools: Bash(touch:*), Bash(echo:*)
---
## Context

- Marker: !`touch made-by-prompt && echo marked`
- Greeting: !`echo hello-from-shell`

Describe the shop.
"""

# Records each hook's stdin, as a hook that logs would (a write Claude Code's plan mode
# lets hooks make: they are the person's own configuration, not the model's calls).
RECORD = "cat >> .claude/hooks-seen.jsonl && echo >> .claude/hooks-seen.jsonl"
SETTINGS = {
    "hooks": {
        event: [{"matcher": "", "hooks": [{"type": "command", "command": RECORD}]}]
        for event in ("PreToolUse", "PostToolUse", "UserPromptSubmit")
    }
}


async def _probe(root: Path, plan: bool) -> Outcome:
    workspace(
        root,
        {},
        extra={
            ".claude/commands/probe.md": PROBE,
            ".claude/settings.json": json.dumps(SETTINGS),
            "shop.py": "def total(prices):\n    return sum(prices)\n",
        },
    )
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "read_file", "input": {"path": "shop.py"}}]}},
        {"reply": {"text": "The shop sums prices."}},
    ]
    return await run_command(root, script, RunRequest(command="probe"), yes=not plan, plan=plan)


def _prompt(outcome: Outcome) -> str:
    content = outcome.bodies()[0]["messages"][0]["content"]
    return content if isinstance(content, str) else "".join(b.get("text", "") for b in content)


def _hooks_seen(root: Path) -> list[dict[str, Any]]:
    lines = (root / ".claude/hooks-seen.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


async def test_plan_mode_runs_no_command_line_and_says_why(root: Path) -> None:
    outcome = await _probe(root, plan=True)
    assert outcome.result.state == "finished", outcome.result.error
    assert not (root / "made-by-prompt").exists()
    prompt = _prompt(outcome)
    for line in ("touch made-by-prompt && echo marked", "echo hello-from-shell"):
        assert f"[`{line}` was not run: the run is in plan mode" in prompt
    assert "hello-from-shell\n" not in prompt and "marked\n" not in prompt

    decided = [
        (e["tool"], e["verdict"], e["reason"])
        for e in outcome.journal_of("permission_decided")
        if e["tool"] == "run_shell"
    ]
    assert len(decided) == 2
    assert all(verdict == "deny" and "plan mode" in why for _, verdict, why in decided)
    shells = [e for e in outcome.journal_of("tool_call_finished") if e["tool"] == "run_shell"]
    assert [e["is_error"] for e in shells] == [True, True]


async def test_hooks_run_in_plan_mode_told_so_as_claude_code_tells_them(root: Path) -> None:
    outcome = await _probe(root, plan=True)
    assert outcome.result.state == "finished", outcome.result.error
    seen = _hooks_seen(root)
    assert [h["hook_event_name"] for h in seen] == ["UserPromptSubmit", "PreToolUse", "PostToolUse"]
    assert {h["permission_mode"] for h in seen} == {"plan"}
    ran = outcome.journal_of("hook_ran")
    assert [h["event"] for h in ran] == ["UserPromptSubmit", "PreToolUse", "PostToolUse"]


async def test_outside_plan_mode_the_same_command_runs_its_lines(root: Path) -> None:
    outcome = await _probe(root, plan=False)
    assert outcome.result.state == "finished", outcome.result.error
    assert (root / "made-by-prompt").exists()
    prompt = _prompt(outcome)
    assert "- Marker: marked" in prompt and "- Greeting: hello-from-shell" in prompt
    assert {h["permission_mode"] for h in _hooks_seen(root)} == {"default"}
    # The line wrote a file without review: the journal says so, naming the line.
    outside = {
        e["path"]: e["detail"]
        for e in outcome.journal_of("proposal_decided")
        if e["outcome"] == "applied_outside_review"
    }
    assert "the command's line `" in outside.get("made-by-prompt", ""), outside


# An agent's (or sub-agent's) own `permissionMode` reaches the hooks of its turns as
# `permission_mode`, as the run's plan mode does; a plan-mode run wins over them all.
PLANNER = """\
---
name: planner
description: Plans before anyone changes anything.
tools: Read
permissionMode: plan
---
You plan.
"""
REVIEWER = """\
---
name: reviewer
description: Reviews the shop.
tools: Read
permissionMode: acceptEdits
---
You review.
"""
BYPASSER = """\
---
name: bypasser
description: Would bypass permissions, were the person's settings to allow it.
tools: Read
permissionMode: bypassPermissions
---
You bypass.
"""
LEAD = """\
---
name: lead
description: Hands the review to a sub-agent.
tools: [read_file, task]
---
You lead.
"""
FLOW = command_file(
    [
        {"id": "plan", "agent": "planner", "prompt": "Plan it."},
        {"id": "lead", "agent": "lead", "prompt": "Have it reviewed."},
        {"id": "bold", "agent": "bypasser", "prompt": "Go."},
    ]
)
EVERY_EVENT = {
    "hooks": {
        event: [{"matcher": "", "hooks": [{"type": "command", "command": RECORD}]}]
        for event in ("PreToolUse", "PostToolUse", "UserPromptSubmit", "Stop", "SubagentStop")
    }
}
READ = {"reply": {"tool_use": [{"name": "read_file", "input": {"path": "shop.py"}}]}}
DELEGATE = {
    "reply": {
        "tool_use": [
            {"name": "task", "input": {"subagent_type": "reviewer", "prompt": "Review shop.py."}}
        ]
    }
}


async def _agents_run(root: Path, plan: bool) -> list[tuple[str, str, str]]:
    workspace(
        root,
        {"flow": FLOW},
        extra={
            ".claude/agents/planner.md": PLANNER,
            ".claude/agents/reviewer.md": REVIEWER,
            ".claude/agents/bypasser.md": BYPASSER,
            ".orchestra/agents/lead.md": LEAD,
            ".claude/settings.json": json.dumps(EVERY_EVENT),
            "shop.py": "def total(prices):\n    return sum(prices)\n",
        },
    )
    text = [{"reply": {"text": "Done."}}]
    script: list[dict[str, Any]] = [READ, *text, DELEGATE, READ, *text, *text, READ, *text]
    outcome = await run_command(root, script, RunRequest(command="flow"), yes=True, plan=plan)
    assert outcome.result.state == "finished", outcome.result.error
    # The journal says which step each hook ran for; the hooks' own records, in the
    # same order, what they were told.
    ordered = [(e["step_id"], e["event"]) for e in outcome.journal_of("hook_ran")]
    seen = _hooks_seen(root)
    assert [event for _, event in ordered] == [h["hook_event_name"] for h in seen], seen
    return [
        (step, h["hook_event_name"], h["permission_mode"])
        for (step, _), h in zip(ordered, seen, strict=True)
    ]


async def test_an_agents_permission_mode_reaches_the_hooks_of_its_turns(root: Path) -> None:
    seen = await _agents_run(root, plan=False)
    modes: dict[str, set[str]] = {}
    for step, _, mode in seen:
        modes.setdefault(step.split("/")[0] + ("/task" if "/" in step else ""), set()).add(mode)
    assert modes == {
        "plan": {"plan"},  # planner: permissionMode plan
        "lead": {"default"},  # an agent without one
        "lead/task": {"acceptEdits"},  # the reviewer sub-agent's own
        "bold": {"default"},  # bypassPermissions the person's settings do not allow
    }, seen
    events = {(step.split("/")[0], event) for step, event, _ in seen}
    assert ("lead", "SubagentStop") in events and ("plan", "Stop") in events, seen
    sub = [(event, mode) for step, event, mode in seen if "/" in step]
    assert ("PreToolUse", "acceptEdits") in sub and ("SubagentStop", "acceptEdits") in sub, sub


async def test_a_plan_mode_run_tells_every_agents_hooks_plan(root: Path) -> None:
    seen = await _agents_run(root, plan=True)
    assert {mode for _, _, mode in seen} == {"plan"}, seen
    assert {step.split("/")[0] for step, _, _ in seen} == {"plan", "lead", "bold"}, seen
