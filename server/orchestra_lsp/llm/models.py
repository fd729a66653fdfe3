"""The model layer's result shapes: token usage and one finished model turn."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Usage(BaseModel):
    """Tokens one or more model calls used; ``+`` sums them for step, agent and run totals.

    ``input_tokens`` excludes cached tokens, as the API reports it: a prompt's size is
    ``input_tokens + cache_read_tokens + cache_write_tokens``.
    """

    model_config = ConfigDict(frozen=True)

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
        )


class ModelTurn(BaseModel):
    """One complete answer from the model.

    ``content`` holds plain dicts in the API's own shape (``{"type": "text", "text"}``,
    ``{"type": "tool_use", "id", "name", "input"}``), so the engine can append them to
    the conversation as the assistant message without converting anything.
    ``cost_estimated`` is true when the model is not in the price table and was priced
    as Sonnet.
    """

    model_config = ConfigDict(frozen=True)

    content: list[dict[str, Any]]
    stop_reason: str | None
    usage: Usage
    cost_usd: float
    cost_estimated: bool = False
    model: str

    @property
    def text(self) -> str:
        """All text blocks joined: the turn's answer when it calls no tool."""
        return "".join(str(b["text"]) for b in self.content if b.get("type") == "text")

    @property
    def tool_uses(self) -> list[dict[str, Any]]:
        """The ``tool_use`` blocks, in the order the model asked for them."""
        return [b for b in self.content if b.get("type") == "tool_use"]
