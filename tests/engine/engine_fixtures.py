"""Fixtures of the engine tests, also used by the review and undo tests (their
conftest files import them): a workspace folder, a clean user config folder, and no
ambient credentials."""

from __future__ import annotations

from pathlib import Path

import pytest


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


@pytest.fixture
def config_home(tmp_path: Path) -> Path:
    """XDG_CONFIG_HOME for `orchestra` subprocesses: empty, so no user config applies."""
    folder = tmp_path / "xdg-config"
    folder.mkdir()
    return folder
