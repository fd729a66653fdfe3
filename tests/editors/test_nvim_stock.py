"""Neovim 0.11 with its stock LSP client (no plugin), in tmux: see editor_helpers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from editor_helpers import (
    FIXED_LINE,
    HERE,
    SCRIPT,
    check_review,
    environment,
    make_workspace,
    run_in_tmux,
)

from orchestra_lsp.journal import list_runs
from orchestra_lsp.testing import ScriptedServer

REPO = HERE.parents[1]


def nvim11() -> str:
    path = os.environ.get("NVIM11") or str(REPO / ".venv" / "neovim" / "bin" / "nvim")
    assert Path(path).is_file(), f"{path} is missing: `make neovim11` installs it"
    return path


def test_neovim_stock_client(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    report = tmp_path / "report.json"
    with ScriptedServer(SCRIPT) as model:
        env = {
            **environment(tmp_path, model.base_url),
            "WORKSPACE": str(root),
            "REPORT": str(report),
        }
        seen = run_in_tmux(
            [nvim11(), "--clean", "-c", f"luafile {HERE / 'nvim_drive.lua'}"], env, report, root
        )
    assert "error" not in seen, seen
    assert seen["steps"] == ["diagnostic", "quick fix", "completion", "command run", "review"], seen
    assert seen["diagnostic_text"] == "edt"
    assert seen["fixed_line"] == FIXED_LINE
    assert "steps.plan.output" in seen["completion_labels"]
    assert "steps.write.output" not in seen["completion_labels"]
    assert seen["completed_line"] == '    prompt: "Use {{steps.plan.output'
    assert {r.command: r.state for r in list_runs(root)}["hello"] == "finished"
    check_review(root, seen)
    model.assert_no_failures()
