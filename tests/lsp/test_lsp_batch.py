"""Run a command on several items from the editor (`orchestra/batch`), with a real LSP
client against the scripted model: the plan comes back at once, each item is a run of
its own whose events reach the client, `orchestra/batchProgress` tells each item's
state and verdicts and ends with the summary, one `$/progress` counts the items, an
item whose gate nobody answered stops saying so, and a bad request is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import add_ticket_check, make_workspace, verdict_turn
from pygls.exceptions import JsonRpcException

from orchestra_lsp.testing import Script, ScriptedServer

API_KEY = "test-key-lsp-0a1b2c3d4e5f"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return add_ticket_check(make_workspace(tmp_path / "ws"))


async def _done(editor: Any) -> dict[str, Any]:
    for _ in range(600):
        if editor.batch_updates and editor.batch_updates[-1]["done"]:
            update: dict[str, Any] = editor.batch_updates[-1]
            return update
        await asyncio.sleep(0.1)
    raise AssertionError(f"the batch did not end: {editor.batch_updates[-1:]}")


async def test_a_batch_from_the_editor_reports_each_item_and_a_summary(
    start: Any, workspace: Path, tmp_path: Path
) -> None:
    script = Script.model_validate(
        {
            "concurrent": True,
            "turns": [
                verdict_turn("SHOP-1", "terse", "pass"),
                {"expect": {"messages_contain": ["Sign SHOP-1."]}, "reply": {"text": "signed 1"}},
                verdict_turn("SHOP-2", "terse", "fail"),
                {"expect": {"messages_contain": ["Sign SHOP-2."]}, "reply": {"text": "signed 2"}},
                verdict_turn("SHOP-3", "terse", "pass"),
                {"expect": {"messages_contain": ["Sign SHOP-3."]}, "reply": {"text": "signed 3"}},
            ],
        }
    )
    env = {"ANTHROPIC_API_KEY": API_KEY, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    with ScriptedServer(script) as model:
        editor = await start(workspace, "vscode", env={**env, "ANTHROPIC_BASE_URL": model.base_url})
        with pytest.raises(JsonRpcException, match="has no argument 'nope'"):
            await editor.client.protocol.send_request_async(
                "orchestra/batch", {"command": "check", "argument": "nope", "items": ["a"]}
            )
        started = await editor.client.protocol.send_request_async(
            "orchestra/batch",
            {
                "command": "check",
                "items": ["SHOP-1", "SHOP-2"],
                "arguments": {"tone": "terse"},
                "parallel": 2,
                "gates": ["sign=approve"],
            },
        )
        assert (started.command, started.argument, started.isolated) == ("check", "ticket", False)
        assert [i.item for i in started.items] == ["SHOP-1", "SHOP-2"]
        assert {i.state for i in started.items} == {"not run"}
        summary = await _done(editor)
        # A batch whose gate nobody answers: the item stops there, saying why.
        editor.batch_updates.clear()
        await editor.client.protocol.send_request_async(
            "orchestra/batch",
            {"command": "check", "items": ["SHOP-3"], "arguments": {"tone": "terse"}},
        )
        stopped = await _done(editor)
    model.assert_no_failures()
    [item] = stopped["items"]
    assert item["state"] == "cancelled" and stopped["ok"] is False
    assert item["error"] == "stopped at the approve gate of step 'sign'"
    [said] = [m.message for m in editor.client.messages if "item SHOP-3" in m.message]
    assert "the approve gate of step 'sign' needs a person" in said
    assert said.endswith("answer it with gates, or yes")
    items = {i["item"]: i for i in summary["items"]}
    assert items["SHOP-1"]["state"] == items["SHOP-2"]["state"] == "finished"
    assert items["SHOP-1"]["verdicts"] == {"check": "pass"}
    assert items["SHOP-2"]["verdicts"] == {"check": "fail"}
    assert summary["ok"] is True and summary["costUsd"] > 0
    summary_path = Path(summary["summaryUri"].removeprefix("file://"))
    assert "| SHOP-2 | finished | check: fail |" in summary_path.read_text()
    # each item's run reached the client as events; progress counted the items
    runs = {e["run_id"] for e in editor.events if e["type"] == "run_started"}
    assert runs == {items["SHOP-1"]["runId"], items["SHOP-2"]["runId"], item["runId"]}
    assert any(i["state"] == "running" for update in editor.batch_updates for i in update["items"])
    # a batchProgress names each item's run before the run's first event, so an editor
    # can tell a batch's runs from the others (VS Code: no notifications of their own)
    named: set[str] = set()
    for method, params in editor.received:
        if method == "orchestra/batchProgress":
            named |= {i["runId"] for i in params["items"] if i.get("runId")}
        elif params["type"] == "run_started":
            assert params["run_id"] in named, (params["run_id"], named)
    reports = next(
        r for t, r in editor.client.progress_reports.items() if str(t).endswith(summary["batchId"])
    )
    assert reports[0].kind == "begin" and "check on 2 item(s)" in reports[0].title
    assert reports[-1].kind == "end" and reports[-1].message.startswith("2 of 2 finished")


GREET = """---
description: Greet one person
arguments:
  - {name: who, required: true}
steps:
  - id: greet
    agent: reader
    prompt: "Say hello to {{who}}."
---
"""


async def test_cancel_batch_ends_the_item_running_and_runs_no_other(
    start: Any, workspace: Path, tmp_path: Path
) -> None:
    """`orchestra/cancelBatch` while the first of three items waits for the model: its
    run ends cancelled (journaled so), the two others are not run, and the batch ends
    with its summary as any batch; a batch that ended, or unknown, is not cancelled."""
    (workspace / ".orchestra" / "commands" / "greet.md").write_text(GREET, encoding="utf-8")
    script = [
        {
            "expect": {"messages_contain": ["Say hello to Ada."]},
            "delay": 120,
            "reply": {"text": "Hi"},
        }
    ]
    env = {"ANTHROPIC_API_KEY": API_KEY, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    with ScriptedServer(script) as model:
        editor = await start(workspace, "vscode", env={**env, "ANTHROPIC_BASE_URL": model.base_url})
        started = await editor.client.protocol.send_request_async(
            "orchestra/batch", {"command": "greet", "items": ["Ada", "Bob", "Cy"]}
        )
        first = await editor.wait_event("run_started", timeout=60)
        await editor.wait_event("step_started", run_id=first["run_id"], timeout=60)
        cancel = "orchestra/cancelBatch"
        answer = await editor.client.protocol.send_request_async(
            cancel, {"batchId": started.batchId}
        )
        assert answer.cancelled is True
        summary = await _done(editor)
        again = await editor.client.protocol.send_request_async(
            cancel, {"batchId": started.batchId}
        )
        unknown = await editor.client.protocol.send_request_async(cancel, {"batchId": "nope"})
    assert again.cancelled is False and unknown.cancelled is False
    assert len(model.requests) <= 1  # only Ada's run asked the model
    items = {i["item"]: i for i in summary["items"]}
    assert items["Ada"]["state"] == "cancelled" and items["Ada"]["runId"] == first["run_id"]
    assert [(items[n]["state"], items[n]["runId"], items[n]["error"]) for n in ("Bob", "Cy")] == [
        ("cancelled", None, "not run: the batch was cancelled")
    ] * 2
    assert summary["ok"] is False
    ends = [e["type"] for e in editor.events if e.get("run_id") == first["run_id"]]
    assert ends[-1] == "run_cancelled", ends
    assert [e for e in editor.events if e["type"] == "run_started"] == [first]
    # the editor's $/progress for the batch ended too
    reports = next(
        r for t, r in editor.client.progress_reports.items() if str(t).endswith(started.batchId)
    )
    assert reports[-1].kind == "end"
