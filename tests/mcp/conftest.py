"""MCP tests run real servers; the helpers module is made importable here, and
`lsp_editor` starts the real language server with a pytest-lsp client (the editor
helpers are the LSP tests' own)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pytest_lsp import client_capabilities

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "lsp"))
from client_helpers import StartEditor
from lsp_helpers import Editor, Editors


@pytest.fixture
async def lsp_editor() -> AsyncIterator[StartEditor]:
    editors = Editors()

    async def start(
        workspace: Path,
        env: dict[str, str] | None = None,
        ask: bool = False,
        show_document: bool = True,
    ) -> Editor:
        capabilities = client_capabilities("visual-studio-code")
        capabilities.experimental = {"orchestra": {"events": True, "ask": ask}}
        if not show_document and capabilities.window is not None:
            capabilities.window.show_document = None
        # Started from `/`, as editors often start servers: nothing may depend on it.
        return await editors.start(workspace, capabilities, env=env, from_root=True)

    yield start
    await editors.close()
