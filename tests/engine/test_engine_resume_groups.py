"""Resume inside a group: a run that failed in round 2 of a `repeat` goes on in round 2
(round 1 and the round's finished steps from the journal), a `for_each` re-runs only
the item that did not finish, and `--from` names a step inside a group by its path
(`build#2/review`, `build/review`, `qa[1]/check`). The real `anthropic` client against
the scripted server; every model request the resumed run makes is scripted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from engine_helpers import RecordingFrontEnd, model_client, run_command, workspace
from test_engine_flow import LOOP, answer, concurrent

from orchestra_lsp.engine import Engine, RunRequest, RunRequestError
from orchestra_lsp.engine.run import RunResult
from orchestra_lsp.journal import load_run
from orchestra_lsp.testing import ScriptedServer, ScriptLike

REQUEST = RunRequest(command="flow", arguments={"ticket": "SHOP-9"})
ROUND_1 = [
    {"reply": {"text": "DRAFT-1"}},
    {"reply": answer({"verdict": "revise", "notes": "name the total"})},
]
QA = """---
description: Check each criterion
arguments:
  - {name: ticket, required: true}
steps:
  - id: qa
    for_each: '["alpha", "beta", "gamma"]'
    as: criterion
    max_parallel: 1
    steps:
      - {id: check, agent: worker, prompt: "Check {{criterion}} of {{ticket}}."}
  - {id: report, agent: worker, prompt: "Report: {{steps.qa.output}}"}
---
"""


async def _resume(root: Path, run_id: str, script: ScriptLike, **options: Any) -> RunResult:
    with ScriptedServer(script) as server:
        engine = Engine(root, client=model_client(server), user_dir=root.parent / "user")
        try:
            result = await engine.resume(run_id, RecordingFrontEnd(root), **options).wait()
        finally:
            await engine.aclose()
        server.assert_no_failures()
        server.assert_all_consumed()
    return result


def _reused(root: Path, run_id: str) -> list[tuple[str, bool]]:
    return [
        (e["step_id"], e.get("reused_from") is not None)
        for e in load_run(root, run_id).events
        if e["type"] == "step_finished"
    ]


async def test_a_loop_that_failed_in_round_two_goes_on_in_round_two(root: Path) -> None:
    workspace(root, {"flow": LOOP})
    failed = await run_command(
        root,
        [*ROUND_1, {"reply": {"text": "DRAFT-2"}}],  # round 2's review: no turn, fails
        REQUEST,
        max_retries=0,
        check_script=False,
    )
    assert failed.result.state == "failed"
    result = await _resume(
        root,
        failed.result.run_id,
        [
            {
                "expect": {"messages_contain": ["Review: DRAFT-2"]},
                "reply": answer({"verdict": "approve"}),
            },
            {
                "expect": {"messages_contain": ["Summarise: approve after DRAFT-2"]},
                "reply": {"text": "ok"},
            },
        ],
    )
    assert result.state == "finished", result.error
    assert _reused(root, result.run_id) == [
        ("build#1/implement", True),
        ("build#1/review", True),
        ("build#2/implement", True),
        ("build#2/review", False),
        ("build", False),
        ("summary", False),
    ]


async def _finished_loop(root: Path) -> str:
    workspace(root, {"flow": LOOP})
    done = await run_command(
        root,
        [
            *ROUND_1,
            {"reply": {"text": "DRAFT-2"}},
            {"reply": answer({"verdict": "approve"})},
            {"reply": {"text": "ok"}},
        ],
        REQUEST,
    )
    assert done.result.state == "finished"
    return done.result.run_id


async def test_from_a_step_in_a_named_round(root: Path) -> None:
    run_id = await _finished_loop(root)
    result = await _resume(
        root,
        run_id,
        [
            {
                "expect": {"messages_contain": ["Review: DRAFT-2"]},
                "reply": answer({"verdict": "approve"}),
            },
            {"reply": {"text": "again"}},
        ],
        from_step="build#2/review",
    )
    assert result.state == "finished", result.error
    assert [s for s, reused in _reused(root, result.run_id) if reused] == [
        "build#1/implement",
        "build#1/review",
        "build#2/implement",
    ]


async def test_from_a_step_without_a_round_starts_at_its_first_round(root: Path) -> None:
    run_id = await _finished_loop(root)
    result = await _resume(
        root,
        run_id,
        [
            {
                "expect": {"messages_contain": ["Review: DRAFT-1"]},
                "reply": answer({"verdict": "approve"}),
            },
            {"expect": {"messages_contain": ["after DRAFT-1"]}, "reply": {"text": "again"}},
        ],
        from_step="build/review",
    )
    assert result.state == "finished", result.error
    assert [s for s, reused in _reused(root, result.run_id) if reused] == ["build#1/implement"]


async def test_for_each_reruns_only_the_item_named_or_unfinished(root: Path) -> None:
    workspace(root, {"flow": QA})
    checks = [
        {"expect": {"messages_contain": [f"Check {name} of"]}, "reply": {"text": f"{name} ok"}}
        for name in ("alpha", "beta")
    ]
    failed = await run_command(root, checks, REQUEST, max_retries=0, check_script=False)
    assert failed.result.state == "failed"
    gamma = {"expect": {"messages_contain": ["Check gamma of"]}, "reply": {"text": "gamma ok"}}
    report = {
        "expect": {"messages_contain": ['"alpha ok"', '"beta ok"', '"gamma ok"']},
        "reply": {"text": "reported"},
    }
    result = await _resume(root, failed.result.run_id, [gamma, report])
    assert result.state == "finished", result.error
    assert _reused(root, result.run_id)[:3] == [
        ("qa[0]/check", True),
        ("qa[1]/check", True),
        ("qa[2]/check", False),
    ]

    # --from one item: the others (finished before or after it) are reused.
    beta = {"expect": {"messages_contain": ["Check beta of"]}, "reply": {"text": "beta again"}}
    again = await _resume(
        root,
        result.run_id,
        concurrent([beta, report | {"expect": {"messages_contain": ['"beta again"']}}]),
        from_step="qa[1]/check",
    )
    assert again.state == "finished", again.error
    assert [s for s, reused in _reused(root, again.run_id) if reused] == [
        "qa[0]/check",
        "qa[2]/check",
    ]


async def test_from_a_step_no_group_has_says_the_paths(root: Path) -> None:
    run_id = await _finished_loop(root)
    engine = Engine(root, user_dir=root.parent / "user")
    try:
        for wrong in ("build/nope", "build[1]/review", "summary/inner"):
            with pytest.raises(RunRequestError) as raised:
                engine.resume(run_id, RecordingFrontEnd(root), from_step=wrong)
            assert f"has no step '{wrong}'" in str(raised.value)
            assert "build/implement, build/review, summary" in str(raised.value)
    finally:
        await engine.aclose()


BOTH = """---
description: Two checks side by side, then a wrap-up
arguments:
  - {name: ticket, required: true}
steps:
  - id: both
    parallel:
      - {id: unit, agent: worker, prompt: "Unit tests of {{ticket}}."}
      - {id: lint, agent: worker, prompt: "Lint {{ticket}}."}
  - {id: wrap, agent: worker, prompt: "Wrap: {{steps.unit.output}} / {{steps.lint.output}}"}
---
"""


async def test_from_one_branch_of_a_parallel_group(root: Path) -> None:
    workspace(root, {"flow": BOTH})
    first = concurrent(
        [
            {"expect": {"messages_contain": ["Unit tests of"]}, "reply": {"text": "UNIT-1"}},
            {"expect": {"messages_contain": ["Lint SHOP-9"]}, "reply": {"text": "LINT-1"}},
            {"expect": {"messages_contain": ["Wrap: UNIT-1 / LINT-1"]}, "reply": {"text": "w"}},
        ]
    )
    done = await run_command(root, first, REQUEST)
    assert done.result.state == "finished", done.result.error
    script = [
        {"expect": {"messages_contain": ["Lint SHOP-9"]}, "reply": {"text": "LINT-2"}},
        {"expect": {"messages_contain": ["Wrap: UNIT-1 / LINT-2"]}, "reply": {"text": "w2"}},
    ]
    result = await _resume(root, done.result.run_id, script, from_step="both/lint")
    assert result.state == "finished", result.error
    assert [s for s, reused in _reused(root, result.run_id) if reused] == ["both/unit"]
