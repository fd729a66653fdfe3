"""The reference server, over stdio and over streamable HTTP: tools, images, embedded
resources, prompts, resources, cancellation, and what per-agent scoping saves."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from mcp_test_servers import EVERYTHING, everything, free_port, http, require

from orchestra_lsp.context import count_tokens
from orchestra_lsp.mcp import McpPool, ServerState

pytestmark = pytest.mark.asyncio(loop_scope="module")


def serve(mode: str, path: str) -> Iterator[str]:
    """server-everything in an HTTP mode on a free loopback port, until the module ends."""
    port = free_port()
    process = subprocess.Popen(
        ["node", str(require(EVERYTHING)), mode],
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    try:
        # Ready once it names its port ("... listening on port N" / "... running on port N").
        lines = [process.stderr.readline()]
        while str(port) not in lines[-1] and lines[-1] and len(lines) < 5:
            lines.append(process.stderr.readline())
        assert str(port) in lines[-1], lines
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def http_url() -> Iterator[str]:
    yield from serve("streamableHttp", "/mcp")


@pytest.fixture(scope="module")
def sse_url() -> Iterator[str]:
    yield from serve("sse", "/sse")


@pytest_asyncio.fixture(loop_scope="module", scope="module", params=["stdio", "http"])
async def pool(request: pytest.FixtureRequest) -> AsyncIterator[McpPool]:
    server = (
        everything()
        if request.param == "stdio"
        else http("everything", request.getfixturevalue("http_url"))
    )
    async with McpPool({"everything": server}, call_timeout=20) as shared:
        yield shared


async def test_allow_list_scopes_the_tools(pool: McpPool) -> None:
    tools = await pool.tools_for(["read_file", "mcp__everything__echo", "mcp__everything__get-s*"])
    assert sorted(t.name for t in tools) == [
        "mcp__everything__echo",
        "mcp__everything__get-structured-content",
        "mcp__everything__get-sum",
    ]
    echo = next(t for t in tools if t.tool == "echo")
    assert echo.spec()["input_schema"]["properties"]["message"]["type"] == "string"
    assert echo.spec().keys() == {"name", "description", "input_schema"}


async def test_tool_with_arguments(pool: McpPool) -> None:
    echoed = await pool.call("mcp__everything__echo", {"message": "héllo 🌍"})
    assert echoed.content == [{"type": "text", "text": "Echo: héllo 🌍"}]
    summed = await pool.call("mcp__everything__get-sum", {"a": 2, "b": 40})
    assert not summed.is_error and "42" in summed.text


async def test_tool_without_arguments_returns_an_image_block(pool: McpPool) -> None:
    result = await pool.call("mcp__everything__get-tiny-image", {})
    images = [block for block in result.content if block["type"] == "image"]
    assert len(images) == 1
    source = images[0]["source"]
    assert source["type"] == "base64" and source["media_type"] == "image/png"
    assert base64.b64decode(source["data"]).startswith(b"\x89PNG")


async def test_embedded_resource_and_structured_content(pool: McpPool) -> None:
    reference = await pool.call(
        "mcp__everything__get-resource-reference", {"resourceType": "Text", "resourceId": 3}
    )
    assert "[resource <demo://resource/dynamic/text/3>" in reference.text
    weather = await pool.call("mcp__everything__get-structured-content", {"location": "Chicago"})
    assert "temperature" in weather.text


async def test_argument_errors_come_back_as_tool_errors(pool: McpPool) -> None:
    result = await pool.call("mcp__everything__get-sum", {"a": "two"})
    assert result.is_error
    missing = await pool.call("mcp__everything__no-such-tool", {})
    assert missing.is_error and "no-such-tool" in missing.text


async def test_prompts_become_commands(pool: McpPool) -> None:
    prompts = {prompt.name: prompt for prompt in await pool.prompts()}
    assert "mcp__everything__simple-prompt" in prompts
    args_prompt = prompts["mcp__everything__args-prompt"]
    assert [(a.name, a.required) for a in args_prompt.arguments] == [
        ("city", True),
        ("state", False),
    ]
    text = await pool.get_prompt("everything", "args-prompt", {"city": "Lyon"})
    assert "Lyon" in text
    with_resource = await pool.get_prompt(
        "everything", "resource-prompt", {"resourceType": "Text", "resourceId": "2"}
    )
    assert "demo://resource/dynamic/text/2" in with_resource


async def test_resources_are_readable_through_a_tool(pool: McpPool) -> None:
    [tool] = await pool.tools_for(["mcp__everything__read_resource"])
    assert "demo://resource/static/document/architecture.md" in tool.description
    document = await pool.call(
        tool.name, {"uri": "demo://resource/static/document/architecture.md"}
    )
    assert not document.is_error and "Architecture" in document.text
    direct = await pool.read_resource("everything", "demo://resource/dynamic/text/5")
    assert "demo://resource/dynamic/text/5" in direct.text
    unknown = await pool.read_resource("everything", "demo://nowhere")
    assert unknown.is_error


async def test_a_long_running_tool_is_cancelled_promptly(pool: McpPool) -> None:
    call = asyncio.create_task(
        pool.call("mcp__everything__trigger-long-running-operation", {"duration": 30, "steps": 30})
    )
    await asyncio.sleep(0.5)
    started = time.perf_counter()
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert time.perf_counter() - started < 1.0
    after = await pool.call("mcp__everything__echo", {"message": "still here"})
    assert after.text == "Echo: still here"
    [status] = pool.status()
    assert status.state is ServerState.READY and status.starts == 1


async def test_concurrent_calls_share_one_session(pool: McpPool) -> None:
    results = await asyncio.gather(
        *(pool.call("mcp__everything__echo", {"message": str(i)}) for i in range(20))
    )
    assert [r.text for r in results] == [f"Echo: {i}" for i in range(20)]
    assert pool.status()[0].starts == 1


async def test_scoping_saves_prompt_tokens(pool: McpPool) -> None:
    """All of the server's tool specs against the two an agent is allowed."""
    every = await pool.tools_for(["mcp__everything__*"])
    allowed = await pool.tools_for(["mcp__everything__echo", "mcp__everything__get-sum"])
    every_tokens = count_tokens(json.dumps([t.spec() for t in every]))
    allowed_tokens = count_tokens(json.dumps([t.spec() for t in allowed]))
    saved = every_tokens - allowed_tokens
    print(
        f"\nserver-everything: {len(every)} tools = {every_tokens} prompt tokens; "
        f"an agent allowed 2 gets {allowed_tokens}; scoping saves {saved} "
        f"({saved / every_tokens:.0%}) per model call"
    )
    assert len(every) > 10 and saved > 0.8 * every_tokens


async def test_the_legacy_sse_transport(sse_url: str) -> None:
    async with McpPool({"legacy": http("legacy", sse_url, kind="sse")}) as pool:
        tools = await pool.tools_for(["mcp__legacy__echo"])
        assert [tool.name for tool in tools] == ["mcp__legacy__echo"]
        echoed = await pool.call("mcp__legacy__echo", {"message": "over SSE"})
        assert echoed.text == "Echo: over SSE"
