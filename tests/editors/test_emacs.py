"""Emacs 30 with eglot and with lsp-mode, in tmux: see editor_helpers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("client", ["eglot", "lsp_mode"])
def test_emacs(tmp_path: Path, client: str) -> None:
    root = make_workspace(tmp_path / "ws")
    report = tmp_path / "report.json"
    with ScriptedServer(SCRIPT) as model:
        env = {
            **environment(tmp_path, model.base_url),
            "WORKSPACE": str(root),
            "REPORT": str(report),
        }
        # -q, not -Q, for lsp-mode: Debian's site files put its package on the load path.
        init = "-Q" if client == "eglot" else "-q"
        command = ["emacs", "-nw", init, "-l", str(HERE / f"{client}_drive.el")]
        seen = run_in_tmux(command, env, report, root)
    assert "error" not in seen, seen
    assert seen["steps"] == ["diagnostic", "quick fix", "completion", "command run", "review"], seen
    assert seen["diagnostic_text"] == "edt"
    assert seen["fixed_line"] == FIXED_LINE
    assert "steps.plan.output" in seen["completion_labels"]
    assert "steps.write.output" not in seen["completion_labels"]
    assert seen["completed_line"] == '    prompt: "Use {{steps.plan.output'
    # orchestra/event is not sent to stock clients: lsp-mode would warn once per event.
    assert "Unknown notification" not in seen.get("messages", "")
    assert {r.command: r.state for r in list_runs(root)}["hello"] == "finished"
    # Known, left to the review's read-back (issue 11): eglot's didChange for the applied
    # edit reaches the server after its 2 s read-back window here, so the journal says
    # `conflict` although the buffer holds the change.
    check_review(root, seen, journal=client != "eglot")
    model.assert_no_failures()
