"""Fixtures for end-to-end tests: an Orchestra server process and a pytest-lsp client.

`start` spawns `python -m orchestra_lsp.lsp` on a workspace with a client capability
profile (VS Code or Neovim), answers the requests the stock test client leaves
unanswered (`workspace/applyEdit`, `window/showMessageRequest`, `orchestra/ask`)
through overridable callbacks, and shuts everything down after the test.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_lsp import client_capabilities

sys.path.insert(0, str(Path(__file__).parent))
from lsp_helpers import Editor, Editors

PROFILES = {"vscode": "visual-studio-code", "neovim": "neovim@v0.7.0"}

Start = Callable[..., Awaitable[Editor]]


@pytest.fixture(autouse=True)
def own_cache_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache folder of the test's own, inherited by the servers it starts: no test
    writes the person's `~/.cache` (the stored first listing: `workspace/result_cache.py`)
    or reuses another test's listing. (Here, not for every test: pip, which
    `tests/test_wheel.py` runs, keeps its downloads there.)"""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture(params=sorted(PROFILES))
def profile(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    editors = Editors()

    async def _start(
        workspace: Path,
        profile: str = "vscode",
        env: dict[str, str] | None = None,
        ask: bool = False,
        edit: bool = False,
        review: str | None = None,
        answers: list[str | None] | None = None,
    ) -> Editor:
        capabilities = client_capabilities(PROFILES[profile])
        experimental: dict[str, Any] = {"events": True}
        if ask:
            experimental["ask"] = True
        if edit:
            experimental["edit"] = True
        if review is None and profile == "vscode":
            review = "applyEdit"  # what the Orchestra extension declares
        if review:
            experimental["review"] = review
        capabilities.experimental = {"orchestra": experimental}
        return await editors.start(workspace, capabilities, env=env, answers=answers)

    yield _start
    await editors.close()
