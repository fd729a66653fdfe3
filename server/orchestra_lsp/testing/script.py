"""The script a :class:`~orchestra_lsp.testing.ScriptedServer` plays: pydantic models and loaders.

A script is an ordered list of turns. Each turn answers one ``POST /v1/messages``
request (or, with a fault, several: the failed attempts and the retry). The models
forbid unknown keys so that a typo in a script file is an error at load time rather
than an expectation silently not checked.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

StopReason = Literal["end_turn", "tool_use", "max_tokens", "stop_sequence", "pause_turn", "refusal"]


class _Strict(BaseModel):
    """Base for script models: unknown keys are errors, so typos cannot hide."""

    model_config = ConfigDict(extra="forbid")


class ToolUse(_Strict):
    """A ``tool_use`` block the scripted model emits; ``id`` is generated when omitted."""

    name: str
    input: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None


class Reply(_Strict):
    """What the scripted model answers: text first, then tool calls.

    ``text`` as a string is streamed in word-sized deltas; as a list of strings each
    item is sent as one ``text_delta``, for tests that care about delta boundaries.
    ``stop_reason`` defaults to ``tool_use`` when there are tool calls, else ``end_turn``.
    """

    text: str | list[str] | None = None
    tool_use: list[ToolUse] = Field(default_factory=list)
    stop_reason: StopReason | None = None

    @property
    def full_text(self) -> str | None:
        """The whole text, however it is chunked."""
        if isinstance(self.text, list):
            return "".join(self.text)
        return self.text

    @property
    def effective_stop_reason(self) -> StopReason:
        """The scripted stop reason, or the one a real model would give for this content."""
        if self.stop_reason is not None:
            return self.stop_reason
        return "tool_use" if self.tool_use else "end_turn"


class UsageSpec(_Strict):
    """Token counts to report; any field left out is estimated (see ``server`` docs)."""

    input_tokens: int | None = Field(default=None, ge=0)
    output_tokens: int | None = Field(default=None, ge=0)
    cache_creation_input_tokens: int | None = Field(default=None, ge=0)
    cache_read_input_tokens: int | None = Field(default=None, ge=0)


class Expect(_Strict):
    """Assertions about the request a turn answers; every mismatch is reported at once.

    - ``system_contains``: substrings of the system prompt (all text blocks joined).
    - ``messages_contain``: substrings found anywhere in the messages' text, tool inputs
      and tool results.
    - ``last_tool_result_contains``: substrings of the last ``tool_result`` block.
    - ``tools``: tool names that must be offered; ``tools_exactly``: the set of names
      offered, no more, no less.
    - ``model``: the exact model name.
    - ``prefix_unchanged``: the cached prefix (model, tools, and the system blocks up to
      and including the last one with ``cache_control``) is byte-identical, as canonical
      JSON, to the previous request's.
    - ``max_tokens_at_most``: an upper bound on ``max_tokens``.
    - ``stream``: whether the request must (true) or must not (false) stream.
    """

    system_contains: list[str] = Field(default_factory=list)
    messages_contain: list[str] = Field(default_factory=list)
    last_tool_result_contains: list[str] = Field(default_factory=list)
    tools: list[str] = Field(default_factory=list)
    tools_exactly: list[str] | None = None
    model: str | None = None
    prefix_unchanged: bool = False
    max_tokens_at_most: int | None = None
    stream: bool | None = None


class Fault(_Strict):
    """A failure the turn produces before (or instead of) its reply.

    Either an HTTP error (``status``, with optional ``retry_after`` seconds sent as both
    ``retry-after`` and ``retry-after-ms`` so the SDK's retry waits exactly that long,
    and ``message``) or a stream cut (``cut_after_events``: the SSE stream is closed
    abruptly after that many events, without the final chunk; with ``cut_cleanly``
    the HTTP body ends properly instead, leaving a stream that just lacks its end).

    The fault answers the first ``times`` requests for this turn. Then, by default, the
    same turn's reply answers the next request - so ``times: 1`` makes a test of one
    retry. With ``consume: true`` the faults are the whole turn: the next request goes
    to the next turn, which is how to script "fails every time".
    """

    status: Literal[400, 401, 403, 404, 408, 413, 429, 500, 502, 503, 504, 529] | None = None
    retry_after: float | None = Field(default=None, ge=0)
    message: str | None = None
    cut_after_events: int | None = Field(default=None, ge=0)
    cut_cleanly: bool = False
    times: int = Field(default=1, ge=1)
    consume: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Fault:
        if (self.status is None) == (self.cut_after_events is None):
            raise ValueError("a fault needs exactly one of `status` or `cut_after_events`")
        return self


class Turn(_Strict):
    """One scripted model turn: what to expect, how to fail, and what to answer.

    ``delay`` (seconds) is waited before answering; ``delay_between_events`` between
    SSE events - handy to test cancellation and timeouts. ``name`` labels the turn in
    failure messages.
    """

    name: str | None = None
    reply: Reply = Field(default_factory=Reply)
    usage: UsageSpec = Field(default_factory=UsageSpec)
    expect: Expect = Field(default_factory=Expect)
    fault: Fault | None = None
    delay: float = Field(default=0.0, ge=0)
    delay_between_events: float = Field(default=0.0, ge=0)

    def label(self, index: int) -> str:
        """How failure messages name this turn: its 1-based position, and its name if any."""
        return f"turn {index + 1}" + (f" ({self.name})" if self.name else "")


class Script(_Strict):
    """An ordered list of turns; a file may also be just the list.

    ``concurrent: true`` plays several conversations at once (``orchestra batch
    --parallel``): each request takes the first unplayed turn whose ``expect`` it meets,
    whatever the order of arrival. Such a script's turns must tell their conversations
    apart by ``expect`` and cannot use faults or ``prefix_unchanged`` (both need one
    conversation in order).
    """

    turns: list[Turn]
    concurrent: bool = False

    @model_validator(mode="after")
    def _concurrent_turns_stand_alone(self) -> Script:
        if self.concurrent:
            for index, turn in enumerate(self.turns):
                if turn.fault is not None or turn.expect.prefix_unchanged:
                    raise ValueError(
                        f"{turn.label(index)}: a concurrent script's turns cannot use "
                        "`fault` or `prefix_unchanged`"
                    )
        return self

    @model_validator(mode="before")
    @classmethod
    def _accept_bare_list(cls, data: Any) -> Any:
        return {"turns": data} if isinstance(data, list) else data

    @classmethod
    def from_file(cls, path: str | Path) -> Script:
        """Load a ``.json``, ``.yaml`` or ``.yml`` script file."""
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        return cls.model_validate(data)


ScriptLike = Script | Sequence[Turn | dict[str, Any]] | str | Path
"""What a server accepts as its script: a Script, a list of turns (models or dicts), or a file."""


def load_script(source: ScriptLike) -> Script:
    """Turn any accepted script form into a validated :class:`Script`."""
    if isinstance(source, Script):
        return source
    if isinstance(source, str | Path):
        return Script.from_file(source)
    return Script(turns=[Turn.model_validate(turn) for turn in source])
