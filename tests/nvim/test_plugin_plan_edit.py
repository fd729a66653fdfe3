"""Edit the plan at an approve gate from Neovim (editors/nvim) in a real, headless
Neovim 0.11: `Edit…` at the gate's picker, the output in a buffer of its own, `:w`
approving the edit, a buffer closed unwritten giving the edit up, and a structured
step's refused JSON coming back with the problem as a diagnostic at its position."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from orchestra_lsp.journal import load_run
from orchestra_lsp.testing import ScriptedServer

sys.path.insert(0, str(Path(__file__).parent))
from plugin_helpers import drive, make_workspace

PLANNED = """---
description: Plan, then do the plan
arguments:
  - {name: goal, description: "What to do", required: true}
steps:
  - id: plan
    agent: architect
    prompt: "Plan how to {{goal}}."
    gate: approve
  - id: do
    agent: developer
    prompt: "Do this plan: {{steps.plan.output}}"
---
"""
TRIAGED = """---
description: Triage, then say where
steps:
  - id: triage
    agent: architect
    prompt: Triage calc.py.
    gate: approve
    output:
      type: object
      properties:
        kind: {enum: [bug, feature]}
        area: {type: string}
      required: [kind, area]
  - id: say
    agent: developer
    prompt: "A {{steps.triage.output.kind}} in {{steps.triage.output.area}}."
---
"""
GATE = "Step 'plan' (architect) is done"
TRIAGE_GATE = "Step 'triage' (architect) is done"


def test_edit_the_plan_in_a_buffer_then_a_structured_answer(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    commands = root / ".orchestra" / "commands"
    (commands / "planned.md").write_text(PLANNED, encoding="utf-8")
    (commands / "triaged.md").write_text(TRIAGED, encoding="utf-8")
    script: list[dict[str, Any]] = [
        {"reply": {"text": "1. Rewrite calc.py"}},
        {
            "expect": {"messages_contain": ["Do this plan: 1. Fix add()\n2. Leave mean() alone"]},
            "reply": {"text": "done"},
        },
        {
            "reply": {
                "tool_use": [
                    {"name": "structured_output", "input": {"kind": "feature", "area": "x"}}
                ]
            }
        },
        {"expect": {"messages_contain": ["A bug in calc.py."]}, "reply": {"text": "said"}},
    ]
    answers = [
        {"prompt": GATE, "pick": "Edit…"},
        {"prompt": GATE, "pick": "Edit…"},
        {"prompt": TRIAGE_GATE, "pick": "Edit…"},
        {"prompt": TRIAGE_GATE, "pick": "Edit…"},
    ]
    with ScriptedServer(script) as model:
        seen = drive("plan_edit.lua", root, tmp_path, model.base_url, answers)
        model.assert_no_failures()
    assert seen["errors"] == [] and seen["unused_answers"] == 0, seen
    picked = next(a for a in seen["asked"] if a["prompt"].startswith(GATE))
    assert picked["items"] == ["Approve", "Edit…", "Revise", "Stop"]

    # giving the edit up asked the gate again, on the model's text
    assert seen["first_edit"] == seen["second_edit"] == ["1. Rewrite calc.py"]
    assert seen["first_filetype"] == "markdown" and seen["json_filetype"] == "json"
    assert seen["first_state"] == "finished"
    events = load_run(root, seen["first_run"]).events
    [decided] = [e for e in events if e["type"] == "gate_decided"]
    assert decided["edited"] is True
    assert decided["output"] == "1. Fix add()\n2. Leave mean() alone"
    log = "\n".join(seen["log"])
    assert "approve: approve by person · edited: 1. Fix add() ⏎ 2. Leave mean() alone" in log, log

    # the refused JSON came back whole, its problem placed where the JSON broke
    assert seen["refused_lines"] == ["{", '  "kind": "bug",', '  "area": "calc.py"']
    assert (seen["diagnostic"]["lnum"], seen["diagnostic"]["col"]) == (3, 0)
    assert seen["diagnostic"]["message"].startswith("line 4, column 1:")
    assert seen["second_state"] == "finished"
    [decided] = [
        e for e in load_run(root, seen["second_run"]).events if e["type"] == "gate_decided"
    ]
    assert decided["data"] == {"kind": "bug", "area": "calc.py"}
