"""`null` where a default exists means the default (Emacs sends `null` for `{}`)."""

from __future__ import annotations

from pathlib import Path

from conftest import StartRaw

INVALID_PARAMS = -32602
DEAD = "http://127.0.0.1:9"  # the discard port: nothing answers there


async def test_null_for_defaults_is_accepted(raw: StartRaw, workspace: Path) -> None:
    # A key, so the run starts (a run without one is refused before it starts); the
    # model is never reached in this test's time, and what it would say does not matter.
    client = await raw(
        workspace, env={"ANTHROPIC_API_KEY": "test-key-0123456789", "ANTHROPIC_BASE_URL": DEAD}
    )
    await client.initialize(workspace)
    # What eglot sends back for a code action's command that carried `"arguments": {}`.
    answer = await client.request(
        "workspace/executeCommand",
        {
            "command": "orchestra.run",
            "arguments": [
                {"command": "fix-here", "arguments": None, "range": None, "diagnostics": None}
            ],
        },
    )
    assert answer["result"]["runId"], answer
    runs = await client.request("orchestra/runs", {"limit": None})
    assert "result" in runs, runs
    context = await client.request("orchestra/context", {"command": "change", "arguments": None})
    assert [s["stepId"] for s in context["result"]["steps"]] == ["plan", "implement", "check"]
    decided = await client.request(
        "orchestra/decide", {"runId": "nope", "gate": None, "files": None, "final": None}
    )
    assert decided.get("error", {}).get("code") != INVALID_PARAMS, decided
    assert await client.close() == 0


async def test_null_for_a_required_field_is_still_an_error(raw: StartRaw, workspace: Path) -> None:
    client = await raw(workspace)
    await client.initialize(workspace)
    answer = await client.request("orchestra/run", {"command": None, "arguments": None})
    assert answer["error"]["code"] == INVALID_PARAMS
    assert "command" in answer["error"]["message"]
    assert await client.close() == 0
