"""Script files and the ``expect`` rules, as plain functions (no HTTP)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from orchestra_lsp.testing import Expect, Script, Turn, load_script
from orchestra_lsp.testing.matching import cached_prefix, check
from orchestra_lsp.testing.responses import json_chunks, text_deltas

YAML_SCRIPT = """\
- name: plan
  expect:
    system_contains: [planner]
    prefix_unchanged: false
  reply:
    text: Reading.
    tool_use:
      - {name: get_ticket, input: {key: SHOP-12}}
- reply: {text: Done.}
  fault: {status: 529, retry_after: 0.05}
"""


def test_yaml_and_json_files_load_to_the_same_script(tmp_path: Path) -> None:
    yaml_file = tmp_path / "s.yaml"
    yaml_file.write_text(YAML_SCRIPT)
    from_yaml = Script.from_file(yaml_file)
    json_file = tmp_path / "s.json"
    json_file.write_text(json.dumps({"turns": from_yaml.model_dump()["turns"]}))
    assert Script.from_file(json_file) == from_yaml
    assert load_script(str(yaml_file)) == from_yaml
    assert from_yaml.turns[0].reply.effective_stop_reason == "tool_use"
    assert from_yaml.turns[1].reply.effective_stop_reason == "end_turn"
    assert from_yaml.turns[1].fault is not None and from_yaml.turns[1].fault.times == 1


def test_scripts_accept_models_and_dicts() -> None:
    script = load_script([Turn(name="a"), {"name": "b"}])
    assert [t.name for t in script.turns] == ["a", "b"]
    assert load_script(script) is script


@pytest.mark.parametrize(
    "turn",
    [
        {"reply": {"txt": "typo"}},
        {"expect": {"system_contain": ["x"]}},
        {"fault": {"retry_after": 1}},
        {"fault": {"status": 429, "cut_after_events": 2}},
        {"fault": {"status": 418}},
    ],
)
def test_invalid_turns_are_rejected_at_load_time(turn: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        load_script([turn])


def body(**fields: Any) -> dict[str, Any]:
    return {
        "model": "m",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "hi"}],
        **fields,
    }


TOOL_CALL = {
    "role": "assistant",
    "content": [{"type": "tool_use", "id": "t1", "name": "read", "input": {"path": "a.py"}}],
}


def tool_result(text: str) -> dict[str, Any]:
    return {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": "t1",
                "content": [{"type": "text", "text": text}],
            }
        ],
    }


def test_matching_request_has_no_problems() -> None:
    request = body(
        model="claude-x",
        system=[{"type": "text", "text": "You are the planner"}],
        tools=[{"name": "read"}, {"name": "edit"}],
        messages=[
            {"role": "user", "content": "SHOP-12"},
            TOOL_CALL,
            tool_result("def main(): ..."),
        ],
        stream=True,
    )
    expect = Expect(
        system_contains=["planner"],
        messages_contain=["SHOP-12", "a.py", "def main"],
        last_tool_result_contains=["def main"],
        tools=["read"],
        tools_exactly=["edit", "read"],
        model="claude-x",
        max_tokens_at_most=100,
        stream=True,
    )
    assert check(expect, request, None) == []


def test_every_mismatch_is_reported() -> None:
    expect = Expect(
        messages_contain=["absent"],
        last_tool_result_contains=["x"],
        tools_exactly=["read"],
        model="claude-y",
        max_tokens_at_most=10,
        stream=True,
        prefix_unchanged=True,
    )
    problems = check(expect, body(), None)
    assert [p.split(":")[0] for p in problems] == [
        "messages_contain",
        "last_tool_result_contains",
        "tools_exactly",
        "model",
        "max_tokens_at_most",
        "stream",
        "prefix_unchanged",
    ]
    assert "the request has no tool_result block" in problems[1]
    assert "there is no previous request" in problems[-1]


def test_last_tool_result_is_the_last_one() -> None:
    request = body(messages=[tool_result("first"), TOOL_CALL, tool_result("second")])
    assert check(Expect(last_tool_result_contains=["second"]), request, None) == []
    assert check(Expect(last_tool_result_contains=["first"]), request, None) != []


def test_prefix_covers_system_up_to_the_breakpoint_only() -> None:
    pinned = {"type": "text", "text": "context", "cache_control": {"type": "ephemeral"}}
    before = body(system=[pinned, {"type": "text", "text": "step 1"}], tools=[{"name": "a"}])
    after = body(system=[pinned, {"type": "text", "text": "step 2"}], tools=[{"name": "a"}])
    assert cached_prefix(before) == cached_prefix(after)
    assert check(Expect(prefix_unchanged=True), after, before) == []
    changed = body(system=[{**pinned, "text": "contexT"}], tools=[{"name": "a"}])
    (problem,) = check(Expect(prefix_unchanged=True), changed, before)
    assert "the cached prefix changed; first difference at character" in problem
    assert "contexT" in problem


@given(st.text())
def test_text_deltas_rebuild_the_text(text: str) -> None:
    assert "".join(text_deltas(Turn.model_validate({"reply": {"text": text}}))) == text


JSON_VALUES = (
    st.none() | st.integers() | st.text() | st.lists(st.integers() | st.text(), max_size=4)
)


@given(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=6))
def test_json_chunks_rebuild_the_input(value: dict[str, Any]) -> None:
    assert json.loads("".join(json_chunks(value))) == value
