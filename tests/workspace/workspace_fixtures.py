"""Fixtures of the loader tests, shared by tests/workspace and tests/claude (their
conftest files import them): a workspace folder written from a dict, and an empty user
config folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

WriteFiles = Callable[[dict[str, str]], Path]


@pytest.fixture
def write_files(tmp_path: Path) -> WriteFiles:
    """Write {relative path: text} under a fresh workspace folder and return it."""
    root = tmp_path / "repo"
    root.mkdir()

    def write(files: dict[str, str]) -> Path:
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root

    return write


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    """An empty user config folder: no user-level settings apply."""
    path = tmp_path / "user-config"
    path.mkdir()
    return path
