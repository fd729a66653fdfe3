"""One step: its agent's tool loop with the model, until it answers without a tool.

Each turn: fit the conversation to the budget (pinned parts stay), stream the model,
account usage, run the tools it asked for, and go again — at most `max_turns` times.

The model's reply is not trusted blindly. A reply cut off at `max_tokens` may hold a
tool call whose input is cut too (a `str_replace` missing half its `new_str`), so no
tool call of such a reply is ever run: the turn is asked again with a larger limit
while the model allows one, and otherwise the model is told each call was not run
and the person gets a notice. A reply Claude stopped as a `refusal` fails the step,
running nothing of it. Reaching `max_turns` without a final answer fails the step
(`StepFailed`) unless the step says `on_max_turns: continue`.

A step with an `output` schema answers through the `structured_output` tool
(`engine.structured_output`): its call ends the step when the answer matches, and is
answered with what is wrong otherwise, `MAX_MISMATCHES` times at most.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from orchestra_lsp.context import ConversationFitter
from orchestra_lsp.engine.events import (
    ContextReported,
    Event,
    ModelRetry,
    Notice,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
)
from orchestra_lsp.engine.prompts import pinned_sources
from orchestra_lsp.engine.structured_output import (
    MAX_MISMATCHES,
    NOT_CALLED,
    OUTPUT_TOOL,
    OutputContract,
    as_text,
)
from orchestra_lsp.engine.text_frames import TextFrames
from orchestra_lsp.engine.toolbox import Toolbox
from orchestra_lsp.llm import ModelClient, ModelError, ModelTurn, max_output_tokens
from orchestra_lsp.workspace import Agent

OnMaxTurns = Literal["fail", "continue"]
LIMIT_GROWTH = 4
"""A reply cut at `max_tokens` is asked again with this many times the limit (at most
the model's ceiling), so 8192 reaches 128K in two retries."""


class StepFailed(Exception):
    """The step cannot give an answer (`max_turns`, a refusal); the message is for a person."""


@dataclass
class StepSettings:
    run_id: str
    step_id: str
    model: str
    max_turns: int
    max_output_tokens: int
    budget_tokens: int
    max_tool_result_tokens: int
    on_max_turns: OnMaxTurns = "fail"
    output: OutputContract | None = None
    """The step's `output` schema, when it has one."""


@dataclass
class StepOutcome:
    output: str
    turns: int
    data: Any = None
    """The validated structured answer, for a step with an `output` schema."""


async def run_step(
    settings: StepSettings,
    client: ModelClient,
    agent: Agent,
    system: list[str],
    instructions: str,
    toolbox: Toolbox,
    emit: Callable[[Event], None],
    after_turn: Callable[[ModelTurn], Awaitable[None]],
) -> StepOutcome:
    """The agent's loop; `after_turn` accounts usage (and may pause for the budget)."""
    run_id, step_id = settings.run_id, settings.step_id
    fitter = ConversationFitter(
        pinned_sources(system, agent, toolbox.specs),
        settings.budget_tokens,
        settings.max_tool_result_tokens,
    )
    messages: list[dict[str, Any]] = [{"role": "user", "content": instructions}]
    contract = settings.output
    tools = toolbox.specs
    mismatches = 0

    def mismatch(problems: list[str]) -> str:
        """Count one wrong answer; fail the step at the last allowed one."""
        nonlocal mismatches
        assert contract is not None
        mismatches += 1
        if mismatches >= MAX_MISMATCHES:
            raise StepFailed(contract.failure(problems))
        return contract.retry_note(problems, mismatches)

    text = TextFrames(lambda part: emit(TextDelta(run_id=run_id, step_id=step_id, text=part)))

    def on_retry(reason: str) -> None:
        text.flush()
        emit(ModelRetry(run_id=run_id, step_id=step_id, reason=reason))

    last_text = ""
    max_tokens = settings.max_output_tokens
    for turn_index in range(1, settings.max_turns + 1):
        if turn_index > 1:
            await toolbox.refresh()  # an MCP server's tools/list_changed, between turns
        tools = toolbox.specs + ([contract.spec()] if contract is not None else [])
        # Per-message sizes stay out of the event: they grow with every turn, and the
        # sources, totals and cuts are what a person reads.
        fitted = fitter.fit(messages, per_message=False)
        manifest = fitted.manifest.model_dump(mode="json", exclude={"conversation"})
        emit(ContextReported(run_id=run_id, step_id=step_id, manifest=manifest))
        cut: tuple[ModelTurn, int] | None = None  # the last reply cut, and its limit
        while True:
            try:
                turn = await client.stream_turn(
                    model=settings.model,
                    system=system,
                    tools=tools,
                    messages=fitted.messages,
                    max_tokens=max_tokens,
                    on_text=text.add,
                    on_retry=on_retry,
                )
            except ModelError as error:
                if cut is None or error.kind != "bad_request":
                    raise
                # The API refused the larger limit (prompt and output past the model's
                # context window): the cut reply stands, and is handled as cut.
                turn, max_tokens = cut
                break
            finally:
                text.flush()  # what was said before the turn ended, or failed, is shown
            await after_turn(turn)
            larger = _larger_limit(settings.model, max_tokens)
            if turn.stop_reason != "max_tokens" or larger is None:
                break
            on_retry(
                f"the reply was cut off at max_tokens={max_tokens}; "
                f"asking again with max_tokens={larger}"
            )
            cut, max_tokens = (turn, max_tokens), larger  # the larger one stays for the step
        if turn.stop_reason == "refusal":
            # Claude declined and its reply stops where it did: nothing in it is run, and
            # asking again would be refused again.
            raise StepFailed(
                f"step '{step_id}': the model declined to go on (stop_reason: refusal); "
                "nothing from that reply was run"
            )
        last_text = turn.text or last_text
        messages.append({"role": "assistant", "content": turn.content})
        uses = turn.tool_uses
        if turn.stop_reason == "max_tokens":
            emit(
                Notice(
                    run_id=run_id, level="warning", message=_cut_notice(step_id, max_tokens, uses)
                )
            )
            if uses:
                messages.append(
                    {"role": "user", "content": [_not_run(u, max_tokens) for u in uses]}
                )
                continue
        if not uses:
            if contract is None:
                return StepOutcome(output=turn.text, turns=turn_index)
            messages.append({"role": "user", "content": mismatch([NOT_CALLED])})
            continue
        answers = [use for use in uses if contract is not None and use.get("name") == OUTPUT_TOOL]
        results = [await toolbox.call(use) for use in uses if use not in answers]
        for use in answers:
            assert contract is not None
            value, problems = contract.check(use.get("input"))
            _journal_answer(emit, settings, use, problems)
            if not problems:
                return StepOutcome(output=as_text(value), turns=turn_index, data=value)
            results.append(
                {
                    "type": "tool_result",
                    "tool_use_id": use["id"],
                    "is_error": True,
                    "content": mismatch(problems),
                }
            )
        messages.append({"role": "user", "content": results})
    message = f"step '{step_id}' reached max_turns ({settings.max_turns}) without a final answer"
    if settings.on_max_turns == "fail" or contract is not None:
        raise StepFailed(
            f"{message}; raise the agent's `max_turns`, or set `on_max_turns: continue` on "
            "the step to go on with its last text"
        )
    emit(Notice(run_id=run_id, level="warning", message=f"{message}; going on with its last text"))
    return StepOutcome(output=last_text, turns=settings.max_turns)


def _journal_answer(
    emit: Callable[[Event], None],
    settings: StepSettings,
    use: dict[str, Any],
    problems: list[str],
) -> None:
    """The answer's call in the journal like any tool call, rejected ones too."""
    arguments = use.get("input") if isinstance(use.get("input"), dict) else {}
    common = {"run_id": settings.run_id, "step_id": settings.step_id, "call_id": str(use["id"])}
    emit(ToolCallStarted(**common, tool=OUTPUT_TOOL, arguments=arguments or {}))
    emit(
        ToolCallFinished(
            **common,
            tool=OUTPUT_TOOL,
            duration_ms=0.0,
            is_error=bool(problems),
            summary="; ".join(problems) if problems else "answer accepted",
        )
    )


def _larger_limit(model: str, max_tokens: int) -> int | None:
    """The next `max_tokens` to ask for after a cut reply; None at the model's ceiling
    (or when the model is unknown, so its ceiling is too)."""
    ceiling = max_output_tokens(model)
    if ceiling is None or max_tokens >= ceiling:
        return None
    return min(max_tokens * LIMIT_GROWTH, ceiling)


def _cut_notice(step_id: str, max_tokens: int, uses: list[dict[str, Any]]) -> str:
    where = f"step '{step_id}': the model's reply was cut off at max_tokens={max_tokens}"
    if not uses:
        return f"{where}; its answer may be incomplete"
    names = ", ".join(sorted({str(use.get("name")) for use in uses}))
    return f"{where} in the middle of a tool call ({names}); the call was not run"


def _not_run(use: dict[str, Any], max_tokens: int) -> dict[str, Any]:
    """The tool result for a call of a cut-off reply: not run, and why."""
    return {
        "type": "tool_result",
        "tool_use_id": use["id"],
        "is_error": True,
        "content": (
            f"Not run: your reply reached the output limit (max_tokens={max_tokens}) before "
            "it ended, so this call's input may be cut off. Nothing was changed. Send "
            "smaller calls: split a large edit or file into several."
        ),
    }
