"""Servers that crash, hang, freeze, fail to start or do not exist: each a clear error,
and the next call works where it can; a broken server never holds up the others."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from mcp_test_servers import everything, faulty, http, stdio

from orchestra_lsp.context.messages import parse_cut_note
from orchestra_lsp.mcp import McpPool, ServerState

pytestmark = pytest.mark.asyncio(loop_scope="module")

Notices = list[tuple[str, str]]
#: Seconds a server of the shared pool may take to start (see `pool`).
STARTUP_BACKSTOP = 120


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def notices() -> Notices:
    return []


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def pool(notices: Notices) -> AsyncIterator[McpPool]:
    servers = {
        "faulty": faulty(),
        "everything": everything(),
        "broken": faulty("broken", "--exit-at-start", "2", env={"FAULTY_TOKEN": "s3cret-value"}),
        "ghost": stdio("ghost", "orchestra-no-such-mcp-server", "--stdio"),
        "offline": http("offline", "http://127.0.0.1:9/mcp"),
    }
    async with McpPool(
        # Every server here starts or fails on its own (the time-out has its own test
        # below): the wait ends on each one's real signal, an answer or an exit. The
        # bound is only a backstop, far above the seconds a loaded machine takes to
        # start Python and import the SDK (near 8 s at a load of 9).
        servers,
        call_timeout=1.5,
        startup_timeout=STARTUP_BACKSTOP,
        on_notice=lambda *n: notices.append(n),
    ) as shared:
        yield shared


def state(pool: McpPool, name: str) -> ServerState:
    return next(s.state for s in pool.status() if s.name == name)


async def test_broken_servers_are_reported_and_skipped(pool: McpPool, notices: Notices) -> None:
    tools = await pool.tools_for(["mcp__*"])
    servers = {tool.server for tool in tools}
    assert servers == {"faulty", "everything"}
    messages = {message.split("'")[1]: message for level, message in notices if level == "error"}
    assert messages.keys() == {"broken", "ghost", "offline"}
    assert "orchestra-no-such-mcp-server --stdio: command not found" in messages["ghost"]
    # Seen exiting, with its last words, however long Python took to get there.
    assert "exited with code 2" in messages["broken"]
    assert "| faulty: missing FAULTY_TOKEN, cannot start" in messages["broken"]
    assert "127.0.0.1:9" in messages["offline"]
    assert all(state(pool, name) is ServerState.FAILED for name in messages)


async def test_a_server_that_never_answers_times_out_without_holding_up_another() -> None:
    """Two servers that sleep 30 s before they answer: both start at once (one's wait
    does not delay the other's start), and the start-up time-out, not the servers, ends
    the wait. Nothing here races the machine's load: the servers cannot answer within
    the time-out however fast it is, and both are seen starting together before either
    can time out."""
    notices: Notices = []
    servers = {name: faulty(name, "--slow-start", "30") for name in ("slow", "late")}
    async with McpPool(
        servers, call_timeout=1.5, startup_timeout=2, on_notice=lambda *n: notices.append(n)
    ) as slow_pool:
        started = time.perf_counter()
        listing = asyncio.create_task(slow_pool.tools_for(["mcp__*"]))
        together = False
        while not listing.done() and not together:
            together = {s.state for s in slow_pool.status()} == {ServerState.STARTING}
            await asyncio.sleep(0.01)
        tools = await listing
        elapsed = time.perf_counter() - started
        assert together, "the two servers never started at the same time"
        assert tools == []
        messages = {m.split("'")[1]: m for level, m in notices if level == "error"}
        assert messages.keys() == {"slow", "late"}
        for message in messages.values():
            assert "no answer to initialize within 2 s (exit code: none, still running)" in message
        assert elapsed < 30, elapsed  # ended by the time-out, long before either answered
        assert all(state(slow_pool, name) is ServerState.FAILED for name in servers)


async def test_a_failed_server_is_not_retried_at_once(pool: McpPool, notices: Notices) -> None:
    before = len(notices)
    started = time.perf_counter()
    result = await pool.call("mcp__broken__ok", {})
    assert result.is_error and "failed to start" in result.text
    assert time.perf_counter() - started < 0.1
    await pool.tools_for(["mcp__*"])
    assert len(notices) == before, "one notice per failed start"


async def test_a_crash_mid_call_is_a_tool_error_and_the_next_call_restarts(pool: McpPool) -> None:
    first = await pool.call("mcp__faulty__ok", {"text": "before"})
    crashed = await pool.call("mcp__faulty__crash", {})
    assert crashed.is_error
    assert "exited with code 3 during the call" in crashed.text
    assert "| faulty: about to crash on purpose" in crashed.text
    assert state(pool, "faulty") is ServerState.EXITED
    again = await pool.call("mcp__faulty__ok", {"text": "after"})
    assert again.text.startswith("ok: after") and again.text != first.text  # a new process
    assert next(s.starts for s in pool.status() if s.name == "faulty") == 2


async def test_a_hung_call_times_out_and_the_server_still_serves(pool: McpPool) -> None:
    started = time.perf_counter()
    hung = await pool.call("mcp__faulty__hang", {})
    assert hung.is_error and "timed out after 1.5 s" in hung.text
    assert time.perf_counter() - started < 2.5
    assert (await pool.call("mcp__faulty__ok", {})).text.startswith("ok")


async def test_a_frozen_server_is_restarted(pool: McpPool) -> None:
    frozen = await pool.call("mcp__faulty__freeze", {})
    assert frozen.is_error and "timed out" in frozen.text
    starts = next(s.starts for s in pool.status() if s.name == "faulty")
    recovered = await pool.call("mcp__faulty__ok", {})
    assert recovered.text.startswith("ok")
    assert next(s.starts for s in pool.status() if s.name == "faulty") == starts + 1


async def test_a_hung_server_does_not_hold_up_another(pool: McpPool) -> None:
    hung = asyncio.create_task(pool.call("mcp__faulty__hang", {}))
    await asyncio.sleep(0.1)
    started = time.perf_counter()
    echoed = await pool.call("mcp__everything__echo", {"message": "meanwhile"})
    assert echoed.text == "Echo: meanwhile"
    assert time.perf_counter() - started < 0.5
    assert (await hung).is_error


async def test_unknown_tools_and_secrets(pool: McpPool, notices: Notices) -> None:
    unknown = await pool.call("mcp__nobody__thing", {})
    assert unknown.is_error and "unknown MCP tool" in unknown.text
    assert (await pool.call("read_file", {})).is_error
    assert not any("s3cret-value" in message for _, message in notices)


async def test_large_results_are_cut_with_a_note(pool: McpPool) -> None:
    whole = await pool.call("mcp__faulty__big", {"chars": 2_000})
    assert len(whole.text) == 2_000
    cut = await pool.call("mcp__faulty__big", {"chars": 400_000})
    assert len(cut.content) == 2
    assert len(cut.content[0]["text"]) < 400_000
    assert cut.content[1]["text"].startswith("[... cut about ")
    note = parse_cut_note(cut.content[1]["text"])
    assert note is not None
    left_out, total, _ = note
    # The pool's bound is 20,000 tokens: what was left out is the rest of the whole.
    assert total > 90_000 and total - 20_000 <= left_out < total
