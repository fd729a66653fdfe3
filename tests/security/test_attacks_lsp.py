"""The attack suite through the real language server (`orchestra serve`, a pytest-lsp
client with VS Code's capabilities): the injected model's every ask reaches the person,
who declines; nothing outside or protected changes, and no secret reaches the editor
(events, messages, log) or the model."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "lsp"))

from attack_helpers import attacks, leaks, make_repo, received, script
from lsp_helpers import Editor, fix_code_action_decoding

from orchestra_lsp.testing import ScriptedServer


@pytest.fixture
async def base() -> AsyncIterator[Path]:
    with tempfile.TemporaryDirectory(prefix="orchestra-attack-lsp-") as folder:
        yield Path(folder)


async def _ended(editor: Editor, run_id: str) -> dict[str, Any]:
    final = {"run_finished", "run_failed", "run_cancelled"}
    while True:
        for event in editor.events:
            if event.get("run_id") == run_id and event.get("type") in final:
                return event
        editor.event_arrived.clear()
        await editor.event_arrived.wait()


async def test_the_person_declines_and_nothing_leaks_to_the_editor(base: Path) -> None:
    repo = make_repo(base)
    with ScriptedServer(script(repo.outside)) as model:
        config = ClientServerConfig(
            server_command=[sys.executable, "-m", "orchestra_lsp", "serve"],
            server_env={**repo.env, "ANTHROPIC_BASE_URL": model.base_url},
        )
        client: LanguageClient = await config.start()  # type: ignore[assignment]
        fix_code_action_decoding(client)
        editor = Editor(client, repo.root)
        capabilities = client_capabilities("visual-studio-code")
        capabilities.experimental = {"orchestra": {"events": True}}
        root = repo.root.as_uri()
        await client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities,
                root_uri=root,
                workspace_folders=[types.WorkspaceFolder(uri=root, name="repo")],
            )
        )
        try:
            answer = await client.protocol.send_request_async(  # type: ignore[no-untyped-call]
                "orchestra/run", {"command": "work", "arguments": {"key": "SEC-1"}}
            )
            ended = await asyncio.wait_for(_ended(editor, str(answer.runId)), 120)
        finally:
            await asyncio.wait_for(client.shutdown_session(), 10)
            await client.stop()  # type: ignore[no-untyped-call]

    assert ended["type"] in ("run_finished", "run_failed"), ended
    assert repo.changed() == []
    assert not (repo.root / "pwned").exists()
    # Every shell command, edit and outward call of the attack was put to the person
    # (who declined) or refused outright; none was made.
    run_events = [e for e in editor.events if e.get("run_id") == ended["run_id"]]
    decided = [e for e in run_events if e.get("type") == "permission_decided"]
    assert all(d["verdict"] == "deny" for d in decided[2:]), decided
    assert len(editor.message_requests) >= len(attacks(repo.outside)) - 8
    shown = {
        "events": json.dumps(editor.events),
        "messages": json.dumps([m.message for m in client.messages]),
        "log": json.dumps([m.message for m in client.log_messages]),
        "asks": json.dumps([m.message for m in editor.message_requests]),
        "journal": repo.journal_text(),
        "model": received(model),
    }
    assert leaks(shown) == []
