"""A pending review survives a restart of Neovim: closed with q, Neovim quit, a new
Neovim finds it in :Orchestra runs and <CR> reopens it; what is accepted then lands."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from plugin_helpers import drive, make_workspace
from test_plugin import CALC, THIRD_RUN, proposals

from orchestra_lsp.journal import RunSummary, list_runs
from orchestra_lsp.testing import ScriptedServer

SHELL = "python3 -c 'print(6 * 7)'"
# The plan sees the lines selected for :'<,'>Orchestra run; the developer runs a command the policy does not allow (a person is asked), then edits.
SCRIPT: list[dict[str, Any]] = [
    {
        "expect": {
            "messages_contain": [
                "Selected: def mean(values: list[float]) -> float:\n    if not values:\n"
            ]
        },
        "reply": THIRD_RUN[0]["reply"],
    },
    {"reply": {"tool_use": [{"name": "run_shell", "input": {"command": SHELL}}]}},
    {"expect": {"last_tool_result_contains": ["42"]}, "reply": THIRD_RUN[1]["reply"]},
    THIRD_RUN[2],
]


def test_a_pending_review_is_reopened_after_restarting_neovim(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    answers = [
        {"prompt": "Step 'plan' (architect) is done", "pick": "Approve"},
        {"prompt": "wants to call run_shell", "pick": "Allow"},
    ]
    with ScriptedServer(SCRIPT) as model:
        first = drive("reopen_first.lua", root, tmp_path, model.base_url, answers)
        assert first["errors"] == [], first
        model.assert_no_failures()
    # the permission ask showed the exact tool and arguments beside Allow / Deny
    [permission] = [a for a in first["asked"] if "run_shell" in a["prompt"]]
    assert sorted(permission["items"]) == ["Allow", "Deny"]
    assert '"command": "python3 -c \'print(6 * 7)\'"' in permission["floats"][0], permission
    run = first["run"]
    summary = _summary_once_ended(root, run)
    # quitting Neovim is not a cancel: the run is interrupted and keeps its proposal
    assert summary.state == "interrupted" and summary.pending_proposal, summary
    assert (root / "calc.py").read_text() == CALC

    later = [{"prompt": "was interrupted", "pick": "Later"}]
    with ScriptedServer([]) as model:
        second = drive("reopen_second.lua", root, tmp_path, model.base_url, later, ORCH_RUN=run)
    assert second["errors"] == [], second
    [listed] = [line for line in second["runs"] if line.startswith(run)]
    assert "interrupted" in listed and "proposal pending" in listed, listed
    assert "+def average(values: list[float]) -> float:" in second["review_lines"]

    expected = CALC.replace("def mean(", "def average(")
    assert (root / "calc.py").read_text() == expected
    assert second["calc_modified"] is False
    decided = [(r.run_id, p) for r in list_runs(root) for p in proposals(root, r.run_id)]
    assert [p for _, p in decided] == [("calc.py", ["h1"], [], "applied")], decided
    assert not any(s.pending_proposal for s in list_runs(root)), list_runs(root)


def _summary_once_ended(root: Path, run: str) -> RunSummary:
    """The run's summary once the server Neovim stopped has exited (it may take a moment
    after Neovim itself is gone)."""
    deadline = time.monotonic() + 20
    while True:
        [summary] = [s for s in list_runs(root) if s.run_id == run]
        if summary.state != "running" or time.monotonic() > deadline:
            return summary
        time.sleep(0.1)
