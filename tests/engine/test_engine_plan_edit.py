"""Edit the plan, then approve: at an approve gate the person's edit of the step's output
is what the next steps see, what `when` reads, what the journal records (beside the
model's own answer) and what a resume reuses. An edit a structured step cannot take is
said with its position and asked again on the person's text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine_helpers import RecordingFrontEnd, command_file, model_client, run_command, workspace
from test_engine_flow import TRIAGE_SCHEMA, answer

from orchestra_lsp.engine import ApprovalDecision, Engine, RunRequest

PLAN = command_file(
    [
        {"id": "plan", "agent": "worker", "prompt": "Plan {{ticket}}.", "gate": "approve"},
        {"id": "build", "agent": "worker", "prompt": "Build this plan:\n{{steps.plan.output}}"},
    ],
    arguments=[{"name": "ticket", "required": True}],
)
TRIAGED = command_file(
    [
        {
            "id": "triage",
            "agent": "worker",
            "prompt": "Triage {{ticket}}.",
            "output": TRIAGE_SCHEMA,
            "gate": "approve",
        },
        {
            "id": "fix",
            "when": 'steps.triage.output.kind == "bug"',
            "agent": "worker",
            "prompt": "Fix {{steps.triage.output.criteria}}.",
        },
        {"id": "wrap", "agent": "worker", "prompt": "Kind was {{steps.triage.output.kind}}."},
    ],
    arguments=[{"name": "ticket", "required": True}],
)


async def test_the_edited_plan_is_what_the_next_step_sees_and_the_journal_keeps(
    root: Path,
) -> None:
    workspace(root, {"flow": PLAN})
    frontend = RecordingFrontEnd(
        root,
        approvals=[ApprovalDecision(decision="approve", edited="1. Fix the cart\n2. Add a test\n")],
    )
    script: list[dict[str, Any]] = [
        {"reply": {"text": "1. Rewrite everything"}},
        {
            "expect": {"messages_contain": ["Build this plan:\n1. Fix the cart\n2. Add a test"]},
            "reply": {"text": "built"},
        },
    ]
    outcome = await run_command(
        root, script, RunRequest(command="flow", arguments={"ticket": "SHOP-1"}), frontend
    )
    assert outcome.result.state == "finished", outcome.result.error
    [request] = frontend.approval_requests
    assert request.editable and request.format == "text" and request.problem is None
    assert request.output == "1. Rewrite everything"
    [decided] = outcome.journal_of("gate_decided")
    # Both versions: the model's in step_finished, the approved edit in gate_decided
    # (an editor's final newline is not an edit of its own).
    assert decided["edited"] is True and decided["by"] == "person"
    assert decided["output"] == "1. Fix the cart\n2. Add a test"
    finished = {e["step_id"]: e for e in outcome.journal_of("step_finished")}
    assert finished["plan"]["output"] == "1. Rewrite everything"
    assert "Rewrite everything" not in str(outcome.bodies()[1]["messages"])


async def test_an_edit_that_changes_nothing_is_not_journaled_as_an_edit(root: Path) -> None:
    workspace(root, {"flow": PLAN})
    frontend = RecordingFrontEnd(
        root, approvals=[ApprovalDecision(decision="approve", edited="THE PLAN\n\n")]
    )
    script: list[dict[str, Any]] = [
        {"reply": {"text": "THE PLAN"}},
        {"expect": {"messages_contain": ["Build this plan:\nTHE PLAN"]}, "reply": {"text": "ok"}},
    ]
    outcome = await run_command(
        root, script, RunRequest(command="flow", arguments={"ticket": "SHOP-1"}), frontend
    )
    [decided] = outcome.journal_of("gate_decided")
    assert decided["edited"] is False and decided["output"] is None


async def test_a_structured_edit_is_checked_asked_again_and_then_decides_the_branch(
    root: Path,
) -> None:
    workspace(root, {"flow": TRIAGED})
    broken = '{\n  "kind": "bug",\n  "criteria": ["totals"\n}'
    refused = '{"kind": "bugg", "criteria": ["totals"]}'
    frontend = RecordingFrontEnd(
        root,
        approvals=[
            ApprovalDecision(decision="approve", edited=broken),
            ApprovalDecision(decision="approve", edited=refused),
            ApprovalDecision(decision="approve", edited='{"kind": "bug", "criteria": ["totals"]}'),
        ],
    )
    script: list[dict[str, Any]] = [
        {"reply": answer({"kind": "feature", "criteria": []})},
        {"expect": {"messages_contain": ['Fix ["totals"].']}, "reply": {"text": "fixed"}},
        {"expect": {"messages_contain": ["Kind was bug."]}, "reply": {"text": "done"}},
    ]
    outcome = await run_command(
        root, script, RunRequest(command="flow", arguments={"ticket": "SHOP-2"}), frontend
    )
    assert outcome.result.state == "finished", outcome.result.error
    first, second, third = frontend.approval_requests
    assert first.format == "json" and first.output_schema == TRIAGE_SCHEMA
    # Nothing is lost: each time the gate comes back on the person's own text.
    assert second.output == broken and second.problem is not None
    assert second.problem.startswith("line 4, column 1:")
    assert third.output == refused and third.problem is not None
    assert "field 'kind'" in third.problem and "bugg" in third.problem
    notices = [e["message"] for e in outcome.journal_of("notice")]
    assert any("the edited output was not taken (line 4, column 1" in n for n in notices)
    [decided] = outcome.journal_of("gate_decided")
    assert decided["edited"] is True
    assert decided["data"] == {"kind": "bug", "criteria": ["totals"]}
    assert outcome.journal_of("step_skipped") == []  # `when` read the edited kind


async def test_a_resume_reuses_the_edited_plan(root: Path) -> None:
    workspace(root, {"flow": PLAN})
    frontend = RecordingFrontEnd(
        root,
        approvals=[ApprovalDecision(decision="approve", edited="EDITED PLAN")],
    )
    # The build step fails (the server has no turn for it): the run is resumable.
    first = await run_command(
        root,
        [{"reply": {"text": "MODEL PLAN"}}],
        RunRequest(command="flow", arguments={"ticket": "SHOP-3"}),
        frontend,
        max_retries=0,
        check_script=False,
    )
    assert first.result.state == "failed"
    from orchestra_lsp.testing import ScriptedServer

    script = [
        {"expect": {"messages_contain": ["Build this plan:\nEDITED PLAN"]}, "reply": {"text": "ok"}}
    ]
    with ScriptedServer(script) as server:
        engine = Engine(root, client=model_client(server), user_dir=root.parent / "user")
        try:
            handle = engine.resume(first.result.run_id, RecordingFrontEnd(root))
            result = await handle.wait()
        finally:
            await engine.aclose()
        server.assert_no_failures()
        server.assert_all_consumed()
    assert result.state == "finished", result.error
