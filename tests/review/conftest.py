"""Review tests: the engine's and the language server's helpers made importable, and
the engine tests' fixtures (a workspace folder, no ambient credentials)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "engine"))
sys.path.insert(0, str(HERE.parent / "lsp"))
sys.path.insert(0, str(HERE.parent / "changes"))


@pytest.fixture(autouse=True)
def no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    return folder


@pytest.fixture
def config_home(tmp_path: Path) -> Path:
    folder = tmp_path / "xdg-config"
    folder.mkdir()
    return folder
