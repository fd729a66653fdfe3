"""ModelClient through the real anthropic SDK against the scripted server on loopback."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from orchestra_lsp.llm import ModelClient, ModelError, ModelTurn
from orchestra_lsp.testing import ScriptedServer

MODEL = "claude-sonnet-4-6"
TOOLS = [
    {"name": "search", "description": "find", "input_schema": {"type": "object"}},
    {"name": "edit", "description": "change", "input_schema": {"type": "object"}},
]
USER = [{"role": "user", "content": "Implement SHOP-12"}]


@pytest.fixture(autouse=True)
def no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own key or gateway must not leak into these tests."""
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[ScriptedServer]:
    """A server playing the test's ``@pytest.mark.script(...)`` turns."""
    marker = request.node.get_closest_marker("script")
    assert marker is not None, "mark the test with @pytest.mark.script([...])"
    with ScriptedServer(marker.args[0]) as srv:
        yield srv


@pytest.fixture
async def client(server: ScriptedServer) -> AsyncIterator[ModelClient]:
    model_client = ModelClient(
        api_key="test-key", base_url=server.base_url, max_retries=2, timeout=5
    )
    yield model_client
    await model_client.aclose()


async def turn(client: ModelClient, **overrides: Any) -> ModelTurn:
    """One turn with the usual agent shape; keyword arguments override parts of it."""
    arguments: dict[str, Any] = {
        "model": MODEL,
        "system": ["persistent context", "agent body"],
        "tools": TOOLS,
        "messages": USER,
        "max_tokens": 1000,
        **overrides,
    }
    return await client.stream_turn(**arguments)


@pytest.mark.script([{"reply": {"text": ["Hel", "lo ", "world"]}}])
async def test_text_deltas_are_delivered_as_they_stream(
    client: ModelClient, server: ScriptedServer
) -> None:
    deltas: list[str] = []
    result = await turn(client, on_text=deltas.append)
    assert deltas == ["Hel", "lo ", "world"]
    assert result.text == "Hello world"
    assert result.content == [{"type": "text", "text": "Hello world"}]
    assert result.stop_reason == "end_turn"
    assert result.model == MODEL
    server.assert_no_failures()


@pytest.mark.script([{"reply": {"text": "x"}}])
async def test_request_pins_the_system_prefix_and_sorts_tools(
    client: ModelClient, server: ScriptedServer
) -> None:
    await turn(client)
    body = server.requests[0].body
    assert body is not None
    assert body["stream"] is True
    assert body["system"] == [
        {"type": "text", "text": "persistent context"},
        {"type": "text", "text": "agent body", "cache_control": {"type": "ephemeral"}},
    ]
    assert [t["name"] for t in body["tools"]] == ["edit", "search"]
    assert server.requests[0].headers["authorization"] == "Bearer test-key"


@pytest.mark.script(
    [
        {
            "reply": {
                "text": "Reading.",
                "tool_use": [
                    {
                        "name": "search",
                        "input": {"query": "cart total", "paths": ["shop/", "tests/"], "limit": 20},
                    }
                ],
            }
        }
    ]
)
async def test_tool_use_input_is_assembled_from_partial_json(client: ModelClient) -> None:
    result = await turn(client)
    assert result.stop_reason == "tool_use"
    (call,) = result.tool_uses
    assert set(call) == {"type", "id", "name", "input"}
    assert call["name"] == "search"
    assert call["input"] == {"query": "cart total", "paths": ["shop/", "tests/"], "limit": 20}
    assert call["id"].startswith("toolu_")


@pytest.mark.script(
    [
        {
            "reply": {"text": "ok"},
            "usage": {
                "input_tokens": 1000,
                "output_tokens": 500,
                "cache_creation_input_tokens": 100,
                "cache_read_input_tokens": 2000,
            },
        }
    ]
)
async def test_usage_and_cost(client: ModelClient) -> None:
    result = await turn(client)
    assert (result.usage.input_tokens, result.usage.output_tokens) == (1000, 500)
    assert (result.usage.cache_write_tokens, result.usage.cache_read_tokens) == (100, 2000)
    expected = (1000 * 3 + 500 * 15 + 100 * 3.75 + 2000 * 0.30) / 1_000_000
    assert result.cost_usd == pytest.approx(expected)
    assert result.cost_estimated is False


@pytest.mark.script(
    [{"reply": {"text": "a"}}, {"expect": {"prefix_unchanged": True}, "reply": {"text": "b"}}]
)
async def test_identical_prefix_passes_and_reads_the_cache(
    client: ModelClient, server: ScriptedServer
) -> None:
    first = await turn(client)
    second = await turn(
        client,
        messages=[
            *USER,
            {"role": "assistant", "content": "a"},
            {"role": "user", "content": "go on"},
        ],
    )
    server.assert_no_failures()
    server.assert_all_consumed()
    assert first.usage.cache_write_tokens > 0 and first.usage.cache_read_tokens == 0
    assert second.usage.cache_read_tokens == first.usage.cache_write_tokens
    assert second.cost_usd < first.cost_usd


@pytest.mark.script(
    [{"reply": {"text": "a"}}, {"expect": {"prefix_unchanged": True}, "reply": {"text": "b"}}]
)
async def test_changed_system_fails_the_prefix_check_loudly(
    client: ModelClient, server: ScriptedServer
) -> None:
    await turn(client)
    with pytest.raises(ModelError) as error:
        await turn(client, system=["persistent context", "agent body, edited"])
    assert error.value.kind == "bad_request"
    assert "(400" in str(error.value)
    assert "prefix_unchanged: the cached prefix changed" in str(error.value)
    assert "edited" in str(error.value)
    assert len(server.failures) == 1 and "prefix_unchanged" in server.failures[0].message
    assert len(server.requests) == 2  # a mismatch is not retried


@pytest.mark.script(
    [{"fault": {"status": 429, "retry_after": 0.1}, "reply": {"text": "after the wait"}}]
)
async def test_rate_limit_is_retried_after_the_servers_delay(
    client: ModelClient, server: ScriptedServer
) -> None:
    started = time.monotonic()
    result = await turn(client)
    elapsed = time.monotonic() - started
    assert result.text == "after the wait"
    assert 0.1 <= elapsed < 0.35  # retry-after honoured, not the SDK's 0.5 s backoff
    assert [r.headers["x-stainless-retry-count"] for r in server.requests] == ["0", "1"]


@pytest.mark.script([{"fault": {"status": 529, "retry_after": 0.02, "times": 3, "consume": True}}])
async def test_overloaded_after_every_retry_is_a_clear_error(
    client: ModelClient, server: ScriptedServer
) -> None:
    with pytest.raises(ModelError) as error:
        await turn(client)
    assert error.value.kind == "overloaded"
    assert error.value.retryable
    assert (
        str(error.value)
        == "the Anthropic API is overloaded (529) after 2 retries; try again in a moment"
    )
    assert len(server.requests) == 3


@pytest.mark.script([{"fault": {"status": 401, "message": "invalid x-api-key", "consume": True}}])
async def test_rejected_key_says_how_to_set_it(client: ModelClient, server: ScriptedServer) -> None:
    with pytest.raises(ModelError) as error:
        await turn(client)
    assert error.value.kind == "auth" and not error.value.retryable
    assert "invalid x-api-key" in str(error.value)
    assert "export ANTHROPIC_API_KEY=" in str(error.value)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (403, "permission", "permission denied"),
        (404, "not_found", f"model '{MODEL}' not found"),
        (500, "server", "failed (500) after 2 retries"),
    ],
)
async def test_other_statuses_map_to_kinds(status: int, kind: str, words: str) -> None:
    script = [{"fault": {"status": status, "retry_after": 0.01, "times": 3, "consume": True}}]
    with ScriptedServer(script) as srv:
        client = ModelClient(api_key="k", base_url=srv.base_url)
        with pytest.raises(ModelError) as error:
            await turn(client)
        await client.aclose()
    assert error.value.kind == kind
    assert words in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.script(
    [{"fault": {"cut_after_events": 4}, "reply": {"text": ["one ", "two ", "three"]}}]
)
async def test_stream_cut_midway_restarts_the_turn(
    client: ModelClient, server: ScriptedServer
) -> None:
    deltas: list[str] = []
    retries: list[str] = []
    result = await turn(client, on_text=deltas.append, on_retry=retries.append)
    assert result.text == "one two three"
    assert deltas == ["one ", "two ", "one ", "two ", "three"]  # partial text, then the restart
    assert len(retries) == 1 and "incomplete" in retries[0]
    assert len(server.requests) == 2
    server.assert_all_consumed()


@pytest.mark.script(
    [{"fault": {"cut_after_events": 3, "cut_cleanly": True}, "reply": {"text": "whole"}}]
)
async def test_stream_without_message_stop_restarts_the_turn(client: ModelClient) -> None:
    retries: list[str] = []
    result = await turn(client, on_retry=retries.append)
    assert result.text == "whole"
    assert retries == ["the stream ended before message_stop"]


@pytest.mark.script([{"fault": {"cut_after_events": 2, "times": 3, "consume": True}}])
async def test_stream_cut_every_time_is_a_clear_error(
    client: ModelClient, server: ScriptedServer
) -> None:
    retries: list[str] = []
    with pytest.raises(ModelError) as error:
        await turn(client, on_retry=retries.append)
    assert error.value.kind == "incomplete"
    assert str(error.value).startswith("the model's response was cut off mid-stream 3 time(s)")
    assert len(retries) == 2
    assert len(server.requests) == 3


@pytest.mark.script([{"delay_between_events": 0.4, "reply": {"text": "a b c d e f g h i j k l"}}])
async def test_cancellation_reaches_the_stream_within_a_second(client: ModelClient) -> None:
    first_text = asyncio.Event()
    task = asyncio.create_task(turn(client, on_text=lambda _: first_text.set()))
    await asyncio.wait_for(first_text.wait(), 5)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 1


@pytest.mark.script([{"reply": {"text": "only one"}}])
async def test_exhausted_script_fails_loudly(client: ModelClient, server: ScriptedServer) -> None:
    await turn(client)
    with pytest.raises(ModelError) as error:
        await turn(client)
    assert error.value.kind == "bad_request"
    assert "arrived after all 1 scripted turn(s) were played" in str(error.value)
    assert server.failures[0].turn is None


@pytest.mark.script([{"delay": 2, "reply": {"text": "too late"}}])
async def test_timeout_is_a_clear_error(server: ScriptedServer) -> None:
    client = ModelClient(api_key="k", base_url=server.base_url, max_retries=0, timeout=0.2)
    with pytest.raises(ModelError) as error:
        await turn(client)
    await client.aclose()
    assert error.value.kind == "timeout"
    assert server.base_url in str(error.value)


@pytest.mark.script([{"reply": {"text": "boom"}}])
async def test_errors_from_on_text_propagate_unchanged(client: ModelClient) -> None:
    def on_text(_: str) -> None:
        raise KeyError("caller bug")

    with pytest.raises(KeyError, match="caller bug"):
        await turn(client, on_text=on_text)


async def test_refused_connection_names_the_base_url() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = ModelClient(api_key="k", base_url=f"http://127.0.0.1:{port}", max_retries=0)
    with pytest.raises(ModelError) as error:
        await turn(client)
    await client.aclose()
    assert error.value.kind == "connection"
    assert f"cannot connect to the Anthropic API at http://127.0.0.1:{port}" in str(error.value)


async def test_missing_key_with_the_default_url_fails_before_any_request() -> None:
    client = ModelClient()
    with pytest.raises(ModelError) as error:
        await turn(client)
    assert error.value.kind == "auth"
    assert "ANTHROPIC_API_KEY is not set" in str(error.value)


@pytest.mark.script([{"reply": {"text": "via env"}}])
async def test_environment_supplies_key_and_base_url(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "env-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url + "/")
    client = ModelClient()
    assert (await turn(client)).text == "via env"
    await client.aclose()
    assert server.requests[0].headers["authorization"] == "Bearer env-key"


@pytest.mark.script([{"reply": {"text": "gateway"}}])
async def test_custom_base_url_works_without_a_key(server: ScriptedServer) -> None:
    client = ModelClient(base_url=server.base_url)
    assert (await turn(client)).text == "gateway"
    await client.aclose()


def test_importing_the_layer_does_not_import_the_sdk() -> None:
    code = "import sys, orchestra_lsp.llm; sys.exit('anthropic' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.script([{"delay_between_events": 1, "reply": {"text": "slow words"}}])
async def test_stalled_stream_is_a_timeout_not_a_restart(server: ScriptedServer) -> None:
    client = ModelClient(api_key="k", base_url=server.base_url, max_retries=2, timeout=0.2)
    retries: list[str] = []
    with pytest.raises(ModelError) as error:
        await turn(client, on_retry=retries.append)
    await client.aclose()
    assert error.value.kind == "timeout"
    assert retries == []
    assert len(server.requests) == 1


@pytest.mark.script([{"reply": {"text": "one"}}, {"reply": {"text": "two"}}])
async def test_the_stream_snapshot_class_survives_garbage_collection(
    client: ModelClient,
) -> None:
    """The SDK evaluates `ParsedMessage[ResponseFormatT]` on every turn; if pydantic's weak
    cache loses it at a collection, the next turn spends milliseconds rebuilding it."""
    import gc
    import weakref

    from anthropic.lib._parse._response import ResponseFormatT
    from anthropic.types.parsed_message import ParsedMessage

    await turn(client)
    snapshot_class = weakref.ref(ParsedMessage[ResponseFormatT])  # type: ignore[valid-type]
    gc.collect()
    assert snapshot_class() is not None
    await turn(client)
    assert ParsedMessage[ResponseFormatT] is snapshot_class()  # type: ignore[valid-type]


ACCUMULATED = [
    {
        "reply": {
            "text": ["Let me ", "look: ", "ünïcode ", 'and "quotes"\n'],
            "tool_use": [
                {"name": "search", "input": {"pattern": "def main", "paths": ["a.py", "b/c.py"]}},
                {"name": "edit", "input": {"path": "a.py", "new": 'x = {"k": [1, 2.5, null]}'}},
            ],
        },
        "usage": {"input_tokens": 1200, "output_tokens": 40},
    }
]


@pytest.mark.script(ACCUMULATED * 2)
async def test_a_turn_is_the_message_the_sdk_stream_helper_makes(
    client: ModelClient, server: ScriptedServer
) -> None:
    """The client folds the raw event stream with the SDK's own accumulator: the turn
    (blocks, tool inputs parsed from their JSON deltas, usage, stop reason) and the text
    it delivers are what `messages.stream` gives for the same stream."""
    from anthropic import AsyncAnthropic

    from orchestra_lsp.llm.client import _to_turn, build_request

    texts: list[str] = []
    ours = await turn(client, on_text=texts.append)
    sdk = AsyncAnthropic(api_key="test-key", base_url=server.base_url)
    helper_texts: list[str] = []
    request = build_request(
        model=MODEL,
        system=["persistent context", "agent body"],
        tools=TOOLS,
        messages=USER,
        max_tokens=1000,
    )
    async with sdk.messages.stream(**request) as stream:
        async for event in stream:
            if event.type == "text":
                helper_texts.append(event.text)
        message = await stream.get_final_message()
    await sdk.close()
    server.assert_no_failures()
    theirs = _to_turn(message, MODEL)
    # The second call's tool ids are numbered on, and it reads the first one's cache.
    assert [{**b, "id": None} for b in ours.content] == [{**b, "id": None} for b in theirs.content]
    assert ours.stop_reason == theirs.stop_reason == "tool_use"
    assert ours.usage.output_tokens == theirs.usage.output_tokens == 40
    assert ours.model == theirs.model
    assert texts == helper_texts == ["Let me ", "look: ", "ünïcode ", 'and "quotes"\n']
    assert [block.get("input") for block in ours.tool_uses] == [
        {"pattern": "def main", "paths": ["a.py", "b/c.py"]},
        {"path": "a.py", "new": 'x = {"k": [1, 2.5, null]}'},
    ]
