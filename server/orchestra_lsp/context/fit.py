"""Fitting a step's prompt into its token budget.

Three layers, cheapest loss first:

1. Pinned sources (persistent context, agent prompt, step instructions) always stay whole:
   they are what the agent is and what it was asked.
2. Every tool result larger than `max_tool_result_tokens` is cut to its head followed by a
   note ``[... cut N tokens of M: ...]`` that tells the model how to see more.
3. If the whole still exceeds the budget, the oldest turns are dropped, fewest first:
   never the first user message (the step's instructions), never the last two messages
   (the exchange in progress), and only whole assistant/tool-result exchanges, so a
   tool_use never loses its tool_result. What was dropped is stated in a short mechanical
   summary (tools called, files read and edited).

The summary is a text block appended to the first user message rather than a message of
its own: in a tool loop every user message after the first carries the tool results of
the assistant message before it, so a standalone summary could only sit between two user
messages (breaking alternation) or beside a made-up assistant turn. Appended to the first
message it keeps roles alternating and every tool_result right after its tool_use.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from itertools import accumulate
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from orchestra_lsp.context.messages import cut_tool_results, message_tokens, tool_uses
from orchestra_lsp.context.models import (
    Cut,
    FitResult,
    Manifest,
    Message,
    PartLabel,
    PartTokens,
    Source,
)
from orchestra_lsp.context.summary import summarise_dropped
from orchestra_lsp.context.tokens import count_tokens


def fit_to_budget(
    pinned: Sequence[Source],
    conversation: Sequence[Message],
    budget_tokens: int,
    max_tool_result_tokens: int,
) -> FitResult:
    """The conversation to send with `pinned`, within `budget_tokens` when at all
    possible, and a manifest of what it holds and what was left out. `conversation` must
    be a valid Messages API conversation (it starts with the step's instructions); it is
    not modified."""
    sources: dict[str, int] = {}
    for source in pinned:
        sources[source.name] = sources.get(source.name, 0) + count_tokens(source.text)
    pinned_tokens = sum(sources.values())

    messages: list[Message] = []
    cuts: list[Cut] = []
    sizes: list[int] = []
    for index, message in enumerate(conversation):
        previous = conversation[index - 1] if index else None
        fitted, message_cuts, size = _fitted(message, index, max_tool_result_tokens, previous)
        messages.append(fitted)
        cuts.extend(message_cuts)
        sizes.append(size)
    drop = _choose_drop(messages, sizes, budget_tokens - pinned_tokens)
    if drop is not None:
        end, first, summary = drop
        cuts.append(
            Cut(
                kind="turns_summarised",
                detail=summary,
                tokens_before=sum(sizes[1:end]),
                tokens_after=message_tokens(first) - sizes[0],
                message_index=1,
                messages_dropped=end - 1,
            )
        )
        messages = [first, *messages[end:]]
        sizes = [message_tokens(first), *sizes[end:]]

    conversation_tokens = sum(sizes)
    total = pinned_tokens + conversation_tokens
    manifest = Manifest(
        sources=sources,
        conversation=[
            _part(index, str(message.get("role")), size, _label(index, len(messages)))
            for index, (message, size) in enumerate(zip(messages, sizes, strict=True))
        ],
        pinned_tokens=pinned_tokens,
        conversation_tokens=conversation_tokens,
        total_tokens=total,
        budget_tokens=budget_tokens,
        fits=total <= budget_tokens,
        cuts=cuts,
    )
    return FitResult(messages=messages, manifest=manifest)


class ContextBudget(BaseModel):
    """The budget settings of config.toml's `[model]`, bound to :func:`fit_to_budget`."""

    model_config = ConfigDict(frozen=True)

    budget_tokens: int = Field(default=150_000, gt=0)
    max_tool_result_tokens: int = Field(default=10_000, gt=0)

    def fit(self, pinned: Sequence[Source], conversation: Sequence[Message]) -> FitResult:
        """See :func:`fit_to_budget`."""
        return fit_to_budget(pinned, conversation, self.budget_tokens, self.max_tool_result_tokens)


#: A tool loop refits the same growing conversation before every model call; each
#: message is cut and counted once, then found here by identity (messages are never
#: changed once in a conversation). The entry keeps the message alive, so its id
#: cannot be reused while it is cached.
_MEMO: OrderedDict[int, tuple[Message, int, int, Message, list[Cut], int]] = OrderedDict()
_MEMO_SIZE = 4096


def _fitted(
    message: Message, index: int, limit: int, previous: Message | None
) -> tuple[Message, list[Cut], int]:
    """The message with its tool results cut to `limit`, what was cut, and its size.

    A tool result answers a tool_use of the message just before it (the conversation is
    valid), which names the tool for the manifest."""
    memo = _MEMO.get(id(message))
    if memo is not None and memo[0] is message and memo[1] == index and memo[2] == limit:
        _MEMO.move_to_end(id(message))
        return memo[3], memo[4], memo[5]
    tool_names = {
        str(use.get("id")): str(use.get("name"))
        for use in (tool_uses(previous) if previous is not None else [])
    }
    fitted, cuts = cut_tool_results(message, index, limit, tool_names)
    size = message_tokens(fitted)
    _MEMO[id(message)] = (message, index, limit, fitted, cuts, size)
    if len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
    return fitted, cuts, size


def _choose_drop(
    messages: Sequence[Message], sizes: Sequence[int], room: int
) -> tuple[int, Message, str] | None:
    """The fewest oldest messages to drop, as (index of the first one kept, new first
    message carrying the summary, the summary); None when everything fits. When nothing is enough,
    drops all that may be dropped."""
    if sum(sizes) <= room:
        return None
    kept_after = list(accumulate(reversed(sizes)))[::-1]  # kept_after[k] = sum(sizes[k:])
    best: tuple[int, Message, str] | None = None
    for end in range(3, len(messages) - 1):
        if messages[end].get("role") != "assistant":
            continue
        summary = summarise_dropped(messages[1:end])
        first = _with_summary(messages[0], summary)
        best = (end, first, summary)
        if message_tokens(first) + kept_after[end] <= room:
            break
    return best


def _with_summary(message: Mapping[str, Any], summary: str) -> Message:
    content = message.get("content")
    blocks = (
        list(content)
        if isinstance(content, list)
        else [{"type": "text", "text": str(content or "")}]
    )
    return {**message, "content": [*blocks, {"type": "text", "text": summary}]}


@functools.lru_cache(maxsize=_MEMO_SIZE)
def _part(index: int, role: str, tokens: int, label: PartLabel) -> PartTokens:
    """The manifest's line for one message: the same from turn to turn for all but the
    latest two, so made once (PartTokens is frozen)."""
    return PartTokens(index=index, role=role, tokens=tokens, label=label)


def _label(index: int, count: int) -> PartLabel:
    if index == 0:
        return "instructions"
    return "latest" if index >= count - 2 else "turn"
