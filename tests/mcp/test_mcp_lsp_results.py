"""The same MCP results through the language server: a huge result cut once with one
truthful note naming the saved file, and an image repeated in structured content sent
once; asserted on what the scripted model received and on the journal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from client_helpers import SERVERS, StartEditor, mcp_workspace

from orchestra_lsp.context.messages import parse_cut_note
from orchestra_lsp.journal import load_run
from orchestra_lsp.testing import ScriptedServer


async def test_results_reach_the_model_once_through_the_editor(
    tmp_path: Path, lsp_editor: StartEditor
) -> None:
    root = mcp_workspace(
        tmp_path / "ws",
        {"r": {"command": sys.executable, "args": [str(SERVERS / "results_server.py")]}},
        tools=["mcp__r__huge", "mcp__r__image_twice"],
        config='max_cost_usd = 1000.0\n[permissions]\nallow = ["mcp__r__*"]\n',
    )
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "mcp__r__huge", "input": {"chars": 2_000_000}}]}},
        {"reply": {"tool_use": [{"name": "mcp__r__image_twice", "input": {}}]}},
        {"reply": {"text": "Both seen."}},
    ]
    with ScriptedServer(script) as model:
        env = {
            "ANTHROPIC_API_KEY": "test-key-mcp-lsp-1234",
            "ANTHROPIC_BASE_URL": model.base_url,
            "XDG_CONFIG_HOME": str(root / ".user-config"),
        }
        editor = await lsp_editor(root, env=env)
        started: Any = await editor.request("orchestra/run", {"command": "go"})
        await editor.wait_event("run_finished", run_id=started.runId, timeout=120)
    model.assert_no_failures()
    bodies = [r.body for r in model.requests if r.path.endswith("/v1/messages") and r.body]
    results = [
        block
        for body in bodies[1:]
        for block in body["messages"][-1]["content"]
        if block.get("type") == "tool_result"
    ]
    huge, image = results
    texts = [b["text"] for b in huge["content"] if b["type"] == "text"]
    notes = [t for t in texts if parse_cut_note(t) is not None]
    assert notes == [texts[-1]]
    cut, total, hint = parse_cut_note(notes[0]) or (0, 0, "")
    assert total > 400_000 and total - cut < 20_000
    saved = root / hint.split("saved at ")[1].split(";")[0]
    assert len(saved.read_text()) == 2_000_000
    assert [b["type"] for b in image["content"]] == ["image"]
    events = load_run(root, started.runId).events
    [finished] = [e for e in events if e.get("tool") == "mcp__r__huge" and "cut" in e]
    assert finished["cut"] == notes[0]
