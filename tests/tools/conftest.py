"""Real workspaces in temporary folders; the helpers module made importable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from tool_helpers import TreeMaker


@pytest.fixture
def make_tree(tmp_path: Path) -> TreeMaker:
    """Write `{relative path: content}` under a fresh workspace folder and return it."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "ws"
        root.mkdir(exist_ok=True)
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return root

    return make
