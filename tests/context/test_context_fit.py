"""Fitting prompts into the token budget: cuts, summaries, and a conversation that stays
valid for the Messages API whatever it looks like."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestra_lsp.context import (
    ContextBudget,
    ConversationFitter,
    FitResult,
    Manifest,
    Message,
    Source,
    count_tokens,
    fit_to_budget,
    message_tokens,
    tokens,
)
from orchestra_lsp.context.tokens import estimate_tokens, truncate_to_tokens

INSTRUCTIONS = "Implement this design: add a discount field to the cart."
PINNED = [
    Source("CONTEXT.md", "This shop sells tea. Never touch payments. " * 40),
    Source("agent:developer", "You are the developer agent. Make small, reviewed changes. " * 20),
    Source("step:implement", INSTRUCTIONS),
]
BIG_FILE = "".join(
    f"line {n}: def handler_{n}(request): return respond({n})\n" for n in range(3000)
)


def tool_turn(
    number: int, name: str, arguments: dict[str, Any], result: str
) -> tuple[Message, Message]:
    tool_id = f"toolu_{number:04d}"
    assistant: Message = {
        "role": "assistant",
        "content": [
            {"type": "text", "text": f"Step {number}: calling {name}."},
            {"type": "tool_use", "id": tool_id, "name": name, "input": arguments},
        ],
    }
    user: Message = {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": result}],
    }
    return assistant, user


def overflowing_conversation() -> list[Message]:
    messages: list[Message] = [{"role": "user", "content": INSTRUCTIONS}]
    for number in range(12):
        path = f"src/module_{number}.py"
        messages.extend(tool_turn(number, "read_file", {"path": path}, BIG_FILE))
    messages.extend(tool_turn(99, "edit", {"command": "create", "path": "src/x.py"}, "created"))
    return messages


def total_tokens(pinned: list[Source], messages: list[Message]) -> int:
    return sum(count_tokens(source.text) for source in pinned) + sum(
        message_tokens(message) for message in messages
    )


def test_count_tokens_offline_and_cached() -> None:
    assert count_tokens("") == 0
    assert 1 <= count_tokens("hello world") <= 4
    assert count_tokens(BIG_FILE) == count_tokens(BIG_FILE)
    assert count_tokens("\ud800 lone surrogate") == estimate_tokens("\ud800 lone surrogate")


def test_estimate_without_the_tokenizer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "_load_native", lambda: None)
    text = "never counted before " * 7
    assert count_tokens(text) == estimate_tokens(text) == 42


def test_truncate_to_tokens() -> None:
    head = truncate_to_tokens(BIG_FILE, 500)
    assert BIG_FILE.startswith(head)
    assert 400 <= count_tokens(head) <= 500
    assert truncate_to_tokens("short", 500) == "short"
    assert truncate_to_tokens(BIG_FILE, 0) == ""


def test_overflowing_tool_results_end_within_budget() -> None:
    conversation = overflowing_conversation()
    original = json.dumps(conversation)
    result = fit_to_budget(PINNED, conversation, budget_tokens=20_000, max_tool_result_tokens=4_000)
    manifest = result.manifest

    assert json.dumps(conversation) == original  # the input is not modified
    assert manifest.fits
    assert manifest.total_tokens <= 20_000
    assert manifest.total_tokens == total_tokens(PINNED, result.messages)
    assert manifest.budget_tokens == 20_000

    tool_cuts = [cut for cut in manifest.cuts if cut.kind == "tool_result_cut"]
    assert len(tool_cuts) == 12
    assert all(cut.tool_name == "read_file" for cut in tool_cuts)
    assert all(cut.tokens_after <= 4_000 < cut.tokens_before for cut in tool_cuts)
    [summarised] = [cut for cut in manifest.cuts if cut.kind == "turns_summarised"]
    assert summarised.messages_dropped > 0
    assert "read_file ×" in summarised.detail
    assert "src/module_0.py" in summarised.detail

    # the instructions stay first, the summary travels with them, the latest exchange stays
    first = result.messages[0]
    assert first["content"][0]["text"] == INSTRUCTIONS
    assert first["content"][-1]["text"] == summarised.detail
    assert result.messages[-2:] == conversation[-2:]
    assert_valid_conversation(result.messages)

    # a cut tool result says so
    kept_results = [
        block["content"]
        for message in result.messages
        if message["role"] == "user" and isinstance(message["content"], list)
        for block in message["content"]
        if block.get("type") == "tool_result"
    ]
    assert any("[... cut " in text and " tokens of " in text for text in kept_results)


def test_manifest_counts_sources_and_is_json() -> None:
    result = ContextBudget(budget_tokens=20_000, max_tool_result_tokens=4_000).fit(
        PINNED, overflowing_conversation()
    )
    manifest = result.manifest
    assert set(manifest.sources) == {"CONTEXT.md", "agent:developer", "step:implement"}
    assert manifest.sources["CONTEXT.md"] == count_tokens(PINNED[0].text)
    assert manifest.pinned_tokens == sum(manifest.sources.values())
    assert manifest.conversation_tokens == sum(part.tokens for part in manifest.conversation)
    assert [part.label for part in manifest.conversation][:1] == ["instructions"]
    assert [part.label for part in manifest.conversation][-2:] == ["latest", "latest"]
    assert Manifest.model_validate_json(manifest.model_dump_json()) == manifest


def test_pinned_sources_are_never_cut() -> None:
    huge = Source("CONTEXT.md", BIG_FILE)
    conversation = overflowing_conversation()
    result = fit_to_budget([huge], conversation, budget_tokens=1_000, max_tool_result_tokens=500)
    assert result.manifest.sources["CONTEXT.md"] == count_tokens(BIG_FILE)
    assert not result.manifest.fits
    assert len(result.messages) == 3  # everything droppable was dropped
    assert_valid_conversation(result.messages)


def test_within_budget_nothing_changes() -> None:
    conversation: list[Message] = [{"role": "user", "content": INSTRUCTIONS}]
    conversation.extend(tool_turn(1, "search", {"pattern": "cart"}, "src/cart.py:3: cart = []"))
    result = fit_to_budget(PINNED, conversation, budget_tokens=50_000, max_tool_result_tokens=1_000)
    assert result.messages == conversation
    assert result.manifest.cuts == []


def test_list_tool_results_are_cut_too() -> None:
    conversation: list[Message] = [{"role": "user", "content": INSTRUCTIONS}]
    assistant, user = tool_turn(1, "mcp__browser__snapshot", {}, "")
    user["content"][0]["content"] = [
        {"type": "text", "text": "page title"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA"}},
        {"type": "text", "text": BIG_FILE},
    ]
    conversation += [assistant, user]
    result = fit_to_budget([], conversation, budget_tokens=100_000, max_tool_result_tokens=3_000)
    [cut] = result.manifest.cuts
    assert cut.tool_name == "mcp__browser__snapshot"
    blocks = result.messages[2]["content"][0]["content"]
    assert [block["type"] for block in blocks] == ["text", "image", "text", "text"]
    assert blocks[-1]["text"].startswith("[... cut ")
    assert cut.tokens_after <= 3_000


# --- property: any conversation comes out valid -----------------------------------------


def assert_valid_conversation(messages: list[Message]) -> None:
    assert messages and messages[0]["role"] == "user"
    for index, message in enumerate(messages):
        assert message["role"] == ("user" if index % 2 == 0 else "assistant")
        results = tool_ids(message, "tool_result", "tool_use_id")
        previous_uses = tool_ids(messages[index - 1], "tool_use", "id") if index else []
        assert results == (previous_uses if results else results)
        uses = tool_ids(message, "tool_use", "id")
        if uses and index + 1 < len(messages):
            assert tool_ids(messages[index + 1], "tool_result", "tool_use_id") == uses


def tool_ids(message: Message, kind: str, key: str) -> list[str]:
    content = message["content"]
    if not isinstance(content, list):
        return []
    return [block[key] for block in content if block.get("type") == kind]


@st.composite
def conversations(draw: st.DrawFn) -> list[Message]:
    messages: list[Message] = [{"role": "user", "content": draw(st.text(min_size=1))}]
    counter = 0
    for _ in range(draw(st.integers(0, 8))):
        calls = draw(st.integers(1, 3))
        uses, results = [], []
        for _ in range(calls):
            counter += 1
            name = draw(st.sampled_from(["read_file", "edit", "search", "mcp__t__get"]))
            path = draw(st.sampled_from(["a.py", "src/b.py", "c/d.md"]))
            size = draw(st.integers(0, 3000))
            uses.append(
                {"type": "tool_use", "id": f"t{counter}", "name": name, "input": {"path": path}}
            )
            results.append(
                {"type": "tool_result", "tool_use_id": f"t{counter}", "content": "word " * size}
            )
        text = draw(st.text(max_size=50))
        messages.append({"role": "assistant", "content": [{"type": "text", "text": text}, *uses]})
        messages.append({"role": "user", "content": results})
    if draw(st.booleans()):
        messages.append({"role": "assistant", "content": draw(st.text(min_size=1))})
    return messages


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    conversation=conversations(),
    budget=st.integers(0, 20_000),
    max_tool=st.integers(1, 3_000),
)
def test_any_conversation_stays_valid(
    conversation: list[Message], budget: int, max_tool: int
) -> None:
    pinned = [Source("context", "Be careful. " * 50)]
    result = fit_to_budget(pinned, conversation, budget, max_tool)
    messages = result.messages
    manifest = result.manifest
    assert_valid_conversation(messages)
    assert manifest.total_tokens == total_tokens(pinned, messages)
    assert manifest.fits == (manifest.total_tokens <= budget)
    assert manifest.sources == {"context": count_tokens(pinned[0].text)}
    # the instructions and the latest exchange are always there
    first = messages[0]["content"]
    instructions = conversation[0]["content"]
    assert first == instructions or first[0] == {"type": "text", "text": instructions}
    assert [m["role"] for m in messages[-2:]] == [m["role"] for m in conversation[-2:]]
    assert tool_ids(messages[-1], "tool_result", "tool_use_id") == tool_ids(
        conversation[-1], "tool_result", "tool_use_id"
    )
    # over budget only once nothing more may be dropped
    if not manifest.fits:
        droppable = [
            i for i in range(3, len(conversation) - 1) if conversation[i]["role"] == "assistant"
        ]
        assert not droppable or len(messages) == len(conversation) - (droppable[-1] - 1)
    # every tool result within its limit (give or take the tokenizer's seams)
    for message in messages:
        for block in message["content"] if isinstance(message["content"], list) else []:
            if block.get("type") == "tool_result":
                assert count_tokens(block["content"]) <= max(max_tool, 60) + 2


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    conversation=conversations(),
    budget=st.integers(0, 20_000),
    max_tool=st.integers(1, 3_000),
    rewind=st.integers(0, 6),
)
def test_a_fitter_refitting_a_growing_conversation_agrees_with_fitting_it_afresh(
    conversation: list[Message], budget: int, max_tool: int, rewind: int
) -> None:
    """What a step's fitter remembers from turn to turn never changes its answer, also
    when the conversation stops extending the last one (a step re-run after a revise)."""
    pinned = [Source("context", "Be careful. " * 50)]
    fitter = ConversationFitter(pinned, budget, max_tool)
    # A tool loop's fitter leaves out the per-message lines; all else is the same.
    loop_fitter = ConversationFitter(pinned, budget, max_tool)
    growing = conversation[:1]
    for message in conversation[1:]:
        growing.append(message)
        afresh = fit_to_budget(pinned, growing, budget, max_tool)
        assert fitter.fit(growing) == afresh
        assert loop_fitter.fit(growing, per_message=False) == without_lines(afresh)
    replaced = [*conversation[: max(len(conversation) - rewind, 1)]]
    replaced += [revised(message) for message in conversation[len(replaced) :]]
    afresh = fit_to_budget(pinned, replaced, budget, max_tool)
    assert fitter.fit(replaced) == afresh
    assert loop_fitter.fit(replaced, per_message=False) == without_lines(afresh)


def without_lines(fitted: FitResult) -> FitResult:
    return FitResult(fitted.messages, fitted.manifest.model_copy(update={"conversation": []}))


def revised(message: Message) -> Message:
    """A copy of `message` saying something else, its tool calls unchanged."""
    copy: Message = json.loads(json.dumps(message))
    if not isinstance(copy["content"], list):
        return {**copy, "content": "revised " * 300}
    for block in copy["content"]:
        if block.get("type") == "text":
            block["text"] = "revised"
        elif block.get("type") == "tool_result":
            block["content"] = "revised result " * 500
    return copy


def test_a_long_loop_keeps_its_prefix_and_cuts_in_chunks() -> None:
    """Over a 400-turn loop far past the budget, almost every call sends the previous
    call's messages unchanged before its new ones (so the prompt cache serves them); the
    cut moves rarely, a chunk at a time, and every call fits."""
    budget = 30_000
    fitter = ConversationFitter(PINNED, budget, 2_000)
    room = budget - fitter.pinned_tokens
    conversation: list[Message] = [{"role": "user", "content": INSTRUCTIONS}]
    previous: list[Message] | None = None
    kept_prefix = calls = moves = 0
    dropped_before = 0
    for number in range(400):
        result = f"result {number}: " + "the file says something useful. " * (40 + number % 60)
        conversation.extend(tool_turn(number, "read_file", {"path": f"f{number}.py"}, result))
        fitted = fitter.fit(conversation)
        assert fitted.manifest.fits
        assert fitted == fit_to_budget(PINNED, conversation, budget, 2_000)
        messages = fitted.messages
        if previous is not None:
            calls += 1
            same = json.dumps(messages[: len(previous)]) == json.dumps(previous)
            kept_prefix += same
        [*_, last] = [None, *(c for c in fitted.manifest.cuts if c.kind == "turns_summarised")]
        dropped = last.messages_dropped if last is not None else 0
        if dropped != dropped_before:
            moves += 1
            # A move drops at least a chunk's worth, never a message at a time.
            assert last is not None and last.tokens_before >= room * 0.4 * moves
        dropped_before = dropped
        previous = messages
    assert dropped_before > 600  # far past the budget
    assert kept_prefix / calls >= 0.95, (kept_prefix, calls)
    assert moves <= 0.05 * calls


def test_a_fitter_with_one_huge_recent_exchange_still_drops_all_it_may() -> None:
    """No chunk boundary is enough when the latest exchanges alone overflow: the cut then
    falls on any exchange, and failing that everything droppable goes."""
    conversation: list[Message] = [{"role": "user", "content": INSTRUCTIONS}]
    for number in range(6):
        conversation.extend(tool_turn(number, "search", {"pattern": "x"}, "small " * 50))
    conversation.extend(tool_turn(50, "read_file", {"path": "big.py"}, BIG_FILE))
    conversation.extend(tool_turn(51, "read_file", {"path": "big2.py"}, BIG_FILE))
    fitted = fit_to_budget(PINNED, conversation, 6_000, 3_000)
    [cut] = [c for c in fitted.manifest.cuts if c.kind == "turns_summarised"]
    assert fitted.manifest.fits
    # Only the instructions and the exchange in progress are left: the first big read
    # went too, though no chunk boundary lies after it.
    assert cut.messages_dropped == len(conversation) - 3
    assert len(fitted.messages) == 3
    assert "search ×6" in cut.detail and "read_file ×1" in cut.detail
