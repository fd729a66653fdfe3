from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # bad_files, shared with tests/lsp

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
def empty_user_dir(tmp_path: Path) -> Path:
    path = tmp_path / "user-config"
    path.mkdir()
    return path
