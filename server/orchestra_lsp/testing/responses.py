"""What the scripted server sends back: Message bodies, SSE events, usage and error bodies.

Shapes follow the Anthropic Messages API so that the real ``anthropic`` SDK parses
them unchanged: a JSON ``message`` object for non-streaming requests, and for
streaming ones the event sequence ``message_start``, per block ``content_block_start``
/ ``content_block_delta``... / ``content_block_stop``, then ``message_delta`` and
``message_stop``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .matching import cached_prefix, has_cache_breakpoint
from .script import Turn

ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}
"""The API's ``error.type`` per status; any other 5xx is ``api_error``."""

TOOL_JSON_CHUNKS = 3
"""Tool inputs are streamed in this many ``input_json_delta`` pieces, like a real model."""


def estimate_tokens(text: str | bytes) -> int:
    """A rough token count (four characters a token), never below one."""
    return max(1, math.ceil(len(text) / 4))


def usage_for(
    turn: Turn, body: dict[str, Any], raw: bytes, previous: dict[str, Any] | None
) -> dict[str, int]:
    """The usage to report: the script's figures, with estimates for the rest.

    Estimates: the whole prompt is ``len(raw body) / 4`` tokens. When the request marks
    a cache breakpoint, its cached prefix counts as a cache read if it equals the
    previous request's prefix, else as a cache write; ``input_tokens`` is the rest.
    Output is the reply's length / 4.
    """
    total = estimate_tokens(raw)
    prefix = cached_prefix(body)
    cached = min(estimate_tokens(prefix), total) if has_cache_breakpoint(body) else 0
    hit = cached > 0 and previous is not None and cached_prefix(previous) == prefix
    reply = (turn.reply.full_text or "") + json.dumps([t.input for t in turn.reply.tool_use])
    spec = turn.usage
    return {
        "input_tokens": _given(spec.input_tokens, total - cached),
        "output_tokens": _given(spec.output_tokens, estimate_tokens(reply)),
        "cache_creation_input_tokens": _given(
            spec.cache_creation_input_tokens, 0 if hit else cached
        ),
        "cache_read_input_tokens": _given(spec.cache_read_input_tokens, cached if hit else 0),
    }


def _given(value: int | None, default: int) -> int:
    return default if value is None else value


def content_blocks(turn: Turn, message_id: str) -> list[dict[str, Any]]:
    """The reply's content blocks, complete, with generated ``toolu_`` ids where omitted."""
    blocks: list[dict[str, Any]] = []
    text = turn.reply.full_text
    if text is not None:
        blocks.append({"type": "text", "text": text})
    for i, tool in enumerate(turn.reply.tool_use):
        tool_id = tool.id or f"toolu_{message_id.removeprefix('msg_')}_{i}"
        blocks.append({"type": "tool_use", "id": tool_id, "name": tool.name, "input": tool.input})
    return blocks


def message(
    turn: Turn, *, message_id: str, model: str, usage: dict[str, int], content: list[dict[str, Any]]
) -> dict[str, Any]:
    """A complete ``message`` object, as a non-streaming response returns it."""
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": turn.reply.effective_stop_reason,
        "stop_sequence": None,
        "usage": usage,
    }


def text_deltas(turn: Turn) -> list[str]:
    """The text split as it will stream: the script's chunks, or two words at a time."""
    if isinstance(turn.reply.text, list):
        return turn.reply.text
    words = re.findall(r"\s*\S+\s*", turn.reply.text or "") or [turn.reply.text or ""]
    return ["".join(words[i : i + 2]) for i in range(0, len(words), 2)]


def json_chunks(value: dict[str, Any]) -> list[str]:
    """A tool input's JSON cut into a few pieces, as ``input_json_delta`` sends it."""
    text = json.dumps(value)
    size = max(1, math.ceil(len(text) / TOOL_JSON_CHUNKS))
    return [text[i : i + size] for i in range(0, len(text), size)]


def stream_events(full: dict[str, Any], turn: Turn) -> list[tuple[str, dict[str, Any]]]:
    """The SSE events, as ``(event name, data)`` pairs, that stream the message ``full``."""
    usage = full["usage"]
    start_usage = {**usage, "output_tokens": 1}
    events: list[tuple[str, dict[str, Any]]] = [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {**full, "content": [], "stop_reason": None, "usage": start_usage},
            },
        )
    ]
    for index, block in enumerate(full["content"]):
        if block["type"] == "text":
            empty: dict[str, Any] = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": t} for t in text_deltas(turn)]
        else:
            empty = {**block, "input": {}}
            chunks = json_chunks(block["input"])
            if full["stop_reason"] == "max_tokens" and index == len(full["content"]) - 1:
                # The output limit struck in this call, as the real API does: its input
                # JSON stops half-way and is never closed.
                cut = "".join(chunks)[: len(json.dumps(block["input"])) // 2]
                chunks = [cut[: len(cut) // 2], cut[len(cut) // 2 :]]
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in chunks]
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": empty},
            )
        )
        events += [
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d})
            for d in deltas
        ]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    delta = {"stop_reason": full["stop_reason"], "stop_sequence": None}
    events.append(("message_delta", {"type": "message_delta", "delta": delta, "usage": usage}))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def sse(event: str, data: dict[str, Any]) -> bytes:
    """One server-sent event, with the ``event:`` line the SDK needs to dispatch it."""
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def error_body(status: int, message: str) -> dict[str, Any]:
    """The API's error envelope for ``status``."""
    kind = ERROR_TYPES.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message}}
