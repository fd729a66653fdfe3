"""LSP 3.17 "Server lifecycle", message by message, with a raw client."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import StartRaw

from orchestra_lsp.testing import ScriptedServer

_ORIGIN = {"line": 0, "character": 0}
SERVER_NOT_INITIALIZED = -32002
INVALID_REQUEST = -32600


async def test_requests_before_initialize_are_refused(raw: StartRaw, workspace: Path) -> None:
    client = await raw(workspace)
    for method, params in [
        ("orchestra/commands", {}),
        (
            "textDocument/hover",
            {"textDocument": {"uri": "file:///x"}, "position": {"line": 0, "character": 0}},
        ),
        ("workspace/executeCommand", {"command": "orchestra.reload"}),
    ]:
        answer = await client.request(method, params)
        assert answer["error"]["code"] == SERVER_NOT_INITIALIZED, answer
    client.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": (workspace / "a.txt").as_uri(),
                "languageId": "plaintext",
                "version": 1,
                "text": "x",
            }
        },
    )
    await client.initialize(workspace)
    assert "result" in await client.request("orchestra/commands", {})
    assert await client.close() == 0
    assert "Traceback" not in await client.stderr()


async def test_shutdown_before_initialize_is_refused(raw: StartRaw, workspace: Path) -> None:
    client = await raw(workspace)
    answer = await client.request("shutdown")
    assert answer["error"]["code"] == SERVER_NOT_INITIALIZED
    result = await client.initialize(workspace)  # still answered afterwards
    assert result["capabilities"]["positionEncoding"] == "utf-16"
    assert await client.close() == 0


async def test_second_initialize_is_refused(raw: StartRaw, workspace: Path, tmp_path: Path) -> None:
    client = await raw(workspace)
    await client.initialize(workspace, {"general": {"positionEncodings": ["utf-16"]}})
    other = tmp_path / "other"
    other.mkdir()
    again = await client.request(
        "initialize",
        {
            "processId": None,
            "rootUri": other.as_uri(),
            "capabilities": {"general": {"positionEncodings": ["utf-8"]}},
        },
    )
    assert again["error"]["code"] == INVALID_REQUEST
    # Neither the root nor the encoding changed: positions still count UTF-16.
    listed = await client.request("orchestra/commands", {})
    assert any(c["name"] == "change" for c in listed["result"]["commands"])
    assert await client.close() == 0


async def test_request_after_shutdown_is_invalid(raw: StartRaw, workspace: Path) -> None:
    client = await raw(workspace)
    await client.initialize(workspace)
    assert (await client.request("shutdown"))["result"] is None
    hover = {"textDocument": {"uri": (workspace / "a.txt").as_uri()}, "position": _ORIGIN}
    for method, params in [
        ("orchestra/commands", {}),
        ("shutdown", None),
        ("textDocument/hover", hover),
    ]:
        answer = await client.request(method, params, timeout=5)
        assert answer["error"]["code"] == INVALID_REQUEST, answer
    client.notify("exit")
    assert await client.wait_exit() == 0
    assert "Traceback" not in await client.stderr()


async def test_exit_without_shutdown_exits_1(raw: StartRaw, workspace: Path) -> None:
    client = await raw(workspace)
    await client.initialize(workspace)
    client.notify("exit")
    assert await client.wait_exit() == 1
    assert "Traceback" not in await client.stderr()


async def test_exit_before_initialize_exits_1(raw: StartRaw, workspace: Path) -> None:
    client = await raw(workspace)
    client.notify("exit")
    assert await client.wait_exit() == 1


async def test_stdin_closed_stops_quietly(raw: StartRaw, workspace: Path) -> None:
    client = await raw(workspace)
    await client.initialize(workspace)
    await client.request("orchestra/commands", {})
    assert client.process.stdin is not None
    client.process.stdin.close()
    assert await client.wait_exit() == 0
    assert await client.stderr() == ""


async def test_notifications_during_shutdown_are_dropped(raw: StartRaw, workspace: Path) -> None:
    client = await raw(workspace)
    await client.initialize(workspace)
    await client.request("shutdown")
    client.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": (workspace / "a.txt").as_uri(),
                "languageId": "plaintext",
                "version": 1,
                "text": "x",
            }
        },
    )
    await asyncio.sleep(0.2)
    client.notify("exit")
    assert await client.wait_exit() == 0
    assert await client.stderr() == ""


@pytest.mark.parametrize("how", ["exit", "stdin closed"])
async def test_stop_during_a_run_is_quiet(
    raw: StartRaw, workspace: Path, tmp_path: Path, how: str
) -> None:
    (workspace / ".orchestra" / "config.toml").write_text('[model]\nname = "claude-sonnet-4-6"\n')
    script = [
        {"name": "slow plan", "delay": 30, "reply": {"text": "never"}},
    ]
    with ScriptedServer(script) as model:
        client = await raw(
            workspace,
            env={
                "ANTHROPIC_API_KEY": "test-key-0123456789",
                "ANTHROPIC_BASE_URL": model.base_url,
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
            },
        )
        await client.initialize(
            workspace,
            {"window": {"workDoneProgress": True}, "experimental": {"orchestra": {"events": True}}},
        )
        started = await client.request(
            "orchestra/run", {"command": "change", "arguments": {"goal": "x"}}
        )
        run_id = started["result"]["runId"]
        await client.wait_for(
            "orchestra/event", lambda e: e["type"] == "step_started" and e["run_id"] == run_id
        )
        if how == "exit":
            client.notify("exit")
        else:
            assert client.process.stdin is not None
            client.process.stdin.close()
        code = await client.wait_exit()
    assert code == (1 if how == "exit" else 0)
    stderr = await client.stderr()
    assert "Traceback" not in stderr and "closed file" not in stderr, stderr[:2000]
