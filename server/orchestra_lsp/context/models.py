"""What `fit_to_budget` takes and gives: sources, the manifest (an event), the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Message = dict[str, Any]
"""A message in the Anthropic Messages API shape: `role` and `content` (a string or a
list of content blocks)."""


@dataclass(frozen=True)
class Source:
    """A pinned piece of the prompt (persistent context, agent prompt, step instructions):
    counted, never cut."""

    name: str
    text: str


class Cut(BaseModel):
    """One thing left out to stay within the budget."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["tool_result_cut", "turns_summarised"]
    detail: str
    tokens_before: int
    tokens_after: int
    message_index: int
    """Index in the conversation given to `fit_to_budget` (the first dropped one, for a
    summary)."""
    tool_use_id: str | None = None
    tool_name: str | None = None
    messages_dropped: int = 0


PartLabel = Literal["instructions", "turn", "latest"]


class PartTokens(BaseModel):
    """Tokens of one message of the fitted conversation."""

    model_config = ConfigDict(frozen=True)

    index: int
    role: str
    tokens: int
    label: PartLabel


class Manifest(BaseModel):
    """What a prompt is made of, in tokens, and what was left out: sent to front ends as
    an event and returned by `orchestra/context`."""

    sources: dict[str, int]
    conversation: list[PartTokens]
    pinned_tokens: int
    conversation_tokens: int
    total_tokens: int
    budget_tokens: int
    fits: bool
    """False when even the parts that are never cut exceed the budget."""
    cuts: list[Cut]


@dataclass(frozen=True)
class FitResult:
    """The conversation to send and its manifest. Unchanged messages are the caller's own
    objects, shared rather than copied: treat both lists as read-only."""

    messages: list[Message]
    manifest: Manifest
