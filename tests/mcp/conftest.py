"""MCP tests run real servers; the helpers module is made importable here, and
`lsp_editor` starts the real language server with a pytest-lsp client (the editor
helpers are the LSP tests' own)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "lsp"))
from client_helpers import StartEditor
from lsp_helpers import Editor, fix_code_action_decoding


@pytest.fixture
async def lsp_editor() -> AsyncIterator[StartEditor]:
    editors: list[Editor] = []

    async def start(
        workspace: Path,
        env: dict[str, str] | None = None,
        ask: bool = False,
        show_document: bool = True,
    ) -> Editor:
        config = ClientServerConfig(
            # Started from `/`, as editors often start servers: nothing may depend on it.
            server_command=[
                "env",
                "-C",
                "/",
                sys.executable,
                "-m",
                "orchestra_lsp.lsp",
                "--workspace",
                str(workspace),
            ],
            server_env={**os.environ, "ORCHESTRA_TEST": "1", **(env or {})},
        )
        client: LanguageClient = await config.start()  # type: ignore[assignment]
        fix_code_action_decoding(client)
        editor = Editor(client, workspace)
        capabilities = client_capabilities("visual-studio-code")
        capabilities.experimental = {"orchestra": {"events": True, "ask": ask}}
        if not show_document and capabilities.window is not None:
            capabilities.window.show_document = None
        editor.initialized = await client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities,
                root_uri=workspace.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="ws")],
            )
        )
        editors.append(editor)
        return editor

    yield start
    for editor in editors:
        await asyncio.wait_for(editor.client.shutdown_session(), 30)
        await editor.client.stop()
