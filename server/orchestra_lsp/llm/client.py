"""``ModelClient``: one streamed Claude turn at a time, with caching, retries and clear errors.

The ``anthropic`` SDK is imported only when the first turn is requested, so that
importing the engine (and answering LSP ``initialize``) never pays for it.

Retries come in two layers. The SDK retries a request that fails before streaming
starts (429, 529, 5xx, connection errors), honouring ``retry-after``. A stream that
breaks off after it started (the connection drops, or it ends without
``message_stop``) is not something the SDK retries, so :meth:`ModelClient.stream_turn`
restarts the whole turn, up to ``max_retries`` times, after telling the caller through
``on_retry`` so it can discard the partial text it has shown.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .errors import ModelError, incomplete, missing_key, translate
from .models import ModelTurn, Usage
from .pricing import cost_usd, price_for

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic, AsyncStream
    from anthropic.types import Message, RawMessageStreamEvent
    from anthropic.types.parsed_message import ParsedMessage

DEFAULT_BASE_URL = "https://api.anthropic.com"
PLACEHOLDER_KEY = "orchestra-no-api-key"
"""Sent to a custom base URL when no key is set: the SDK needs some key to send."""

CACHE_BREAKPOINT: dict[str, str] = {"type": "ephemeral"}


class _StreamCut(Exception):
    """The response stream broke off after it started; the turn can be restarted."""


class _CallbackFailed(Exception):
    """The caller's ``on_text`` raised: its error is re-raised as is, not translated."""

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error


def build_request(
    *,
    model: str,
    system: str | Sequence[str],
    tools: Sequence[dict[str, Any]],
    messages: list[dict[str, Any]],
    max_tokens: int,
) -> dict[str, Any]:
    """The Messages API parameters, laid out so the prompt prefix caches.

    The system chunks become text blocks with a cache breakpoint on the last one, and
    the tools are sorted by name (stably), so the same agent gives a byte-identical
    prefix on every call. The conversation carries two more breakpoints (the API allows
    four): on the last message, so this call stores the whole prompt, and on the user
    message before the last reply, where the previous call stored it, so this call reads
    all of it back. `messages` itself is not changed.
    """
    chunks = [system] if isinstance(system, str) else list(system)
    blocks: list[dict[str, Any]] = [{"type": "text", "text": c} for c in chunks if c]
    if blocks:
        blocks[-1]["cache_control"] = CACHE_BREAKPOINT
    request: dict[str, Any] = {
        "model": model,
        "max_tokens": max_tokens,
        "messages": _with_breakpoints(messages),
    }
    if blocks:
        request["system"] = blocks
    if tools:
        request["tools"] = sorted(tools, key=lambda tool: str(tool.get("name", "")))
    return request


def _with_breakpoints(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`messages` with a cache breakpoint on the last message and on the last user
    message before the last assistant one (copies of those two; the rest shared)."""
    marked = list(messages)
    if not marked:
        return marked
    targets = {len(marked) - 1}
    replies = [i for i, m in enumerate(marked) if m.get("role") == "assistant"]
    if replies and replies[-1] > 0 and marked[replies[-1] - 1].get("role") == "user":
        targets.add(replies[-1] - 1)
    for index in targets:
        message = marked[index]
        content = message.get("content")
        # A plain-string content (a step's first prompt) stays as it is: marking it would
        # change its shape for one call; the next call's breakpoint covers it anyway.
        if not isinstance(content, list) or not content or not isinstance(content[-1], dict):
            continue
        last = {**content[-1], "cache_control": CACHE_BREAKPOINT}
        marked[index] = {**message, "content": [*content[:-1], last]}
    return marked


class ModelClient:
    """Claude through the ``anthropic`` SDK, one streamed turn per :meth:`stream_turn`.

    ``api_key`` and ``base_url`` default to ``ANTHROPIC_API_KEY`` and
    ``ANTHROPIC_BASE_URL``, so gateways, proxies and the scripted test server work
    without code changes. ``max_retries`` bounds both the SDK's request retries and
    the restarts of a stream cut mid-way; ``timeout`` is in seconds.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        max_retries: int = 2,
        timeout: float = 600,
    ) -> None:
        self.api_key = api_key or os.environ.get("ANTHROPIC_API_KEY") or None
        self.base_url = (
            base_url or os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL
        ).rstrip("/")
        self.max_retries = max_retries
        self.timeout = timeout
        self._sdk: AsyncAnthropic | None = None

    def credentials_problem(self) -> ModelError | None:
        """Why no call can succeed before any is made (no key for the real API), or
        None. Front ends check it before a run starts, so nothing runs in vain."""
        if self.api_key is None and self.base_url == DEFAULT_BASE_URL:
            return missing_key()
        return None

    def _client(self) -> AsyncAnthropic:
        """The SDK client, created (and ``anthropic`` imported) on first use."""
        if self._sdk is None:
            if (problem := self.credentials_problem()) is not None:
                raise problem
            from anthropic import AsyncAnthropic

            _keep_snapshot_type()
            self._sdk = AsyncAnthropic(
                api_key=self.api_key or PLACEHOLDER_KEY,
                base_url=self.base_url,
                max_retries=self.max_retries,
                timeout=self.timeout,
            )
        return self._sdk

    async def aclose(self) -> None:
        """Close the HTTP connections, if any were opened."""
        if self._sdk is not None:
            await self._sdk.close()
            self._sdk = None

    async def stream_turn(
        self,
        *,
        model: str,
        system: str | Sequence[str],
        tools: Sequence[dict[str, Any]],
        messages: list[dict[str, Any]],
        max_tokens: int,
        on_text: Callable[[str], None] | None = None,
        on_retry: Callable[[str], None] | None = None,
    ) -> ModelTurn:
        """Stream one model turn, calling ``on_text`` for each text delta, and return it whole.

        ``system`` is the pinned prefix (persistent context, agent body): a string or
        chunks, cached up to its end. If the stream breaks off, ``on_retry(reason)`` is
        called and the turn starts over - text already delivered will be sent again.
        Raises :class:`ModelError` for every failure; ``asyncio.CancelledError``
        propagates and closes the stream at once.
        """
        # The first turn imports the SDK and builds its client (about a second): in a
        # thread, so an editor's requests keep being answered meanwhile.
        client = self._sdk if self._sdk is not None else await asyncio.to_thread(self._client)
        request = build_request(
            model=model, system=system, tools=tools, messages=messages, max_tokens=max_tokens
        )
        for attempt in range(self.max_retries + 1):
            try:
                message = await self._stream_once(client, request, on_text)
            except _StreamCut as cut:
                if attempt == self.max_retries:
                    raise incomplete(attempt + 1, str(cut)) from cut
                if on_retry is not None:
                    on_retry(str(cut))
                continue
            except _CallbackFailed as failed:
                raise failed.error from failed.error.__cause__
            return _to_turn(message, model)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _stream_once(
        self, client: AsyncAnthropic, request: dict[str, Any], on_text: Callable[[str], None] | None
    ) -> Message:
        """One attempt: stream the response, delivering text; the SDK retries the request itself.

        The raw event stream (`messages.create(stream=True)`), folded into the message by
        the SDK's own accumulator, the one its `messages.stream` helper uses: the
        message is the same, without the helper's events (a pydantic model for every
        text, JSON and stop event, which the engine never reads) and their generator
        layers, about half a millisecond a turn and 50 microseconds a text delta."""
        import anthropic
        import httpx2

        started = False
        try:
            stream = await client.messages.create(**request, stream=True)
            started = True
            async with stream:
                message = await _accumulate(stream, on_text)
            if message is None:
                raise _StreamCut("the stream ended before message_stop")
            return message
        except (_StreamCut, _CallbackFailed):
            raise
        except Exception as exc:
            dropped = isinstance(exc, httpx2.TransportError | anthropic.APIConnectionError)
            timed_out = isinstance(exc, httpx2.TimeoutException | anthropic.APITimeoutError)
            if started and dropped and not timed_out:
                raise _StreamCut(" ".join(str(exc).split()) or type(exc).__name__) from exc
            raise translate(
                exc,
                model=str(request["model"]),
                base_url=self.base_url,
                max_retries=self.max_retries,
            ) from exc


async def _accumulate(
    stream: AsyncStream[RawMessageStreamEvent], on_text: Callable[[str], None] | None
) -> Message | None:
    """The message `stream`'s events make (None when it ends before `message_stop`),
    delivering each text delta to `on_text` as it comes, as `messages.stream` does. The
    stream is read to its end, so that its connection can serve the next turn."""
    from anthropic.lib.streaming._messages import accumulate_event

    snapshot: ParsedMessage[None] | None = None
    json_buffers: dict[int, bytes] = {}
    finished = False
    async for event in stream:
        if snapshot is None and event.type != "message_start":
            continue  # as the helper: nothing to fold into before the message starts
        snapshot = accumulate_event(event=event, current_snapshot=snapshot, json_bufs=json_buffers)
        if event.type == "content_block_delta":
            if (
                on_text is not None
                and event.delta.type == "text_delta"
                and snapshot.content[event.index].type == "text"
            ):
                _deliver(on_text, event.delta.text)
        elif event.type == "message_stop":
            finished = True
    return snapshot if finished else None


_SNAPSHOT_TYPES: list[object] = []


def _keep_snapshot_type() -> None:
    """Keep the SDK's stream snapshot class alive for the life of the process.

    The SDK's stream accumulator evaluates ``ParsedMessage[ResponseFormatT]`` on every
    ``message_start``. pydantic caches a parametrised generic class only weakly, so each
    garbage collection drops it and the next turn rebuilds it (about 2 ms). One strong
    reference keeps the cache hit. The import is private to the SDK: if it moves, turns
    only get slower, never wrong.
    """
    if _SNAPSHOT_TYPES:
        return
    try:
        from anthropic.lib._parse._response import ResponseFormatT
        from anthropic.types.parsed_message import ParsedMessage
    except ImportError:
        return
    _SNAPSHOT_TYPES.append(ParsedMessage[ResponseFormatT])  # type: ignore[valid-type]


def _deliver(on_text: Callable[[str], None], text: str) -> None:
    try:
        on_text(text)
    except Exception as exc:
        raise _CallbackFailed(exc) from exc


def _content_block(block: Any) -> dict[str, Any]:
    """A response block as the plain dict the API would accept back in the conversation."""
    if block.type == "text":
        return {"type": "text", "text": block.text}
    if block.type == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": dict(block.input)}
    data: dict[str, Any] = block.to_dict()
    return data


def _to_turn(message: Message, requested_model: str) -> ModelTurn:
    raw = message.usage
    usage = Usage(
        input_tokens=raw.input_tokens,
        output_tokens=raw.output_tokens,
        cache_read_tokens=raw.cache_read_input_tokens or 0,
        cache_write_tokens=raw.cache_creation_input_tokens or 0,
    )
    model = str(message.model or requested_model)
    return ModelTurn(
        content=[_content_block(block) for block in message.content],
        stop_reason=message.stop_reason,
        usage=usage,
        cost_usd=cost_usd(model, usage),
        cost_estimated=price_for(model)[1],
        model=model,
    )
