"""`orchestra resume RUN [--from STEP]` as a real subprocess against the scripted
Messages API: a failed run goes on from the step that failed with the earlier steps'
outputs from its journal (no model call for them); a run stopped at an approve gate
reopens that gate on the same output; a run stopped at its review carries its pending
proposal over; `--from` runs again from a named step; bad requests are exit 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from batch_helpers import orchestra
from engine_helpers import command_file, kill_at_request, workspace

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import Script, ScriptedServer, Turn

BRIEF = """\
---
name: brief
description: Short answers, few turns.
tools: [read_file, edit]
max_turns: 2
---
You are the brief agent of the resume tests.
"""
THREE = command_file(
    [
        {"id": "plan", "agent": "brief", "prompt": "Plan the work.", "gate": "approve"},
        {"id": "build", "agent": "brief", "prompt": "Build this plan: {{steps.plan.output}}"},
        {"id": "report", "agent": "brief", "prompt": "Report on: {{steps.build.output}}"},
    ]
)
READ = {"name": "read_file", "input": {"path": "notes.txt"}}
EDIT = {
    "name": "edit",
    "input": {
        "command": "str_replace",
        "path": "notes.txt",
        "old_str": "draft",
        "new_str": "final",
    },
}


def _ws(root: Path) -> Path:
    return workspace(
        root,
        {"three": THREE},
        extra={".orchestra/agents/brief.md": BRIEF, "notes.txt": "draft\n"},
    )


def _events(root: Path, run_id: str, kind: str) -> list[dict[str, Any]]:
    return [e for e in load_run(root, run_id).events if e["type"] == kind]


def test_a_failed_run_goes_on_from_the_step_that_failed(root: Path, config_home: Path) -> None:
    _ws(root)
    first: list[dict[str, Any]] = [
        {"reply": {"text": "PLAN-7: one file."}},
        {"expect": {"messages_contain": ["PLAN-7: one file."]}, "reply": {"tool_use": [READ]}},
        {"reply": {"tool_use": [READ]}},  # max_turns (2) reached: the step fails
    ]
    with ScriptedServer(first) as server:
        failed = orchestra(root, server, config_home, "run", "three", "--gate", "plan=approve")
    server.assert_all_consumed()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    [old] = list_runs(root)
    assert old.state == "failed"

    # Only build and report reach the model; build still sees plan's output.
    second = [
        {
            "expect": {"messages_contain": ["Build this plan: PLAN-7: one file."]},
            "reply": {"text": "BUILT-7"},
        },
        {"expect": {"messages_contain": ["Report on: BUILT-7"]}, "reply": {"text": "All done."}},
    ]
    with ScriptedServer(second) as server:
        resumed = orchestra(root, server, config_home, "resume", old.run_id[:15])
    server.assert_no_failures()
    server.assert_all_consumed()
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    new = next(r for r in list_runs(root) if r.run_id != old.run_id)
    assert new.state == "finished" and new.command == "three"
    finished = _events(root, new.run_id, "step_finished")
    assert [(e["step_id"], e.get("reused_from")) for e in finished] == [
        ("plan", old.run_id),
        ("build", None),
        ("report", None),
    ]
    [notice] = [e for e in _events(root, new.run_id, "notice") if "resumes run" in e["message"]]
    assert f"resumes run {old.run_id}: outputs of step(s) plan" in notice["message"]

    # --from: build and report again, plan still reused; a finished run needs --from.
    third = [
        {
            "expect": {"messages_contain": ["Build this plan: PLAN-7: one file."]},
            "reply": {"text": "BUILT-8"},
        },
        {"expect": {"messages_contain": ["Report on: BUILT-8"]}, "reply": {"text": "Again."}},
    ]
    with ScriptedServer(third) as server:
        again = orchestra(root, server, config_home, "resume", new.run_id, "--from", "build")
        refused = orchestra(root, server, config_home, "resume", new.run_id)
        unknown_step = orchestra(root, server, config_home, "resume", old.run_id, "--from", "x")
        early = orchestra(root, server, config_home, "resume", old.run_id, "--from", "report")
        nothing = orchestra(root, server, config_home, "resume", "20200101-000000-abcdef")
    server.assert_all_consumed()
    assert again.returncode == 0, again.stdout + again.stderr
    assert refused.returncode == 2 and "nothing to continue" in refused.stderr
    assert unknown_step.returncode == 2
    assert "has no step 'x' (its steps: plan, build, report)" in unknown_step.stderr
    assert early.returncode == 2 and "step(s) build before it never completed" in early.stderr
    assert nothing.returncode == 2 and "no single run matches" in nothing.stderr
    for done in (refused, unknown_step, early, nothing):
        assert "Traceback" not in done.stderr


def test_a_run_stopped_at_a_gate_reopens_it_on_the_same_output(
    root: Path, config_home: Path
) -> None:
    _ws(root)
    with ScriptedServer([{"reply": {"text": "PLAN-9"}}]) as server:
        stopped = orchestra(root, server, config_home, "run", "three")
    assert stopped.returncode == 3 and "needs a person" in stopped.stdout
    [old] = list_runs(root)
    rest: list[dict[str, Any]] = [
        {"expect": {"messages_contain": ["Build this plan: PLAN-9"]}, "reply": {"text": "B"}},
        {"reply": {"text": "R"}},
    ]
    with ScriptedServer(rest) as server:
        resumed = orchestra(root, server, config_home, "resume", "last", "--gate", "plan=approve")
    server.assert_no_failures()
    server.assert_all_consumed()  # no request for plan: its output waited at the gate
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    new = list_runs(root)[0]
    assert new.run_id != old.run_id and new.state == "finished"
    [gate] = _events(root, new.run_id, "gate_decided")
    assert (gate["step_id"], gate["decision"], gate["by"]) == ("plan", "approve", "preset")


def test_a_run_stopped_at_its_review_carries_the_proposal_over(
    root: Path, config_home: Path
) -> None:
    command = command_file(
        [
            {"id": "edit", "agent": "brief", "prompt": "Finalise the notes.", "gate": "review"},
            {"id": "tell", "agent": "brief", "prompt": "Say what changed."},
        ]
    )
    workspace(
        root,
        {"finalise": command},
        extra={".orchestra/agents/brief.md": BRIEF, "notes.txt": "draft\n"},
    )
    with ScriptedServer([{"reply": {"tool_use": [EDIT]}}, {"reply": {"text": "Edited."}}]) as s:
        stopped = orchestra(root, s, config_home, "run", "finalise")
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    [old] = list_runs(root)
    assert old.pending_proposal
    with ScriptedServer([{"reply": {"text": "notes.txt is final."}}]) as server:
        resumed = orchestra(
            root, server, config_home, "resume", old.run_id, "--gate", "edit=review:accept-all"
        )
    server.assert_no_failures()
    server.assert_all_consumed()  # the edit step was not asked again
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert (root / "notes.txt").read_text() == "final\n"
    runs = {r.run_id: r for r in list_runs(root)}
    assert not runs[old.run_id].pending_proposal  # the proposal moved to the new run
    new = next(r for r in runs.values() if r.run_id != old.run_id)
    [decided] = _events(root, new.run_id, "proposal_decided")
    assert (decided["path"], decided["outcome"]) == ("notes.txt", "applied")


GROUPED = command_file(
    [
        {
            "id": "list",
            "agent": "brief",
            "prompt": "List the things.",
            "output": {
                "type": "object",
                "properties": {"items": {"type": "array", "items": {"type": "string"}}},
                "required": ["items"],
            },
        },
        {
            "id": "each",
            "for_each": "steps.list.output.items",
            "as": "thing",
            "steps": [
                {
                    "id": "look",
                    "agent": "brief",
                    "prompt": "Look at {{thing}}.",
                    "output": {
                        "type": "object",
                        "properties": {"verdict": {"enum": ["pass", "fail"]}},
                        "required": ["verdict"],
                    },
                }
            ],
        },
        {"id": "sum", "agent": "brief", "prompt": "Sum up: {{steps.each.output}}"},
    ]
)


def _answer(value: dict[str, Any]) -> dict[str, Any]:
    return {"tool_use": [{"name": "structured_output", "input": value}]}


def test_a_for_each_group_is_reused_whole_with_its_data(root: Path, config_home: Path) -> None:
    workspace(
        root,
        {"grouped": GROUPED},
        extra={".orchestra/agents/brief.md": BRIEF, "notes.txt": "draft\n"},
    )
    first = Script(
        concurrent=True,
        turns=[
            Turn.model_validate(t)
            for t in (
                {
                    "expect": {"messages_contain": ["List the things."]},
                    "reply": _answer({"items": ["apples", "pears"]}),
                },
                {
                    "expect": {"messages_contain": ["Look at apples."]},
                    "reply": _answer({"verdict": "pass"}),
                },
                {
                    "expect": {"messages_contain": ["Look at pears."]},
                    "reply": _answer({"verdict": "fail"}),
                },
                {"expect": {"messages_contain": ["Sum up:"]}, "reply": {"tool_use": [READ]}},
                {"expect": {"messages_contain": ["Sum up:"]}, "reply": {"tool_use": [READ]}},
            )
        ],
    )
    with ScriptedServer(first) as server:
        failed = orchestra(root, server, config_home, "run", "grouped")
    server.assert_no_failures()
    server.assert_all_consumed()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    [old] = list_runs(root)
    # Only `sum` is asked again, and it sees both verdicts of the group it did not redo.
    second = [
        {
            "expect": {"messages_contain": ["Sum up:", '"pass"', '"fail"']},
            "reply": {"text": "One pass, one fail."},
        },
    ]
    with ScriptedServer(second) as server:
        resumed = orchestra(root, server, config_home, "resume", old.run_id)
    server.assert_no_failures()
    server.assert_all_consumed()
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    new = list_runs(root)[0]
    reused = [e for e in _events(root, new.run_id, "step_finished") if e.get("reused_from")]
    assert [(e["step_id"], e["data"]) for e in reused] == [
        ("list", {"items": ["apples", "pears"]}),
        ("each", [{"verdict": "pass"}, {"verdict": "fail"}]),
    ]


def test_a_killed_run_resumes_after_its_last_completed_step(root: Path, config_home: Path) -> None:
    _ws(root)
    script: list[dict[str, Any]] = [
        {"reply": {"text": "PLAN-K"}},
        {"name": "the model is slow", "delay": 60, "reply": {"text": "too late"}},
    ]
    with ScriptedServer(script) as server:
        kill_at_request(root, server, config_home, "run", "three", "--gate", "plan=approve")
    [old] = list_runs(root)
    assert old.state == "interrupted"
    rest: list[dict[str, Any]] = [
        {"expect": {"messages_contain": ["Build this plan: PLAN-K"]}, "reply": {"text": "B"}},
        {"reply": {"text": "R"}},
    ]
    with ScriptedServer(rest) as server:
        resumed = orchestra(root, server, config_home, "resume", old.run_id)
    server.assert_no_failures()
    server.assert_all_consumed()
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
