"""Edit the plan at an approve gate through the language server, with a real LSP client
(pytest-lsp) against the scripted model: the `Edit…` action and `orchestra/edit` for a
client that declares it (the Neovim plugin's way), and `orchestra/gate` +
`orchestra/decide` with `gate.edited` while the gate's message stays open (the VS Code
extension's way), including an edit the step's schema refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import HOLD, make_workspace
from pygls.exceptions import JsonRpcException

from orchestra_lsp.journal import load_run
from orchestra_lsp.testing import ScriptedServer

API_KEY = "test-key-lsp-0a1b2c3d4e5f"
TRIAGE = """---
description: Triage, then say the kind
steps:
  - id: triage
    agent: planner
    prompt: Triage it.
    gate: approve
    output:
      type: object
      properties:
        kind: {enum: [bug, feature]}
      required: [kind]
  - id: say
    agent: planner
    prompt: "The kind is {{steps.triage.output.kind}}."
---
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "commands" / "triage.md").write_text(TRIAGE, encoding="utf-8")
    return root


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"ANTHROPIC_API_KEY": API_KEY, "XDG_CONFIG_HOME": str(tmp_path / "config")}


def _events(root: Path, run_id: str, kind: str) -> list[dict[str, Any]]:
    return [e for e in load_run(root, run_id).events if e.get("type") == kind]


async def test_edit_action_sends_orchestra_edit_and_the_next_step_sees_the_edit(
    start: Any, workspace: Path, env: dict[str, str]
) -> None:
    script: list[dict[str, Any]] = [
        {"reply": {"text": "The plan: rewrite everything."}},
        {
            "expect": {"messages_contain": ["Implement this plan: The plan: change line 2."]},
            "reply": {"text": "Nothing to change."},
        },
        {"reply": {"text": "Checked."}},
    ]
    with ScriptedServer(script) as model:
        editor = await start(
            workspace, "neovim", env={**env, "ANTHROPIC_BASE_URL": model.base_url}, edit=True
        )
        # Edit… then give up (the gate comes back), Edit… again and save.
        editor.answers = ["Edit…", "Edit…"]
        editor.edit_answers = [None, "The plan: change line 2.\n"]
        answer = await editor.client.protocol.send_request_async(
            "orchestra/run", {"command": "change", "arguments": {"goal": "tidy"}}
        )
        run_id = str(answer.runId)
        await editor.wait_event("run_finished", run_id=run_id, timeout=60)
    model.assert_no_failures()
    first, second = editor.message_requests
    assert [a.title for a in first.actions] == ["Approve", "Edit…", "Revise", "Stop"]
    assert second.message == first.message
    assert [e["text"] for e in editor.edited] == ["The plan: rewrite everything."] * 2
    assert editor.edited[0]["format"] == "text" and editor.edited[0]["stepId"] == "plan"
    [decided] = _events(workspace, run_id, "gate_decided")[:1]
    assert decided["edited"] is True and decided["output"] == "The plan: change line 2."


async def test_gate_and_decide_edit_a_structured_answer_refused_then_taken(
    start: Any, workspace: Path, env: dict[str, str]
) -> None:
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "structured_output", "input": {"kind": "feature"}}]}},
        {"expect": {"messages_contain": ["The kind is bug."]}, "reply": {"text": "Bug it is."}},
    ]
    with ScriptedServer(script) as model:
        editor = await start(workspace, "vscode", env={**env, "ANTHROPIC_BASE_URL": model.base_url})
        editor.answers = [HOLD, HOLD]
        answer = await editor.client.protocol.send_request_async(
            "orchestra/run", {"command": "triage", "arguments": {}}
        )
        run_id = str(answer.runId)
        await editor.wait_event("gate_opened", run_id=run_id, timeout=60)
        gate = await editor.client.protocol.send_request_async("orchestra/gate", {"runId": run_id})
        assert (gate.stepId, gate.gate, gate.format, gate.editable) == (
            "triage",
            "approve",
            "json",
            True,
        )
        assert json.loads(gate.output) == {"kind": "feature"} and gate.problem is None
        assert gate.outputSchema.required == ["kind"]
        typed = '{"kind": "bugg"}'
        decided = await editor.client.protocol.send_request_async(
            "orchestra/decide",
            {"runId": run_id, "gate": {"decision": "approve", "edited": typed}},
        )
        assert decided.gateAnswered
        await editor.wait_event("notice", run_id=run_id, level="warning", timeout=30)
        again = None
        for _ in range(100):  # the gate opens again on the person's text
            try:
                again = await editor.client.protocol.send_request_async(
                    "orchestra/gate", {"runId": run_id}
                )
                break
            except JsonRpcException:
                await editor.wait_event("gate_opened", run_id=run_id, timeout=5)
        assert again is not None and again.output == typed
        assert again.problem is not None and "field 'kind'" in again.problem
        await editor.client.protocol.send_request_async(
            "orchestra/decide",
            {"runId": run_id, "gate": {"decision": "approve", "edited": '{"kind": "bug"}'}},
        )
        await editor.wait_event("run_finished", run_id=run_id, timeout=60)
        editor.release.set()
        with pytest.raises(JsonRpcException, match="no gate waiting"):
            await editor.client.protocol.send_request_async("orchestra/gate", {"runId": run_id})
    model.assert_no_failures()
    assert len(editor.message_requests) == 2
    assert "Your edit was not taken: field 'kind'" in editor.message_requests[1].message
    [decided_event] = _events(workspace, run_id, "gate_decided")
    assert decided_event["edited"] is True and decided_event["data"] == {"kind": "bug"}
