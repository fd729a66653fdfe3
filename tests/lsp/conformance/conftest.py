"""Fixtures of the conformance suite: a workspace and raw clients that are always
stopped after the test."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from lsp_helpers import make_workspace
from raw_client import RawClient

StartRaw = Callable[..., Awaitable[RawClient]]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return make_workspace(tmp_path / "ws")


@pytest.fixture
async def raw() -> AsyncIterator[StartRaw]:
    clients: list[RawClient] = []

    async def _start(workspace: Path, **kwargs: Any) -> RawClient:
        client = await RawClient.start(workspace, **kwargs)
        clients.append(client)
        return client

    yield _start
    for client in clients:
        if client.process.returncode is None:
            client.process.kill()
            await client.process.wait()
