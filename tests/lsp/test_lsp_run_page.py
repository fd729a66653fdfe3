"""`orchestra/runPage` through a real LSP client: a finished run's page is written beside
its journal and named by URI, with the report's URI; an unknown run is a clear error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import make_workspace
from pygls.exceptions import JsonRpcException

from orchestra_lsp.testing import ScriptedServer

API_KEY = "test-key-lsp-page-5e6f7a8b"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "config.toml").write_text('[model]\nname = "claude-sonnet-4-6"\n')
    return root


async def test_a_finished_run_s_page_is_written_and_named(start: Any, workspace: Path) -> None:
    script = [
        {"reply": {"text": "The plan."}},
        {"reply": {"text": "Nothing to change."}},
        {"reply": {"text": "## Review\nAll good."}},
    ]
    with ScriptedServer(script) as model:
        env = {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": model.base_url}
        editor = await start(workspace, "vscode", env=env)
        editor.answers = ["Approve"]
        started = await editor.client.protocol.send_request_async(
            "orchestra/run", {"command": "change", "arguments": {"goal": "nothing"}}
        )
        await editor.wait_event("run_finished", run_id=started.runId, timeout=60)
        page = await editor.client.protocol.send_request_async(
            "orchestra/runPage", {"runId": started.runId}
        )
        with pytest.raises(JsonRpcException, match="no-such-run"):
            await editor.client.protocol.send_request_async(
                "orchestra/runPage", {"runId": "no-such-run"}
            )
    folder = workspace / ".orchestra" / "runs" / started.runId
    assert page.runId == started.runId
    assert page.uri == (folder / "report.html").as_uri()
    assert page.reportUri == (folder / "report.md").as_uri()
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "<h2>Review</h2>" in html and started.runId in html
    assert 'data-step="plan"' in html and API_KEY not in html
