"""Resume from Neovim (editors/nvim) in a real, headless Neovim 0.11: `R` in
:Orchestra runs resumes a run that failed in round 2 of its loop where it stopped (the
picker of steps offers the steps inside the loop by path), and `:Orchestra resume RUN
from=build#2/review` runs that round's review again; a step no group has is refused
with the reason. The journal says which steps came from the failed run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from orchestra_lsp.journal import load_run
from orchestra_lsp.testing import ScriptedServer

sys.path.insert(0, str(Path(__file__).parent))
from plugin_helpers import drive, make_workspace

LOOP = """---
description: Implement until the review approves
steps:
  - id: build
    repeat:
      until: steps.review.output.verdict == "approve"
      max: 3
      steps:
        - {id: implement, agent: developer, prompt: "Implement. Notes: {{steps.review.output.notes}}"}
        - id: review
          agent: architect
          prompt: "Review: {{steps.implement.output}}"
          output:
            type: object
            properties:
              verdict: {enum: [approve, revise]}
              notes: {type: string}
            required: [verdict]
  - {id: summary, agent: architect, prompt: "Summarise {{steps.implement.output}}."}
---
"""


def _verdict(value: dict[str, Any]) -> dict[str, Any]:
    return {"reply": {"tool_use": [{"name": "structured_output", "input": value}]}}


def _reused(root: Path, run_id: str) -> list[str]:
    return [
        e["step_id"]
        for e in load_run(root, run_id).events
        if e["type"] == "step_finished" and e.get("reused_from")
    ]


def test_resume_from_the_runs_list_and_from_a_step_in_a_round(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "commands" / "loop.md").write_text(LOOP, encoding="utf-8")
    review_2 = {"expect": {"messages_contain": ["Review: DRAFT-2"]}}
    script = [
        {"reply": {"text": "DRAFT-1"}},
        _verdict({"verdict": "revise", "notes": "name it"}),
        {"expect": {"messages_contain": ["Notes: name it"]}, "reply": {"text": "DRAFT-2"}},
        # round 2's review answers out of the schema three times: the run fails there
        *[_verdict({"verdict": "maybe"}) for _ in range(3)],
        # R, where it stopped: only round 2's review and the summary ask the model
        review_2 | _verdict({"verdict": "approve"}),
        {"expect": {"messages_contain": ["Summarise DRAFT-2."]}, "reply": {"text": "ok"}},
        # from=build#2/review
        review_2 | _verdict({"verdict": "approve"}),
        {"reply": {"text": "ok again"}},
    ]
    answers = [{"prompt": "Orchestra: resume loop from", "pick": "where it stopped"}]
    with ScriptedServer(script) as model:
        seen = drive("resume_session.lua", root, tmp_path, model.base_url, answers)
        model.assert_no_failures()
        model.assert_all_consumed()
    assert seen["errors"] == [] and seen["unused_answers"] == 0, seen
    assert "R resume" in seen["runs_header"]
    assert seen["first_state"] == "failed"
    [picker] = [a for a in seen["asked"] if a["prompt"].startswith("Orchestra: resume loop from")]
    assert picker["items"] == [
        "where it stopped",
        "build",
        "build/implement",
        "build/review",
        "summary",
    ]
    assert seen["second_state"] == "finished" and seen["third_state"] == "finished"
    reused = ["build#1/implement", "build#1/review", "build#2/implement"]
    assert _reused(root, seen["second"]) == reused
    assert _reused(root, seen["third"]) == reused
    [refused] = [n for n in seen["notified"] if "cannot resume" in n["message"]]
    assert "has no step 'build/nope'" in refused["message"]
