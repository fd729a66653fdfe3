"""The journal and the run's output name the model the requests actually use: a
Claude Code command's `model:` or an agent's own, not the configuration's."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from engine_helpers import MODEL, command_file, events_of, orchestra, workspace

from orchestra_lsp.journal import list_runs
from orchestra_lsp.testing import ScriptedServer

HAIKU = "claude-3-5-haiku-20241022"
FIX_ISSUE = f"""\
---
description: Fix an issue
argument-hint: [issue] [priority]
model: {HAIKU}
---
Fix issue #$1 with priority $2.
"""


def test_a_claude_command_s_model_is_the_one_named(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {}, extra={".claude/commands/fix-issue.md": FIX_ISSUE})
    with ScriptedServer([{"reply": {"text": "Fixed."}}]) as server:
        done = orchestra(root, server, tmp_path / "config", "run", "fix-issue", "42", "high")
    assert done.returncode == 0, done.stdout + done.stderr
    assert {(r.body or {}).get("model") for r in server.requests} == {HAIKU}
    header = done.stdout.splitlines()[0]
    assert f"model {HAIKU}" in header, done.stdout
    assert MODEL not in done.stdout, done.stdout
    [run] = list_runs(root)
    assert run.models == [HAIKU]
    [started] = events_of(root, run.run_id, "run_started")
    assert (started["model"], started["models"]) == (HAIKU, [HAIKU])
    [step] = events_of(root, run.run_id, "step_started")
    assert step["model"] == HAIKU
    meta = json.loads(next((root / ".orchestra" / "runs").glob("*/run.json")).read_text())
    assert meta["models"] == [HAIKU]
    shown = orchestra(root, server, tmp_path / "config", "show", "last")
    assert f"model {HAIKU}" in shown.stdout and MODEL not in shown.stdout, shown.stdout
    listed = orchestra(root, server, tmp_path / "config", "runs", "--json")
    assert json.loads(listed.stdout)[0]["models"] == [HAIKU]
    page = tmp_path / "page.html"
    orchestra(root, server, tmp_path / "config", "show", "last", "--html", str(page))
    assert f'id="run-models">{HAIKU}<' in page.read_text()


SCOUT = """\
---
name: scout
description: Looks around quickly.
model: claude-haiku-4-5
tools: [read_file]
---
You are the scout.
"""


def test_steps_on_different_models_each_say_theirs(tmp_path: Path) -> None:
    steps = [
        {"id": "look", "agent": "scout", "prompt": "Look."},
        {"id": "work", "agent": "worker", "prompt": "Work."},
    ]
    root = workspace(
        tmp_path / "ws",
        {"two": command_file(steps)},
        extra={".orchestra/agents/scout.md": SCOUT},
    )
    script = [{"reply": {"text": "Looked."}}, {"reply": {"text": "Worked."}}]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, tmp_path / "config", "run", "two", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    used = [(r.body or {}).get("model") for r in server.requests]
    assert used == ["claude-haiku-4-5", MODEL]
    lines = done.stdout.splitlines()
    assert f"models claude-haiku-4-5, {MODEL}" in lines[0], done.stdout
    assert any("step 1/2 look · agent scout · model claude-haiku-4-5" in x for x in lines)
    assert any(f"step 2/2 work · agent worker · model {MODEL}" in x for x in lines)
    [run] = list_runs(root)
    assert run.models == ["claude-haiku-4-5", MODEL]
    shown = orchestra(root, server, tmp_path / "config", "show", run.run_id)
    assert f"models claude-haiku-4-5, {MODEL}" in shown.stdout, shown.stdout
    assert "step look · agent scout · model claude-haiku-4-5" in shown.stdout


LEAD = """\
---
name: lead
description: Hands the look to the scout.
tools: [task]
---
You lead.
"""


def test_a_sub_agent_s_own_model_is_named_where_it_runs(tmp_path: Path) -> None:
    root = workspace(
        tmp_path / "ws",
        {"lead": command_file([{"id": "lead", "agent": "lead", "prompt": "Delegate."}])},
        extra={".orchestra/agents/scout.md": SCOUT, ".orchestra/agents/lead.md": LEAD},
    )
    task = {"name": "task", "input": {"subagent_type": "scout", "prompt": "Look."}}
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [task]}},
        {"reply": {"text": "Looked."}},
        {"reply": {"text": "Led."}},
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, tmp_path / "config", "run", "lead", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert [(r.body or {}).get("model") for r in server.requests] == [
        MODEL,
        "claude-haiku-4-5",
        MODEL,
    ]
    assert f"model {MODEL}" in done.stdout.splitlines()[0], done.stdout
    assert "lead/task-1 · agent scout · model claude-haiku-4-5" in done.stdout, done.stdout
    [run] = list_runs(root)
    assert run.models == [MODEL, "claude-haiku-4-5"]
    steps = {e["step_id"]: e["model"] for e in events_of(root, run.run_id, "step_started")}
    assert steps == {"lead": MODEL, "lead/task-1": "claude-haiku-4-5"}
