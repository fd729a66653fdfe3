"""Neovim 0.11 with its stock LSP client (no plugin), in tmux: see editor_helpers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from editor_helpers import HERE, check_review, check_scenario, drive_editor

REPO = HERE.parents[1]


def nvim11() -> str:
    path = os.environ.get("NVIM11") or str(REPO / ".venv" / "neovim" / "bin" / "nvim")
    assert Path(path).is_file(), f"{path} is missing: `make neovim11` installs it"
    return path


def test_neovim_stock_client(tmp_path: Path) -> None:
    command = [nvim11(), "--clean", "-c", f"luafile {HERE / 'nvim_drive.lua'}"]
    root, seen, model = drive_editor(tmp_path, command)
    check_scenario(root, seen)
    check_review(root, seen)
    model.assert_no_failures()
