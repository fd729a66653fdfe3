"""`orchestra/resume` through the language server: a run the person stopped at its
second step's approve gate is continued in a new run that asks the model nothing: the
finished steps' outputs are reused and the gate it stopped at opens again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import make_workspace
from pygls.exceptions import JsonRpcException

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

TWO_STEPS = """---
description: Plan, then write it down
steps:
  - id: plan
    agent: coder
    prompt: Plan it.
  - id: write
    agent: coder
    prompt: "Write this down: {{steps.plan.output}}"
    gate: approve
---
"""


async def test_a_stopped_run_is_resumed_with_its_finished_step_reused(
    start: Any, tmp_path: Path
) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "commands" / "two.md").write_text(TWO_STEPS, encoding="utf-8")
    script: list[dict[str, Any]] = [
        {"reply": {"text": "PLAN-ONE"}},
        {"expect": {"messages_contain": ["Write this down: PLAN-ONE"]}, "reply": {"text": "W1"}},
    ]
    with ScriptedServer(script) as model:
        editor = await start(
            root,
            "vscode",
            env={"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": model.base_url},
            answers=["Stop", "Approve"],
        )
        first = await editor.client.protocol.send_request_async(
            "orchestra/run", {"command": "two", "arguments": {}}
        )
        await editor.wait_event("run_cancelled", run_id=first.runId, timeout=60)
        resumed = await editor.client.protocol.send_request_async(
            "orchestra/resume", {"runId": first.runId}
        )
        await editor.wait_event("run_finished", run_id=resumed.runId, timeout=60)
        with pytest.raises(JsonRpcException, match="no-such-run"):
            await editor.client.protocol.send_request_async(
                "orchestra/resume", {"runId": "no-such-run"}
            )
    assert len(model.requests) == 2  # the resumed run asked the model nothing
    events = load_run(root, resumed.runId).events
    finished = {e["step_id"]: e for e in events if e["type"] == "step_finished"}
    assert (finished["plan"]["reused_from"], finished["plan"]["output"]) == (
        first.runId,
        "PLAN-ONE",
    )
    assert (finished["write"]["reused_from"], finished["write"]["output"]) == (first.runId, "W1")
    decided = [(e["step_id"], e["decision"]) for e in events if e["type"] == "gate_decided"]
    assert decided == [("write", "approve")]
    states = {s.run_id: s.state for s in list_runs(root)}
    assert states[resumed.runId] == "finished"
