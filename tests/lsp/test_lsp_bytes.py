"""Byte fidelity through the language server: a run edits a cp1252 file with CRLF line
endings and no final newline that no editor holds open; Neovim's review path
(`orchestra/proposal`, `orchestra/decide`) lands it on disk in its own bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import make_workspace

from orchestra_lsp.testing import ScriptedServer

API_KEY = "test-key-lsp-bytes-5e6f7a8b"
TEXT = "prix = {\r\n    'café': 5,  # €\r\n}"
EDITED = "prix = {\r\n    'café': 5,  # €\r\n    'thé': 3,\r\n}"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "config.toml").write_text('[model]\nname = "claude-sonnet-4-6"\n')
    (root / "prices.py").write_bytes(TEXT.encode("cp1252"))
    return root


async def test_a_closed_cp1252_file_lands_in_its_own_bytes(
    start: Any, workspace: Path, tmp_path: Path
) -> None:
    edit = {
        "name": "edit",
        "input": {
            "command": "str_replace",
            "path": "prices.py",
            "old_str": "# €\n}",
            "new_str": "# €\n    'thé': 3,\n}",
        },
    }
    script = [
        {"name": "plan", "reply": {"text": "Add tea at 3."}},
        {"name": "implement", "reply": {"tool_use": [edit]}},
        {"name": "implemented", "reply": {"text": "Added."}},
        {"name": "check", "reply": {"text": "Checked."}},
    ]
    env = {"ANTHROPIC_API_KEY": API_KEY, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    with ScriptedServer(script) as model:
        editor = await start(workspace, "neovim", env={**env, "ANTHROPIC_BASE_URL": model.base_url})
        editor.answers = ["Approve"]
        answer = await editor.client.protocol.send_request_async(
            "orchestra/run", {"command": "change", "arguments": {"goal": "tea"}}
        )
        run_id = str(answer.runId)
        await editor.wait_event("proposal_ready", run_id=run_id, timeout=60)
        proposal = await editor.client.protocol.send_request_async(
            "orchestra/proposal", {"runId": run_id}
        )
        [file] = proposal.files
        assert file.originalText == TEXT  # decoded from cp1252, line endings as they are
        decided = await editor.client.protocol.send_request_async(
            "orchestra/decide",
            {"runId": run_id, "files": [{"path": "prices.py", "accepted": ["h1"]}]},
        )
        assert list(decided.files[0].accepted) == ["h1"]
        landed = await editor.wait_event("proposal_decided", run_id=run_id, timeout=60)
        assert landed["outcome"] == "applied", landed
        await editor.wait_event("run_finished", run_id=run_id, timeout=60)
    model.assert_no_failures()
    assert (workspace / "prices.py").read_bytes() == EDITED.encode("cp1252")
