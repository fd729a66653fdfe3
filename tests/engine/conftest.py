"""Engine tests: real workspaces in temporary folders, the real SDK against the
scripted server on loopback; the helpers module made importable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own key or gateway must not leak into these tests."""
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The workspace folder (its user config folder is a sibling, left empty)."""
    folder = tmp_path / "ws"
    folder.mkdir()
    return folder
