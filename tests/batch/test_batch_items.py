"""The pure parts of a batch, in this process: reading items from a tool's result,
`--each` values, tool-call specs, shards, and the gate-answer forms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orchestra_lsp.engine import RunRequestError
from orchestra_lsp.engine.batch import (
    BatchError,
    BatchItem,
    BatchPlan,
    items_in_result,
    parse_shard,
    parse_tool_call,
    values_of,
    verdicts,
)
from orchestra_lsp.engine.gate_answers import parse_gate_answer


@pytest.mark.parametrize(
    ("result", "items"),
    [
        (["A-1", "A-2"], ["A-1", "A-2"]),
        ([12, 14], ["12", "14"]),
        (
            {"tickets": [{"key": "S-1", "title": "x"}, {"key": "S-2"}], "unreadable": []},
            ["S-1", "S-2"],
        ),
        ({"issues": [{"id": 7}, {"name": "n"}], "total": 2}, ["7", "n"]),
        ({"items": [], "errors": []}, []),
    ],
)
def test_items_in_json_results(result: object, items: list[str]) -> None:
    assert items_in_result(json.dumps(result)) == items


def test_items_in_plain_text_are_lines() -> None:
    assert items_in_result("SHOP-1\n\n  SHOP-2  \n") == ["SHOP-1", "SHOP-2"]


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({"a": [1], "b": [2]}, "without exactly one list"),
        ({"count": 3}, "without exactly one list"),
        ([{"summary": "no name"}], "names no item"),
        ([True], "names no item"),
        ("just a string", "lists nothing"),
    ],
)
def test_results_that_name_no_items_are_refused(result: object, message: str) -> None:
    with pytest.raises(BatchError, match=message):
        items_in_result(json.dumps(result))


def test_each_values_from_a_list_and_a_file(tmp_path: Path) -> None:
    assert values_of("ticket=A, B,,C", tmp_path) == ("ticket", ["A", "B", "", "C"])
    (tmp_path / "q.txt").write_text("# queue\nA\n\nB  # second\n", encoding="utf-8")
    assert values_of("ticket=@q.txt", tmp_path) == ("ticket", ["", "A", "", "B"])
    for bad in ("ticket", "=A", "ticket=@nope.txt"):
        with pytest.raises(BatchError):
            values_of(bad, tmp_path)


def test_tool_call_specs() -> None:
    assert parse_tool_call('mcp__t__search {"status": "Ready"}') == (
        None,
        "mcp__t__search",
        {"status": "Ready"},
    )
    assert parse_tool_call("ticket=mcp__t__list") == ("ticket", "mcp__t__list", {})
    for bad in ("search {}", "mcp__t__s [1]", "mcp__t__s {bad"):
        with pytest.raises(BatchError):
            parse_tool_call(bad)


def test_shards_are_disjoint_cover_the_plan_and_keep_its_order() -> None:
    plan = BatchPlan(
        command="c",
        argument="a",
        items=[BatchItem(name=str(i), arguments={"a": str(i)}) for i in range(10)],
    )
    slices = [[item.name for item in plan.shard(k, 3)] for k in (1, 2, 3)]
    assert slices == [["0", "3", "6", "9"], ["1", "4", "7"], ["2", "5", "8"]]
    assert sorted((n for s in slices for n in s), key=int) == [str(i) for i in range(10)]
    assert parse_shard(" 2 / 3 ") == (2, 3)
    for bad in ("0/3", "4/3", "1", "a/b", "-1/2"):
        with pytest.raises(BatchError):
            parse_shard(bad)


def test_verdicts_come_from_top_level_structured_outputs() -> None:
    events: list[dict[str, Any]] = [
        {"type": "step_finished", "step_id": "triage", "data": {"verdict": "bug", "n": 2}},
        {"type": "step_finished", "step_id": "qa[0]/check", "data": {"verdict": "pass"}},
        {
            "type": "step_finished",
            "step_id": "qa",
            "data": [{"verdict": "pass"}, {"verdict": "fail"}],
        },
        {
            "type": "step_finished",
            "step_id": "both",
            "data": {"unit": {"verdict": "ok"}, "lint": None},
        },
        {"type": "step_finished", "step_id": "plain", "data": None},
        {"type": "step_finished", "step_id": "sub", "parent_step": "x", "data": {"verdict": "no"}},
    ]
    assert verdicts(events) == {"triage": "bug", "qa": ["pass", "fail"], "both": "ok"}


@pytest.mark.parametrize(
    ("text", "gate", "answer"),
    [
        ("design=approve", "approve", "approve"),
        ("design=STOP", "approve", "stop"),
        ("implement=review:accept-all", "review", "accept-all"),
        (" implement = review:reject-all ", "review", "reject-all"),
    ],
)
def test_gate_answer_forms(text: str, gate: str, answer: str) -> None:
    parsed = parse_gate_answer(text)
    assert (parsed.gate, parsed.answer) == (gate, answer)


@pytest.mark.parametrize(
    "text", ["design", "=approve", "design=yes", "design=review", "x=review:all"]
)
def test_bad_gate_answers(text: str) -> None:
    with pytest.raises(RunRequestError, match="is not STEP=ANSWER"):
        parse_gate_answer(text)
