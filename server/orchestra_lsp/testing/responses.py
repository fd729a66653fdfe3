"""What the scripted server sends back: Message bodies, SSE events, usage and error bodies.

Shapes follow the Anthropic Messages API so that the real ``anthropic`` SDK parses
them unchanged: a JSON ``message`` object for non-streaming requests, and for
streaming ones the event sequence ``message_start``, per block ``content_block_start``
/ ``content_block_delta``... / ``content_block_stop``, then ``message_delta`` and
``message_stop``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

from .matching import canonical_json
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


def usage_for(turn: Turn, body: dict[str, Any], raw: bytes, cache: PromptCache) -> dict[str, int]:
    """The usage to report: the script's figures, with estimates for the rest.

    Estimates: the whole prompt is ``len(raw body) / 4`` tokens; what `cache` serves of
    it is a cache read, what it newly stores up to the last breakpoint a cache write,
    and ``input_tokens`` is the rest. Output is the reply's length / 4.
    """
    total = estimate_tokens(raw)
    read, written = cache.serve(body)
    read, written = min(read, total), min(written, max(total - read, 0))
    reply = (turn.reply.full_text or "") + json.dumps([t.input for t in turn.reply.tool_use])
    spec = turn.usage
    return {
        "input_tokens": _given(spec.input_tokens, total - read - written),
        "output_tokens": _given(spec.output_tokens, estimate_tokens(reply)),
        "cache_creation_input_tokens": _given(spec.cache_creation_input_tokens, written),
        "cache_read_input_tokens": _given(spec.cache_read_input_tokens, read),
    }


class PromptCache:
    """Prompt caching as the Messages API documents it, for usage figures that tell the
    truth about a client's cache use.

    A request is read as one sequence of blocks: the tools, the system blocks, then each
    message's content blocks (a string content is one text block). A block carrying
    ``cache_control`` is a breakpoint: the prefix ending there is stored. A later
    request reads the longest stored prefix that ends at one of its breakpoints or up to
    `LOOKBACK` blocks before one; what lies between that and its last breakpoint is
    written. The key is the model and the blocks' content (``cache_control`` itself is
    not part of it). Entries never expire: a test's run is shorter than the API's
    five minutes.
    """

    LOOKBACK = 20

    def __init__(self) -> None:
        self._stored: set[str] = set()

    def serve(self, body: dict[str, Any]) -> tuple[int, int]:
        """(tokens read, tokens written) for `body`, storing its breakpoints' prefixes."""
        digests, lengths, breakpoints = self._walk(body)
        if not breakpoints:
            return 0, 0
        candidates = {
            position
            for breakpoint in breakpoints
            for position in range(max(0, breakpoint - self.LOOKBACK), breakpoint + 1)
        }
        hits = [p for p in candidates if digests[p] in self._stored]
        read_to = max(hits, default=-1)
        last = breakpoints[-1]
        self._stored.update(digests[b] for b in breakpoints)
        read = math.ceil(lengths[read_to] / 4) if read_to >= 0 else 0
        written = max(0, math.ceil(lengths[last] / 4) - read) if last > read_to else 0
        return read, written

    @staticmethod
    def _walk(body: dict[str, Any]) -> tuple[list[str], list[int], list[int]]:
        """Per block: the digest of the prefix ending there and its length in bytes; and
        the positions of the breakpoints."""
        blocks: list[Any] = [("model", body.get("model"))]
        blocks += [("tool", t) for t in body.get("tools") or []]
        system = body.get("system")
        if isinstance(system, str):
            system = [{"type": "text", "text": system}]
        blocks += [("system", b) for b in system or []]
        for message in body.get("messages") or []:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                content = [{"type": "text", "text": content}]
            role = message.get("role") if isinstance(message, dict) else None
            blocks += [(role, b) for b in content or []]
        running = hashlib.sha256()
        digests: list[str] = []
        lengths: list[int] = []
        breakpoints: list[int] = []
        size = 0
        for position, (role, block) in enumerate(blocks):
            marked = isinstance(block, dict) and "cache_control" in block
            if marked:
                breakpoints.append(position)
                block = {k: v for k, v in block.items() if k != "cache_control"}
            data = canonical_json([role, block]).encode()
            running.update(data)
            size += len(data)
            digests.append(running.copy().hexdigest())
            lengths.append(size)
        return digests, lengths, breakpoints


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
