"""The flow of a command's steps, end to end: structured outputs, `when`, `repeat`,
`for_each` and `parallel`. The engine drives the real `anthropic` SDK against the
scripted server; the scripts of concurrent branches are `concurrent` (each request takes
the first unplayed turn it matches, so each turn names a text of its own conversation),
whatever order the branches' requests arrive in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine_helpers import RecordingFrontEnd, command_file, run_command, str_replace, workspace

from orchestra_lsp.engine import RunRequest
from orchestra_lsp.testing import Script

TRIAGE_SCHEMA = {
    "type": "object",
    "properties": {
        "kind": {"enum": ["bug", "feature"]},
        "criteria": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["kind", "criteria"],
}
VERDICT_SCHEMA = {
    "type": "object",
    "properties": {"verdict": {"enum": ["approve", "revise"]}, "notes": {"type": "string"}},
    "required": ["verdict"],
}
CHECK_SCHEMA = {
    "type": "object",
    "properties": {
        "verdict": {"enum": ["pass", "fail", "blocked"]},
        "evidence": {"type": "string"},
    },
    "required": ["verdict"],
}

TRIAGE = {
    "id": "triage",
    "agent": "worker",
    "prompt": "Read ticket {{ticket}}.",
    "output": TRIAGE_SCHEMA,
}
BRANCHES = command_file(
    [
        TRIAGE,
        {
            "id": "fix",
            "when": 'steps.triage.output.kind == "bug"',
            "agent": "worker",
            "prompt": "Fix: {{steps.triage.output.criteria}}",
        },
        {
            "id": "design",
            "when": 'steps.triage.output.kind == "feature" or ticket == "SHOP-99"',
            "agent": "worker",
            "prompt": "Design it.",
        },
        {
            "id": "wrap",
            "agent": "worker",
            "prompt": "Kind {{steps.triage.output.kind}}; fix said {{steps.fix.output}}; "
            "design said [{{steps.design.output}}].",
        },
    ],
    arguments=[{"name": "ticket", "required": True}],
)


def answer(value: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    """A reply that answers through the structured output tool."""
    return {"text": text, "tool_use": [{"name": "structured_output", "input": value}]}


def _request(ticket: str = "SHOP-12", command: str = "flow") -> RunRequest:
    return RunRequest(command=command, arguments={"ticket": ticket})


async def test_a_structured_answer_picks_the_branch_and_reaches_later_prompts(
    root: Path,
) -> None:
    workspace(root, {"flow": BRANCHES})
    triage = {"kind": "bug", "criteria": ["cart keeps items", "total is right"]}
    script: list[dict[str, Any]] = [
        {
            "expect": {
                "tools": ["structured_output"],
                "messages_contain": ["Read ticket SHOP-12", "calling the `structured_output` tool"],
            },
            "reply": answer(triage, "Triaged."),
        },
        {
            "expect": {"messages_contain": ['Fix: ["cart keeps items", "total is right"]']},
            "reply": {"text": "FIXED-IT"},
        },
        {
            "expect": {"messages_contain": ["Kind bug; fix said FIXED-IT; design said []."]},
            "reply": {"text": "done"},
        },
    ]
    outcome = await run_command(root, script, _request())
    assert outcome.result.state == "finished", outcome.result.error
    # The structured output tool has the step's schema as its input schema; a plain
    # step is not offered it.
    tools = {t["name"]: t for t in outcome.bodies()[0]["tools"]}
    assert tools["structured_output"]["input_schema"] == TRIAGE_SCHEMA
    assert "structured_output" not in {t["name"] for t in outcome.bodies()[1]["tools"]}
    finished = {e["step_id"]: e for e in outcome.journal_of("step_finished")}
    assert finished["triage"]["data"] == triage
    assert json.loads(finished["triage"]["output"]) == triage
    assert finished["fix"]["data"] is None and finished["fix"]["output"] == "FIXED-IT"
    assert finished["triage"]["cost_usd"] > 0
    [skipped] = outcome.journal_of("step_skipped")
    assert skipped["step_id"] == "design" and "feature" in skipped["when"]
    assert "design" not in finished


async def test_the_other_branch_runs_when_the_expression_says_so(root: Path) -> None:
    workspace(root, {"flow": BRANCHES})
    script: list[dict[str, Any]] = [
        {"reply": answer({"kind": "feature", "criteria": []})},
        {"expect": {"messages_contain": ["Design it."]}, "reply": {"text": "DESIGNED"}},
        {
            "expect": {"messages_contain": ["fix said ; design said [DESIGNED]"]},
            "reply": {"text": "done"},
        },
    ]
    outcome = await run_command(root, script, _request())
    assert outcome.result.state == "finished", outcome.result.error
    assert [e["step_id"] for e in outcome.journal_of("step_skipped")] == ["fix"]


async def test_a_wrong_answer_is_sent_back_with_what_is_wrong(root: Path) -> None:
    workspace(root, {"flow": BRANCHES})
    script: list[dict[str, Any]] = [
        {"reply": answer({"kind": "bugfix", "criteria": "one"})},
        {
            "expect": {
                "last_tool_result_contains": [
                    "answer 1 of at most 3",
                    "field 'criteria': 'one' is not of type 'array'",
                    "field 'kind': 'bugfix' is not one of ['bug', 'feature']",
                ]
            },
            "reply": {"text": "I think it is a bug."},
        },
        {
            "expect": {"messages_contain": ["without calling `structured_output`"]},
            "reply": answer({"kind": "feature", "criteria": ["x"]}),
        },
        {"reply": {"text": "designed"}},
        {"reply": {"text": "done"}},
    ]
    outcome = await run_command(root, script, _request())
    assert outcome.result.state == "finished", outcome.result.error
    calls = [
        e for e in outcome.journal_of("tool_call_finished") if e["tool"] == "structured_output"
    ]
    assert [c["is_error"] for c in calls] == [True, False]


async def test_an_answer_wrong_three_times_fails_the_step_naming_the_field(root: Path) -> None:
    workspace(root, {"flow": BRANCHES})
    script: list[dict[str, Any]] = [
        {"reply": answer({"kind": "bug"})},
        {"reply": answer({"kind": "bug", "criteria": [1]})},
        {"reply": answer({"kind": "bug", "criteria": [2]})},
    ]
    outcome = await run_command(root, script, _request())
    assert outcome.result.state == "failed"
    error = outcome.result.error or ""
    assert "step 'triage'" in error and "did not match" in error and "3 times" in error
    assert "field 'criteria.0': 2 is not of type 'string'" in error
    assert outcome.journal_of("run_failed")[0]["error"] == error
    assert not outcome.journal_of("step_finished")


LOOP = command_file(
    [
        {
            "id": "build",
            "repeat": {
                "until": 'steps.review.output.verdict == "approve"',
                "max": 3,
                "steps": [
                    {
                        "id": "implement",
                        "agent": "worker",
                        "prompt": "Implement {{ticket}}. Reviewer's notes: "
                        "<{{steps.review.output.notes}}>",
                    },
                    {
                        "id": "review",
                        "agent": "worker",
                        "prompt": "Review: {{steps.implement.output}}",
                        "output": VERDICT_SCHEMA,
                    },
                ],
            },
        },
        {
            "id": "summary",
            "agent": "worker",
            "prompt": "Summarise: {{steps.review.output.verdict}} after {{steps.implement.output}}",
        },
    ],
    arguments=[{"name": "ticket", "required": True}],
)


async def test_the_loop_runs_until_the_review_approves(root: Path) -> None:
    workspace(root, {"flow": LOOP})
    script: list[dict[str, Any]] = [
        {"expect": {"messages_contain": ["Reviewer's notes: <>"]}, "reply": {"text": "DRAFT-1"}},
        {
            "expect": {"messages_contain": ["Review: DRAFT-1"]},
            "reply": answer({"verdict": "revise", "notes": "name the total"}),
        },
        {
            "expect": {"messages_contain": ["Reviewer's notes: <name the total>"]},
            "reply": {"text": "DRAFT-2"},
        },
        {"reply": answer({"verdict": "approve"})},
        {
            "expect": {"messages_contain": ["Summarise: approve after DRAFT-2"]},
            "reply": {"text": "ok"},
        },
    ]
    outcome = await run_command(root, script, _request())
    assert outcome.result.state == "finished", outcome.result.error
    placed = [e["step_id"] for e in outcome.journal_of("step_finished")]
    assert placed == [
        "build#1/implement",
        "build#1/review",
        "build#2/implement",
        "build#2/review",
        "build",
        "summary",
    ]
    group = outcome.journal_of("step_finished")[4]
    assert group["data"] == {"implement": "DRAFT-2", "review": {"verdict": "approve"}}


async def test_a_loop_that_never_converges_stops_the_run_saying_why(root: Path) -> None:
    never = LOOP.replace('"max": 3', '"max": 2')
    workspace(root, {"flow": never})
    script = [
        {"reply": {"text": "DRAFT-1"}},
        {"reply": answer({"verdict": "revise", "notes": "no"})},
        {"reply": {"text": "DRAFT-2"}},
        {"reply": answer({"verdict": "revise", "notes": "still no"})},
    ]
    outcome = await run_command(root, script, _request())
    assert outcome.result.state == "failed"
    assert outcome.result.error == (
        "step 'build': `until: steps.review.output.verdict == \"approve\"` still did not hold "
        "after 2 round(s) (`max: 2`); the run stops here"
    )
    assert "summary" not in {e["step_id"] for e in outcome.journal_of("step_started")}


def _qa(items: str = "steps.triage.output.criteria", **extra: Any) -> str:
    return command_file(
        [
            TRIAGE,
            {
                "id": "qa",
                "for_each": items,
                "as": "criterion",
                "max_parallel": 2,
                "steps": [
                    {
                        "id": "check",
                        "agent": "worker",
                        "prompt": "Test this criterion: {{criterion}}",
                        "output": CHECK_SCHEMA,
                        **extra,
                    }
                ],
            },
            {
                "id": "verdicts",
                "agent": "worker",
                "prompt": "Verdicts: {{steps.qa.output}}",
            },
        ],
        arguments=[{"name": "ticket", "required": True}],
    )


def concurrent(turns: list[dict[str, Any]]) -> Script:
    return Script.model_validate({"concurrent": True, "turns": turns})


async def test_for_each_checks_each_criterion_in_its_own_conversation(root: Path) -> None:
    workspace(root, {"flow": _qa(gate="review")}, extra={"a.txt": "A\n", "b.txt": "B\n"})
    criteria = ["alpha criterion", "beta criterion", "gamma criterion"]
    triage = {"kind": "bug", "criteria": criteria}
    script = concurrent(
        [
            {"expect": {"messages_contain": ["Read ticket"]}, "reply": answer(triage)},
            # Each branch edits a file of its own, then answers; the turns are matched by
            # the branch's own criterion, in whatever order the requests come.
            {
                "expect": {"messages_contain": ["alpha criterion"]},
                "reply": {"tool_use": [str_replace("a.txt", "A", "A2")]},
            },
            {
                "expect": {"messages_contain": ["beta criterion"]},
                "reply": {"tool_use": [str_replace("b.txt", "B", "B2")]},
            },
            {
                "expect": {"messages_contain": ["alpha criterion"]},
                "reply": answer({"verdict": "pass"}),
            },
            {
                "expect": {"messages_contain": ["beta criterion"]},
                "reply": answer({"verdict": "fail", "evidence": "no"}),
            },
            {
                "expect": {"messages_contain": ["gamma criterion"]},
                "reply": answer({"verdict": "blocked"}),
            },
            {
                "expect": {"messages_contain": ['"verdict": "blocked"']},
                "reply": {"text": "reported"},
            },
        ]
    )
    frontend = RecordingFrontEnd(root)
    outcome = await run_command(root, script, _request(), frontend)
    assert outcome.result.state == "finished", outcome.result.error
    finished = {e["step_id"]: e for e in outcome.journal_of("step_finished")}
    assert finished["qa"]["data"] == [
        {"verdict": "pass"},
        {"verdict": "fail", "evidence": "no"},
        {"verdict": "blocked"},
    ]
    assert {"qa[0]/check", "qa[1]/check", "qa[2]/check"} <= set(finished)
    # Every branch had its own conversation: its first request holds only its criterion.
    firsts = [b for b in outcome.bodies() if len(b["messages"]) == 1][1:4]
    for body in firsts:
        text = json.dumps(body["messages"])
        assert sum(c in text for c in criteria) == 1
    # Both branches' edits in one review, at the group's end.
    [review] = frontend.review_requests
    assert review.step_id == "qa/check" and sorted(f.path for f in review.files) == [
        "a.txt",
        "b.txt",
    ]
    assert (root / "a.txt").read_text() == "A2\n" and (root / "b.txt").read_text() == "B2\n"
    # Cost per branch.
    [costs] = [e for e in outcome.journal_of("notice") if "cost per branch" in e["message"]]
    assert all(f"qa[{i}] $" in costs["message"] for i in range(3))
    assert finished["qa[1]/check"]["cost_usd"] > 0
    branches = sum(finished[f"qa[{i}]/check"]["cost_usd"] for i in range(3))
    assert abs(finished["qa"]["cost_usd"] - branches) < 1e-5


SIDES = {"kind": "bug", "criteria": ["left side", "right side"]}


def _sides(
    left: dict[str, Any], right: dict[str, Any], right_verdict: str = "pass", report: bool = True
) -> Script:
    """The qa flow's model on SIDES: the triage, each side's tool call `left` and `right`
    (each in its own conversation), the verdicts (the left side's passes) and, with
    `report`, the report."""
    turns: list[dict[str, Any]] = [
        {"expect": {"messages_contain": ["Read ticket"]}, "reply": answer(SIDES)},
        {"expect": {"messages_contain": ["left side"]}, "reply": {"tool_use": [left]}},
        {"expect": {"messages_contain": ["right side"]}, "reply": {"tool_use": [right]}},
        {"expect": {"messages_contain": ["left side"]}, "reply": answer({"verdict": "pass"})},
        {
            "expect": {"messages_contain": ["right side"]},
            "reply": answer({"verdict": right_verdict}),
        },
    ]
    if report:
        turns.append({"expect": {"messages_contain": ["Verdicts:"]}, "reply": {"text": "reported"}})
    return concurrent(turns)


async def test_two_branches_changing_the_same_lines_are_a_conflict(root: Path) -> None:
    workspace(root, {"flow": _qa(gate="review")}, extra={"a.txt": "one\nTWO\nthree\n"})
    script = _sides(str_replace("a.txt", "TWO", "LEFT"), str_replace("a.txt", "TWO", "RIGHT"))
    frontend = RecordingFrontEnd(root, choose=lambda review: [])
    outcome = await run_command(root, script, _request(), frontend)
    assert outcome.result.state == "finished", outcome.result.error
    [review] = frontend.review_requests
    [proposed] = review.files
    assert proposed.proposed_text == (
        "one\n<<<<<<< qa[0]\nLEFT\n=======\nRIGHT\n>>>>>>> qa[1]\nthree\n"
    )
    assert any(
        "qa[0] and qa[1] changed the same lines of a.txt" in e["message"]
        for e in outcome.journal_of("notice")
    )
    assert (root / "a.txt").read_text() == "one\nTWO\nthree\n"  # rejected: untouched


async def test_an_unattended_run_stops_at_a_conflict_and_writes_nothing(root: Path) -> None:
    workspace(root, {"flow": _qa()}, extra={"a.txt": "one\nTWO\nthree\n"})
    script = _sides(
        str_replace("a.txt", "TWO", "LEFT"), str_replace("a.txt", "TWO", "RIGHT"), report=False
    )
    outcome = await run_command(root, script, _request(), yes=True)
    assert outcome.result.state == "failed"
    assert "qa[0] and qa[1] changed the same lines of a.txt" in (outcome.result.error or "")
    assert (root / "a.txt").read_text() == "one\nTWO\nthree\n"
    saved = json.loads(
        (root / ".orchestra" / "runs").glob("*/changeset.json").__next__().read_text()
    )
    assert "<<<<<<< qa[0]" in saved["files"]["a.txt"]["proposed_text"]


async def test_for_each_over_something_not_a_list_fails_clearly(root: Path) -> None:
    schema = {"type": "object", "properties": {"kind": {}, "criteria": {}}}
    command = _qa("steps.triage.output.kind").replace(json.dumps(TRIAGE_SCHEMA), json.dumps(schema))
    workspace(root, {"flow": command})
    script = [{"reply": answer({"kind": "bug", "criteria": []})}]
    outcome = await run_command(root, script, _request())
    assert outcome.result.state == "failed"
    assert outcome.result.error == (
        "step 'qa': `for_each: steps.triage.output.kind` is text, not a list"
    )


PARALLEL = command_file(
    [
        {
            "id": "both",
            "parallel": [
                {"id": "unit", "agent": "worker", "prompt": "Run the unit tests."},
                {"id": "lint", "agent": "worker", "prompt": "Run the linters."},
            ],
        },
        {
            "id": "after",
            "when": "steps.unit.output != steps.lint.output",
            "agent": "worker",
            "prompt": "Unit: {{steps.unit.output}}; lint: {{steps.lint.output}}",
        },
    ]
)


async def test_parallel_steps_run_side_by_side_and_are_seen_after(root: Path) -> None:
    workspace(root, {"flow": PARALLEL})
    script = concurrent(
        [
            {
                "expect": {"messages_contain": ["Run the linters."]},
                "reply": {"text": "LINT-CLEAN"},
                "delay": 0.2,
            },
            {
                "expect": {"messages_contain": ["Run the unit tests."]},
                "reply": {"text": "UNIT-GREEN"},
            },
            {
                "expect": {"messages_contain": ["Unit: UNIT-GREEN; lint: LINT-CLEAN"]},
                "reply": {"text": "fine"},
            },
        ]
    )
    outcome = await run_command(root, script, RunRequest(command="flow"))
    assert outcome.result.state == "finished", outcome.result.error
    finished = {e["step_id"]: e for e in outcome.journal_of("step_finished")}
    assert finished["both"]["data"] == {"unit": "UNIT-GREEN", "lint": "LINT-CLEAN"}
    # Both branches were asked before either answered (the lint reply waits 0.2 s).
    started = [e["step_id"] for e in outcome.journal_of("step_started")]
    assert started[:3] == ["both", "both/unit", "both/lint"]
    order = [e["step_id"] for e in outcome.journal() if e["type"] in ("step_finished",)]
    assert order.index("both/unit") < order.index("both/lint")


NESTED = command_file(
    [
        TRIAGE,
        {
            "id": "skipped-group",
            "when": "ticket in ['SHOP-1', 'SHOP-2']",
            "parallel": [{"id": "never", "agent": "worker", "prompt": "Never."}],
        },
        {
            "id": "work",
            "parallel": [
                {
                    "id": "polish",
                    "repeat": {
                        "until": "len(steps.grade.output.notes) >= 2 or steps.grade.output.ok",
                        "max": 2,
                        "steps": [
                            {
                                "id": "grade",
                                "agent": "worker",
                                "prompt": "Grade the first criterion {{steps.triage.output.criteria}}.",
                                "output": {
                                    "type": "object",
                                    "properties": {
                                        "ok": {"type": "boolean"},
                                        "notes": {"type": "array", "items": {"type": "string"}},
                                    },
                                    "required": ["ok", "notes"],
                                },
                            }
                        ],
                    },
                },
                {"id": "docs", "agent": "worker", "prompt": "Write the docs."},
            ],
        },
        {
            "id": "last",
            "when": "steps.polish.output.grade.ok == false and not steps.never.output",
            "agent": "worker",
            "prompt": "Notes: {{steps.grade.output.notes}}; docs: {{steps.docs.output}}",
        },
    ],
    arguments=[{"name": "ticket", "required": True}],
)


async def test_groups_nest_and_a_skipped_group_leaves_nothing(root: Path) -> None:
    workspace(root, {"flow": NESTED})
    grade = {"ok": False, "notes": ["one"]}
    script = concurrent(
        [
            {
                "expect": {"messages_contain": ["Read ticket SHOP-12"]},
                "reply": answer({"kind": "feature", "criteria": ["c1"]}),
            },
            {
                "expect": {"messages_contain": ['Grade the first criterion ["c1"]']},
                "reply": answer(grade),
            },
            {
                "expect": {"messages_contain": ['Grade the first criterion ["c1"]']},
                "reply": answer({**grade, "notes": ["one", "two"]}),
            },
            {"expect": {"messages_contain": ["Write the docs."]}, "reply": {"text": "DOCS"}},
            {
                "expect": {"messages_contain": ['Notes: ["one", "two"]; docs: DOCS']},
                "reply": {"text": "ok"},
            },
        ]
    )
    outcome = await run_command(root, script, _request())
    assert outcome.result.state == "finished", outcome.result.error
    finished = {e["step_id"]: e for e in outcome.journal_of("step_finished")}
    assert {"work/polish#1/grade", "work/polish#2/grade", "work/polish", "work/docs"} <= set(
        finished
    )
    assert finished["work"]["data"]["polish"] == {"grade": {"ok": False, "notes": ["one", "two"]}}
    assert [e["step_id"] for e in outcome.journal_of("step_skipped")] == ["skipped-group"]
    assert "skipped-group/never" not in {e["step_id"] for e in outcome.journal_of("step_started")}


async def test_an_expression_that_cannot_be_evaluated_fails_the_step_clearly(root: Path) -> None:
    bad = BRANCHES.replace(
        'steps.triage.output.kind == \\"bug\\"', "steps.triage.output.criteria < 3"
    )
    assert bad != BRANCHES
    workspace(root, {"flow": bad})
    script = [{"reply": answer({"kind": "bug", "criteria": ["x"]})}]
    outcome = await run_command(root, script, _request())
    assert outcome.result.state == "failed"
    error = outcome.result.error or ""
    assert error.startswith("step 'fix': `when: steps.triage.output.criteria < 3`: cannot evaluate")
    assert "'<' not supported" in error


async def test_a_gate_answered_in_advance_reaches_the_review_of_the_branches(root: Path) -> None:
    """`--gate check=review:reject-all` answers the one review of every item's `check`."""
    from engine_helpers import model_client

    from orchestra_lsp.engine import Engine
    from orchestra_lsp.engine.gate_answers import parse_gate_answers
    from orchestra_lsp.testing import ScriptedServer

    workspace(root, {"flow": _qa(gate="review")}, extra={"a.txt": "A\n", "b.txt": "B\n"})
    script = _sides(
        str_replace("a.txt", "A", "LEFT"), str_replace("b.txt", "B", "RIGHT"), right_verdict="fail"
    )
    frontend = RecordingFrontEnd(root)
    user = root.parent / "user"
    user.mkdir()
    with ScriptedServer(script) as server:
        engine = Engine(root, client=model_client(server), user_dir=user)
        try:
            gates = parse_gate_answers(["check=review:reject-all"])
            handle = engine.start(_request(), frontend, yes=True, gates=gates)
            result = await handle.wait()
        finally:
            await engine.aclose()
    server.assert_no_failures()
    server.assert_all_consumed()  # both sides made their edit: the review had them both
    assert result.state == "finished", result.error
    assert (root / "a.txt").read_text() == "A\n" and (root / "b.txt").read_text() == "B\n"
    decided = [e for e in frontend.events if e.type == "gate_decided" and e.gate == "review"]
    assert [(e.step_id, e.by) for e in decided] == [("qa/check", "preset")]


async def test_an_output_schema_that_is_not_an_object_is_answered_wrapped(root: Path) -> None:
    """Tool inputs are objects: a list schema is offered as `{"value": <schema>}` and
    the answer is the list itself."""
    listing = command_file(
        [
            {
                "id": "names",
                "agent": "worker",
                "prompt": "Name the files.",
                "output": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            },
            {
                "id": "each",
                "for_each": "steps.names.output",
                "steps": [{"id": "look", "agent": "worker", "prompt": "Look at {{item}}."}],
            },
        ]
    )
    workspace(root, {"flow": listing})
    script = concurrent(
        [
            {
                "expect": {"messages_contain": ["Name the files."]},
                "reply": answer({"value": ["a"]}),
            },
            {
                "expect": {"last_tool_result_contains": ["the answer: ['a'] is too short"]},
                "reply": answer({"value": ["a.txt", "b.txt"]}),
            },
            {"expect": {"messages_contain": ["Look at a.txt."]}, "reply": {"text": "A"}},
            {"expect": {"messages_contain": ["Look at b.txt."]}, "reply": {"text": "B"}},
        ]
    )
    outcome = await run_command(root, script, RunRequest(command="flow"))
    assert outcome.result.state == "finished", outcome.result.error
    [offered] = [t for t in outcome.bodies()[0]["tools"] if t["name"] == "structured_output"]
    assert offered["input_schema"]["properties"]["value"]["type"] == "array"
    finished = {e["step_id"]: e for e in outcome.journal_of("step_finished")}
    assert finished["names"]["data"] == ["a.txt", "b.txt"]
    assert finished["each"]["data"] == ["A", "B"]
    assert outcome.result.output == '[\n  "A",\n  "B"\n]'
