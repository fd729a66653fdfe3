"""The server asks the client only for what it declared, and falls back otherwise.

| what | capability | fallback |
| --- | --- | --- |
| `window/workDoneProgress/create`, `$/progress` | `window.workDoneProgress` | no progress bar (events still flow to clients that asked for them) |
| `window/showDocument` | `window.showDocument.support` | `window/showMessage` naming the report's path |
| `client/registerCapability` (file watchers) | `workspace.didChangeWatchedFiles.dynamicRegistration` | reload on save and on `orchestra.reload` |
| `orchestra/ask` | `experimental.orchestra.ask` | choices through `window/showMessageRequest`, else the agent decides |
| `orchestra/event` | `experimental.orchestra.events` or `initializationOptions.orchestra.events` | not sent |
| `window/showMessageRequest` | (none in LSP) | an error answer counts as dismissed: deny, stop |
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import StartRaw

from orchestra_lsp.testing import ScriptedServer

ONE_STEP = """---
description: One approved step
steps:
  - id: plan
    agent: planner
    prompt: Plan it.
    gate: approve
---
"""

EVERYTHING: dict[str, Any] = {
    "window": {"workDoneProgress": True, "showDocument": {"support": True}},
    "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}},
    "experimental": {"orchestra": {"events": True, "ask": True}},
}


def _env(tmp_path: Path, url: str) -> dict[str, str]:
    return {
        "ANTHROPIC_API_KEY": "test-key-0123456789",
        "ANTHROPIC_BASE_URL": url,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }


async def _one_run(
    raw: StartRaw, workspace: Path, tmp_path: Path, capabilities: Any, **extra: Any
) -> Any:
    (workspace / ".orchestra" / "config.toml").write_text('[model]\nname = "claude-sonnet-4-6"\n')
    (workspace / ".orchestra" / "commands" / "one.md").write_text(ONE_STEP)
    with ScriptedServer([{"reply": {"text": "The plan."}}]) as model:
        client = await raw(workspace, env=_env(tmp_path, model.base_url))
        client.handlers["window/showMessageRequest"] = lambda p: {"title": "Approve"}
        await client.initialize(workspace, capabilities, **extra)
        started = await client.request("orchestra/run", {"command": "one"})
        assert "result" in started, started
        if "showDocument" in str(capabilities):
            await client.wait_for("window/showDocument", timeout=60)
        else:
            await client.wait_for("window/showMessage", lambda p: "report" in p["message"], 60)
        assert await client.close() == 0
    return client


async def test_a_basic_client_is_asked_only_what_every_client_can_answer(
    raw: StartRaw, workspace: Path, tmp_path: Path
) -> None:
    client = await _one_run(raw, workspace, tmp_path, None)
    asked = {m["method"] for m in client.received if "method" in m and "id" in m}
    assert asked == {"window/showMessageRequest"}
    sent = {m["method"] for m in client.received if "method" in m and "id" not in m}
    assert "orchestra/event" not in sent and "$/progress" not in sent
    [report] = [p for p in client.notifications("window/showMessage") if "report" in p["message"]]
    assert "report written to" in report["message"]


async def test_a_client_that_declares_everything_gets_everything(
    raw: StartRaw, workspace: Path, tmp_path: Path
) -> None:
    client = await _one_run(raw, workspace, tmp_path, EVERYTHING)
    asked = {m["method"] for m in client.received if "method" in m and "id" in m}
    assert {
        "window/showMessageRequest",
        "window/workDoneProgress/create",
        "window/showDocument",
        "client/registerCapability",
    } <= asked
    types = [e["type"] for e in client.notifications("orchestra/event")]
    assert types[0] == "run_started" and types[-1] == "run_finished"


async def test_events_by_initialization_options(
    raw: StartRaw, workspace: Path, tmp_path: Path
) -> None:
    client = await _one_run(
        raw, workspace, tmp_path, None, initializationOptions={"orchestra": {"events": True}}
    )
    assert client.notifications("orchestra/event")


@pytest.mark.parametrize("answer", ["error", "null"])
async def test_a_message_request_not_answered_stops_safely(
    raw: StartRaw, workspace: Path, tmp_path: Path, answer: str
) -> None:
    (workspace / ".orchestra" / "config.toml").write_text('[model]\nname = "claude-sonnet-4-6"\n')
    (workspace / ".orchestra" / "commands" / "one.md").write_text(ONE_STEP)
    with ScriptedServer([{"reply": {"text": "The plan."}}]) as model:
        client = await raw(workspace, env=_env(tmp_path, model.base_url))
        await client.initialize(workspace, {"experimental": {"orchestra": {"events": True}}})
        if answer == "error":  # a client without showMessageRequest: MethodNotFound
            client.handlers["window/showMessageRequest"] = None
        run_id = (await client.request("orchestra/run", {"command": "one"}))["result"]["runId"]
        ended = await client.wait_for(
            "orchestra/event",
            lambda e: (
                e["run_id"] == run_id
                and e["type"] in ("run_finished", "run_failed", "run_cancelled")
            ),
            timeout=60,
        )
        assert await client.close() == 0
    decided = [e for e in client.notifications("orchestra/event") if e["type"] == "gate_decided"]
    assert decided and decided[0]["decision"] == "stop", (decided, ended)
