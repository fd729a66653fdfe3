"""Steps, chained outputs, approve gates and prompt templates, end to end: the engine
drives the real `anthropic` SDK against the scripted server, and every expectation
about the prompts is checked by the server on the requests it really received."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine_helpers import (
    CONTEXT,
    MODEL,
    RecordingFrontEnd,
    command_file,
    run_command,
    workspace,
    write_files,
)

from orchestra_lsp.engine import ApprovalDecision, Engine, RunRequest, bind_arguments
from orchestra_lsp.journal import list_runs

FOUR_STEPS = command_file(
    [
        {"id": "requirements", "agent": "worker", "prompt": "List the criteria of {{ticket}}."},
        {
            "id": "design",
            "agent": "worker",
            "prompt": "Design the change for: {{steps.requirements.output}}",
            "gate": "approve",
        },
        {"id": "implement", "agent": "worker", "prompt": "Implement: {{steps.design.output}}"},
        {"id": "review", "agent": "worker", "prompt": "Review: {{steps.implement.output}}"},
    ],
    arguments=[{"name": "ticket", "required": True}],
)

CONTEXT_MARK = CONTEXT.split()[-1].rstrip(".")


def _turn(text: str, *contains: str, first: bool = False) -> dict[str, Any]:
    expect: dict[str, Any] = {
        "system_contains": [CONTEXT_MARK, "You are the worker agent"],
        "messages_contain": list(contains),
        "model": MODEL,
    }
    if not first:
        expect["prefix_unchanged"] = True
    return {"expect": expect, "reply": {"text": text}}


def _coalesced(types: list[str]) -> list[str]:
    """Event types as the journal keeps them: a run of text deltas is one line."""
    return [t for i, t in enumerate(types) if t != "text_delta" or types[i - 1] != "text_delta"]


async def test_four_steps_with_an_approved_gate_chain_their_outputs(root: Path) -> None:
    workspace(root, {"ship": FOUR_STEPS})
    script: list[dict[str, Any]] = [
        _turn("CRIT-ALPHA: the cart keeps items.", "List the criteria of SHOP-12", first=True),
        _turn("DESIGN-V1: store the cart in a cookie.", "Design the change for: CRIT-ALPHA"),
        _turn("IMPL-DONE: cookie cart written.", "Implement: DESIGN-V1: store the cart"),
        _turn("LGTM: reviewed.", "Review: IMPL-DONE"),
    ]
    frontend = RecordingFrontEnd(root, approvals=[ApprovalDecision(decision="approve")])

    outcome = await run_command(
        root, script, RunRequest(command="ship", arguments={"ticket": "SHOP-12"}), frontend
    )

    assert outcome.result.state == "finished", outcome.result.error
    assert outcome.result.output == "LGTM: reviewed."
    [approval] = frontend.approval_requests
    assert (approval.step_id, approval.gate) == ("design", "approve")
    assert approval.output == "DESIGN-V1: store the cart in a cookie."
    assert [e.step_id for e in frontend.of_type("step_finished")] == [
        "requirements",
        "design",
        "implement",
        "review",
    ]
    # The journal holds the same story, the gate decided by a person.
    journal = outcome.journal()
    assert journal[0]["type"] == "run_started"
    assert journal[-1]["type"] == "run_finished"
    [decided] = [e for e in journal if e["type"] == "gate_decided"]
    assert (decided["gate"], decided["decision"], decided["by"]) == ("approve", "approve", "person")
    assert [e["type"] for e in journal] == _coalesced([e.type for e in frontend.events])
    assert list_runs(root)[0].state == "finished"


async def test_revise_reruns_the_step_with_the_feedback_in_its_prompt(root: Path) -> None:
    workspace(root, {"ship": FOUR_STEPS})
    feedback = "Use the session store, not a cookie (FEEDBACK-7431)."
    script: list[dict[str, Any]] = [
        _turn("CRIT-ALPHA: the cart keeps items.", "SHOP-12", first=True),
        _turn("DESIGN-V1: store the cart in a cookie.", "CRIT-ALPHA"),
        {
            "name": "design, second attempt",
            "expect": {
                "messages_contain": [feedback, "DESIGN-V1", "CRIT-ALPHA"],
                "prefix_unchanged": True,
            },
            "reply": {"text": "DESIGN-V2: store the cart in the session."},
        },
        _turn("IMPL-DONE.", "Implement: DESIGN-V2"),
        _turn("LGTM.", "Review: IMPL-DONE"),
    ]
    frontend = RecordingFrontEnd(
        root,
        approvals=[
            ApprovalDecision(decision="revise", feedback=feedback),
            ApprovalDecision(decision="approve"),
        ],
    )

    outcome = await run_command(
        root, script, RunRequest(command="ship", arguments={"ticket": "SHOP-12"}), frontend
    )

    assert outcome.result.state == "finished", outcome.result.error
    assert [r.output for r in frontend.approval_requests] == [
        "DESIGN-V1: store the cart in a cookie.",
        "DESIGN-V2: store the cart in the session.",
    ]
    design_starts = [e for e in frontend.of_type("step_started") if e.step_id == "design"]
    assert [e.attempt for e in design_starts] == [1, 2]
    decided = outcome.journal_of("gate_decided")
    assert [(e["decision"], e["feedback"]) for e in decided] == [
        ("revise", feedback),
        ("approve", None),
    ]
    # The implement step got the approved design, not the revised-away one.
    implement_prompt = outcome.bodies()[3]["messages"][0]["content"]
    assert "DESIGN-V2" in implement_prompt and "DESIGN-V1" not in implement_prompt


async def test_stop_at_the_approve_gate_ends_the_run_without_later_steps(root: Path) -> None:
    workspace(root, {"ship": FOUR_STEPS})
    script: list[dict[str, Any]] = [
        _turn("CRIT.", "SHOP-12", first=True),
        _turn("DESIGN.", "CRIT."),
    ]
    frontend = RecordingFrontEnd(root, approvals=[ApprovalDecision(decision="stop")])

    outcome = await run_command(
        root, script, RunRequest(command="ship", arguments={"ticket": "SHOP-12"}), frontend
    )

    assert outcome.result.state == "cancelled"
    assert "approve gate of step 'design'" in (outcome.result.error or "")
    assert outcome.journal()[-1]["type"] == "run_cancelled"
    assert list_runs(root)[0].state == "cancelled"


async def test_unattended_run_passes_the_approve_gate_by_policy(root: Path) -> None:
    workspace(root, {"ship": FOUR_STEPS})
    script: list[dict[str, Any]] = [
        _turn("CRIT.", "SHOP-12", first=True),
        _turn("DESIGN.", "CRIT."),
        _turn("IMPL.", "DESIGN."),
        _turn("OK.", "IMPL."),
    ]
    frontend = RecordingFrontEnd(root)  # any approval request would fail the test

    outcome = await run_command(
        root,
        script,
        RunRequest(command="ship", arguments={"ticket": "SHOP-12"}),
        frontend,
        yes=True,
    )

    assert outcome.result.state == "finished", outcome.result.error
    assert frontend.approval_requests == []
    [decided] = outcome.journal_of("gate_decided")
    assert (decided["decision"], decided["by"]) == ("approve", "automation")
    # Unattended: ask_user is not offered, since no one could answer it.
    assert all(
        "ask_user" not in {tool["name"] for tool in body["tools"]} for body in outcome.bodies()
    )


async def test_editor_context_reaches_the_prompt(root: Path) -> None:
    prompt = "Fix {{file}}.\nSelected:\n{{selection}}\nDiagnostics:\n{{diagnostics}}"
    workspace(root, {"fix": command_file([{"id": "fix", "agent": "worker", "prompt": prompt}])})
    request = RunRequest(
        command="fix",
        file="src/app.py",
        selection="def broken(:  # SELECTION-MARK",
        diagnostics="src/app.py:3:12 error E999 SyntaxError: invalid syntax",
    )
    script: list[dict[str, Any]] = [
        {
            "expect": {
                "messages_contain": [
                    "Fix src/app.py.",
                    "def broken(:  # SELECTION-MARK",
                    "src/app.py:3:12 error E999 SyntaxError",
                ]
            },
            "reply": {"text": "Fixed."},
        }
    ]

    outcome = await run_command(root, script, request)

    assert outcome.result.state == "finished", outcome.result.error


async def test_claude_code_command_with_arguments_runs(root: Path) -> None:
    workspace(
        root,
        {},
        config='[agents]\ndefault = "worker"\n',
        extra={
            ".claude/commands/triage.md": """\
            ---
            description: Triage an issue
            agent: worker
            argument-hint: "<issue> [priority]"
            allowed-tools: run_shell(make lint*)
            ---
            Triage the issue $ARGUMENTS and say what to do first.
            """,
        },
    )
    user_dir = root.parent / "user"
    user_dir.mkdir()
    engine = Engine(root, user_dir=user_dir)
    command = engine.workspace.commands["triage"]
    arguments = bind_arguments(command, ["SHOP-77", "urgent"])
    script: list[dict[str, Any]] = [
        {
            "expect": {
                "system_contains": ["You are the worker agent", CONTEXT_MARK],
                "messages_contain": ["Triage the issue SHOP-77 urgent and say what to do first."],
            },
            "reply": {"tool_use": [{"name": "run_shell", "input": {"command": "make lint"}}]},
        },
        {
            "expect": {"last_tool_result_contains": ["exit"], "prefix_unchanged": True},
            "reply": {"text": "Start with the lint errors."},
        },
    ]
    write_files(root, {"Makefile": "lint:\n\t@echo linted-ok\n"})

    outcome = await run_command(
        root, script, RunRequest(command="triage", arguments=arguments), user_dir=user_dir
    )

    assert outcome.result.state == "finished", outcome.result.error
    assert outcome.result.output == "Start with the lint errors."
    # `allowed-tools` let the shell call through without asking anyone.
    [decided] = outcome.journal_of("permission_decided")
    assert (decided["tool"], decided["verdict"], decided["by"]) == ("run_shell", "allow", "policy")
