"""The scripted server over plain HTTP: response shapes, faults, loud failures, bookkeeping.

These tests speak raw HTTP (http.client) so they check the wire format itself; the
tests in tests/llm drive the same server through the real anthropic SDK.
"""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from orchestra_lsp.testing import ScriptedServer, Turn


def post(
    srv: ScriptedServer, body: dict[str, Any], path: str = "/v1/messages"
) -> http.client.HTTPResponse:
    """POST ``body`` as JSON and return the (unread) response."""
    url = urlsplit(srv.base_url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    return conn.getresponse()


def request(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


def sse_events(raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    """Parse an SSE body into (event, data) pairs, insisting that each has an event line."""
    events = []
    for block in raw.decode().strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_non_streaming_reply_is_a_message() -> None:
    with ScriptedServer(
        [{"reply": {"text": "Hello", "tool_use": [{"name": "read", "input": {"p": 1}}]}}]
    ) as srv:
        response = post(srv, request())
        body = json.loads(response.read())
    assert response.status == 200
    assert body["type"] == "message"
    assert body["stop_reason"] == "tool_use"
    assert body["content"][0] == {"type": "text", "text": "Hello"}
    tool = body["content"][1]
    assert (tool["type"], tool["name"], tool["input"]) == ("tool_use", "read", {"p": 1})
    assert tool["id"].startswith("toolu_")
    assert set(body["usage"]) == {
        "input_tokens",
        "output_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
    }


def test_streaming_reply_sends_named_events_with_split_tool_json() -> None:
    script = [
        {
            "reply": {
                "text": "one two three four five",
                "tool_use": [{"name": "edit", "input": {"path": "a.py", "text": "x" * 40}}],
            }
        }
    ]
    with ScriptedServer(script) as srv:
        events = sse_events(post(srv, request(stream=True)).read())
    names = [name for name, _ in events]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert all(data["type"] == name for name, data in events)
    text = [d["delta"]["text"] for n, d in events if n == "content_block_delta" and d["index"] == 0]
    assert len(text) > 1 and "".join(text) == "one two three four five"
    parts = [
        d["delta"]["partial_json"]
        for n, d in events
        if n == "content_block_delta" and d["index"] == 1
    ]
    assert len(parts) > 1
    assert json.loads("".join(parts)) == {"path": "a.py", "text": "x" * 40}
    delta = dict(events)["message_delta"]
    assert delta["delta"]["stop_reason"] == "tool_use"
    assert delta["usage"]["output_tokens"] > 0


def test_text_given_as_a_list_is_streamed_as_exactly_those_deltas() -> None:
    with ScriptedServer([{"reply": {"text": ["He", "llo", " world"]}}]) as srv:
        events = sse_events(post(srv, request(stream=True)).read())
    deltas = [d["delta"]["text"] for n, d in events if n == "content_block_delta"]
    assert deltas == ["He", "llo", " world"]


def test_count_tokens_estimates_without_consuming_a_turn() -> None:
    with ScriptedServer([{"reply": {"text": "x"}}]) as srv:
        body = json.loads(post(srv, request("a" * 400), "/v1/messages/count_tokens").read())
        assert srv.turns_served == 0
        assert srv.requests[0].path == "/v1/messages/count_tokens"
    assert body["input_tokens"] > 100


def test_mismatch_is_a_400_saying_what_differed_and_is_recorded() -> None:
    script = [
        {
            "name": "plan",
            "expect": {"system_contains": ["planner"], "tools": ["read_file"]},
            "reply": {"text": "x"},
        }
    ]
    with ScriptedServer(script) as srv:
        response = post(srv, request(system="You are the reviewer"))
        body = json.loads(response.read())
        assert response.status == 400
        assert response.headers["x-should-retry"] == "false"
        assert body["error"]["type"] == "invalid_request_error"
        message = body["error"]["message"]
        assert "turn 1 (plan)" in message
        assert (
            "system_contains: expected to contain 'planner', got 'You are the reviewer'" in message
        )
        assert "tools: expected ['read_file'] to be offered, got []" in message
        assert [f.message for f in srv.failures] == [message.removeprefix("scripted server: ")]
        assert srv.turns_served == 0
        with pytest.raises(AssertionError, match="1 failure"):
            srv.assert_no_failures()
        with pytest.raises(
            AssertionError, match=r"1 of 1 scripted turn\(s\) never played: turn 1 \(plan\)"
        ):
            srv.assert_all_consumed()


def test_request_after_the_script_ran_out_fails_loudly() -> None:
    with ScriptedServer([{"reply": {"text": "only"}}]) as srv:
        assert post(srv, request()).status == 200
        response = post(srv, request("one more please"))
        message = json.loads(response.read())["error"]["message"]
    assert response.status == 400
    assert "arrived after all 1 scripted turn(s) were played" in message
    assert "one more please" in message
    assert srv.failures[0].turn is None
    srv.assert_all_consumed()


def test_unknown_path_is_a_failure() -> None:
    with ScriptedServer([]) as srv:
        assert post(srv, {}, "/v1/complete").status == 400
    assert "unexpected request to /v1/complete" in srv.failures[0].message


def test_requests_keep_raw_bytes_and_parsed_json() -> None:
    with ScriptedServer([{"reply": {"text": "x"}}]) as srv:
        post(srv, request("hello")).read()
    (received,) = srv.requests
    assert received.body == request("hello")
    assert json.loads(received.raw) == received.body
    assert received.turn == 0
    assert received.headers["content-type"] == "application/json"


def test_fault_answers_first_then_the_same_turns_reply() -> None:
    script: list[dict[str, Any]] = [
        {
            "fault": {"status": 429, "retry_after": 0.25, "message": "slow down", "times": 2},
            "reply": {"text": "ok"},
        },
        {"reply": {"text": "second"}},
    ]
    with ScriptedServer(script) as srv:
        first = post(srv, request())
        error = json.loads(first.read())
        assert first.status == 429
        assert first.headers["retry-after"] == "0.25"
        assert first.headers["retry-after-ms"] == "250"
        assert error["error"] == {"type": "rate_limit_error", "message": "slow down"}
        assert post(srv, request()).status == 429
        assert json.loads(post(srv, request()).read())["content"][0]["text"] == "ok"
        assert json.loads(post(srv, request()).read())["content"][0]["text"] == "second"
    srv.assert_all_consumed()
    srv.assert_no_failures()


def test_consumed_fault_is_the_whole_turn() -> None:
    script: list[dict[str, Any]] = [
        {"fault": {"status": 529, "consume": True}, "reply": {"text": "never"}},
        {"reply": {"text": "next"}},
    ]
    with ScriptedServer(script) as srv:
        response = post(srv, request())
        assert response.status == 529
        assert json.loads(response.read())["error"]["type"] == "overloaded_error"
        assert json.loads(post(srv, request()).read())["content"][0]["text"] == "next"
    srv.assert_all_consumed()


def test_cut_drops_the_stream_mid_body() -> None:
    with ScriptedServer(
        [{"fault": {"cut_after_events": 2}, "reply": {"text": "a b c d e f"}}]
    ) as srv:
        response = post(srv, request(stream=True))
        with pytest.raises(http.client.IncompleteRead) as cut:
            response.read()
        assert [n for n, _ in sse_events(cut.value.partial)] == [
            "message_start",
            "content_block_start",
        ]
        assert srv.turns_served == 0
        events = sse_events(post(srv, request(stream=True)).read())
    assert events[-1][0] == "message_stop"


def test_clean_cut_ends_the_body_without_message_stop() -> None:
    with ScriptedServer(
        [{"fault": {"cut_after_events": 3, "cut_cleanly": True}, "reply": {"text": "a b c d"}}]
    ) as srv:
        events = sse_events(post(srv, request(stream=True)).read())
    assert [n for n, _ in events] == ["message_start", "content_block_start", "content_block_delta"]


def test_default_usage_reports_cache_reads_when_the_prefix_repeats() -> None:
    system = [{"type": "text", "text": "context " * 200, "cache_control": {"type": "ephemeral"}}]
    with ScriptedServer(
        [{"reply": {"text": "a"}}, {"reply": {"text": "b"}}, {"usage": {"input_tokens": 7}}]
    ) as srv:
        first = json.loads(post(srv, request("one", system=system)).read())["usage"]
        second = json.loads(post(srv, request("two", system=system)).read())["usage"]
        scripted = json.loads(post(srv, request("three")).read())["usage"]
    assert first["cache_creation_input_tokens"] > 300 and first["cache_read_input_tokens"] == 0
    assert second["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    assert second["cache_creation_input_tokens"] == 0
    assert scripted["input_tokens"] == 7


def test_stop_interrupts_a_delayed_turn_promptly() -> None:
    srv = ScriptedServer([Turn(delay=30)]).start()
    url = urlsplit(srv.base_url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    conn.request("POST", "/v1/messages", json.dumps(request()))
    time.sleep(0.1)
    started = time.monotonic()
    srv.stop()
    assert time.monotonic() - started < 1
    srv.stop()  # idempotent
