"""One step: its agent's tool loop with the model, until it answers without a tool.

Each turn: fit the conversation to the budget (pinned parts stay), stream the model,
account usage, run the tools it asked for, and go again — at most `max_turns` times.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from orchestra_lsp.context import ConversationFitter
from orchestra_lsp.engine.events import ContextReported, Event, ModelRetry, Notice, TextDelta
from orchestra_lsp.engine.prompts import pinned_sources
from orchestra_lsp.engine.text_frames import TextFrames
from orchestra_lsp.engine.toolbox import Toolbox
from orchestra_lsp.llm import ModelClient, ModelTurn
from orchestra_lsp.workspace import Agent


@dataclass
class StepSettings:
    run_id: str
    step_id: str
    model: str
    max_turns: int
    max_output_tokens: int
    budget_tokens: int
    max_tool_result_tokens: int


@dataclass
class StepOutcome:
    output: str
    turns: int


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

    text = TextFrames(lambda part: emit(TextDelta(run_id=run_id, step_id=step_id, text=part)))

    def on_retry(reason: str) -> None:
        text.flush()
        emit(ModelRetry(run_id=run_id, step_id=step_id, reason=reason))

    last_text = ""
    for turn_index in range(1, settings.max_turns + 1):
        fitted = fitter.fit(messages)
        # Per-message sizes stay out of the event: they grow with every turn, and the
        # sources, totals and cuts are what a person reads.
        manifest = fitted.manifest.model_dump(mode="json", exclude={"conversation"})
        emit(ContextReported(run_id=run_id, step_id=step_id, manifest=manifest))
        try:
            turn = await client.stream_turn(
                model=settings.model,
                system=system,
                tools=toolbox.specs,
                messages=fitted.messages,
                max_tokens=settings.max_output_tokens,
                on_text=text.add,
                on_retry=on_retry,
            )
        finally:
            text.flush()  # what was said before the turn ended, or failed, is shown
        await after_turn(turn)
        last_text = turn.text or last_text
        messages.append({"role": "assistant", "content": turn.content})
        uses = turn.tool_uses
        if not uses:
            return StepOutcome(output=turn.text, turns=turn_index)
        results = [await toolbox.call(use) for use in uses]
        messages.append({"role": "user", "content": results})
    emit(
        Notice(
            run_id=run_id,
            level="warning",
            message=f"step '{step_id}' stopped after {settings.max_turns} model turns "
            "(max_turns) without a final answer",
        )
    )
    return StepOutcome(output=last_text, turns=settings.max_turns)
