"""The Neovim plugin (editors/nvim) in a real, headless Neovim 0.11, driven only through
its interface — :Orchestra commands, the review buffer's keys, vim.ui pickers answered
by a scripted person — against the scripted model on the calculator example."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from orchestra_lsp.durations import for_people
from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

sys.path.insert(0, str(Path(__file__).parent))
from plugin_helpers import drive, make_workspace

CALC = (Path(__file__).resolve().parents[2] / "examples" / "calculator" / "calc.py").read_text()
FEEDBACK = "also make mean() say what it needs"


def edit(path: str, old: str, new: str) -> dict[str, Any]:
    return {
        "name": "edit",
        "input": {"command": "str_replace", "path": path, "old_str": old, "new_str": new},
    }


FIRST_RUN: list[dict[str, Any]] = [
    {"reply": {"text": "Plan: make add() add."}},
    {
        "expect": {"messages_contain": [FEEDBACK]},
        "reply": {"text": "Plan: fix add(), make mean()'s error clear, note it in CHANGES.md."},
    },
    {
        "reply": {
            "tool_use": [
                edit("calc.py", "return a - b", "return a + b"),
                edit(
                    "calc.py",
                    'raise ValueError("mean of no values")',
                    'raise ValueError("mean() needs at least one value")',
                ),
                {
                    "name": "edit",
                    "input": {
                        "command": "create",
                        "path": "CHANGES.md",
                        "file_text": "- add() adds\n",
                    },
                },
            ]
        }
    },
    {"reply": {"text": "Fixed add(), clarified mean(), noted it."}},
]
SECOND_RUN: list[dict[str, Any]] = [{"reply": {"text": "Plan: tidy."}}]
THIRD_RUN: list[dict[str, Any]] = [
    {"reply": {"text": "Plan: rename mean to average."}},
    {"reply": {"tool_use": [edit("calc.py", "def mean(", "def average(")]}},
    {"reply": {"text": "Renamed."}},
]

FIRST_ANSWERS: list[dict[str, Any]] = [
    {"prompt": "run which command", "pick": "improve <goal> [area=calc.py] [tone=brief]"},
    {"prompt": "improve · goal (What to improve)", "input": "make add() add"},
    {"prompt": "improve · area (Which file)", "default": True},
    {"prompt": "Step 'plan' (architect) is done", "pick": "Revise"},
    {"prompt": "What should 'plan' change?", "input": FEEDBACK},
    {"prompt": "Step 'plan' (architect) is done", "pick": "Approve"},
    # second run: the gate's picker is dismissed, so the run waits
    {"prompt": "Step 'plan' (architect) is done", "dismiss": True},
    {"prompt": "Step 'plan' (architect) is done", "dismiss": True},
    # third run
    {"prompt": "Step 'plan' (architect) is done", "pick": "Approve"},
]


def proposals(root: Path, run_id: str) -> list[tuple[str, list[str], list[str], str]]:
    return [
        (e["path"], e["accepted"], e["rejected"], e["outcome"])
        for e in load_run(root, run_id).events
        if e.get("type") == "proposal_decided"
    ]


def test_run_gates_review_cancel_and_a_pending_review(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    with ScriptedServer(FIRST_RUN + SECOND_RUN + THIRD_RUN) as model:
        seen = drive("review_session.lua", root, tmp_path, model.base_url, FIRST_ANSWERS)
        assert seen["errors"] == [], seen
        model.assert_no_failures()

    # the picker showed name, argument hint, description and source; the prompts asked
    # for the required arguments only, with description and default
    picker = seen["asked"][0]
    assert any(
        "improve <goal> [area=calc.py] [tone=brief] — Plan an improvement" in item
        and "[repository]" in item
        for item in picker["items"]
    ), picker
    assert seen["asked"][2]["items"] == ["calc.py"]
    assert [a["prompt"] for a in seen["asked"]].count("What should 'plan' change? ") == 1

    # progress: LspProgress (what fidget shows) and status() for the statusline
    messages = [p["message"] or "" for p in seen["progress"]]
    assert any("change (developer) 2/2" in m for m in messages), messages
    assert any("tokens" in m and "$" in m for m in messages), messages
    assert any("plan (architect) 1/2" in s for s in seen["status"]), seen["status"]
    assert any("waiting for your approval" in s for s in seen["status"]), seen["status"]

    # the review buffer: one section per file, one fold per hunk, marks shown
    lines = seen["review_lines"]
    assert any(line.startswith("calc.py · modify · 2 hunks") for line in lines), lines
    assert any(line.startswith("CHANGES.md · create · 1 hunk") for line in lines), lines
    assert "-    return a - b" in lines and "+    return a + b" in lines
    hunk_rows = [i for i, line in enumerate(lines) if line.startswith("@@ ")]
    assert len(hunk_rows) == 3
    folds = seen["review_folds"]
    assert all(folds[i] == 2 for i in hunk_rows), folds
    marked = seen["review_marked"]
    assert [line.rsplit(" · ", 1)[1] for line in marked if line.startswith("@@ ")] == [
        "accepted",
        "rejected",
        "accepted",
    ]
    assert seen["diff_windows"] == 2

    # disk, buffer and journal agree: h1 of calc.py landed and was saved, h2 did not
    first = seen["first_run"]
    assert seen["first_state"] == "finished"
    expected = CALC.replace("return a - b", "return a + b")
    assert (root / "calc.py").read_text() == expected
    assert seen["calc_buffer"] == expected.splitlines()
    assert seen["calc_modified"] is False
    assert (root / "CHANGES.md").read_text() == "- add() adds\n"
    decided = sorted(proposals(root, first))
    assert decided == [
        ("CHANGES.md", ["h1"], [], "applied"),
        ("calc.py", ["h1"], ["h2"], "applied"),
    ], decided

    # :Orchestra runs, log and context
    [listed] = [line for line in seen["runs"] if line.startswith(first)]
    [summary] = [r for r in list_runs(root) if r.run_id == first]
    assert "finished" in listed and "improve" in listed, listed
    assert f"${summary.cost_usd:.4f}" in listed, (listed, summary)
    # `p` on it opened its page: the server wrote it beside the journal, whole
    page = root / ".orchestra" / "runs" / first / "report.html"
    assert seen["opened"] == [str(page)]
    assert first in page.read_text(encoding="utf-8")
    log = "\n".join(seen["log"])
    assert "gate_decided       approve: revise by person · " + FEEDBACK in log, log
    assert "proposal_decided   calc.py: applied · accepted h1 · rejected h2" in log, log
    assert "    │ Fixed add(), clarified mean(), noted it." in log, log
    # a tool call's duration as the CLI prints it (durations.py), not raw milliseconds
    tools = [e for e in load_run(root, first).events if e["type"] == "tool_call_finished"]
    assert len(tools) == 3, tools
    for tool in tools:
        assert f"tool_call_finished edit {for_people(tool['duration_ms'])}: " in log, log
    assert seen["context"][0].startswith("Context of the last model call · improve · step change")
    assert any(line.strip().startswith("total") for line in seen["context"]), seen["context"]

    # a dismissed gate keeps waiting and says how to continue; :Orchestra stop ends the
    # run, and what a person reads says `stopped`, as the CLI does (the state stays
    # `cancelled` in the data)
    assert "waiting for your approval: :Orchestra continue" in seen["second_status"]
    asked_second = [a for a in seen["asked"] if a["prompt"].startswith("Step 'plan'")]
    assert len(asked_second) == 5  # revise, approve; dismissed twice (continue); third run
    assert "Plan: tidy." in asked_second[3]["floats"][0]  # the output beside the picker
    assert seen["second_state"] == "cancelled"
    assert {"message": "Orchestra: improve stopped", "level": 2} in seen["notified"]
    stopped = [line for line in seen["runs_after"] if " stopped " in line]
    assert {line.split()[0] for line in stopped} == {seen["second_run"], seen["third_run"]}
    assert not [line for line in seen["runs_after"] if "cancel" in line], seen["runs_after"]

    # q leaves the third run's proposal pending
    assert seen["third_closed"] is True
    assert "waiting for your review: :Orchestra review" in seen["third_status"]
    assert seen["third_review_left"] is False
    assert any(
        "review of run " + seen["third_run"] + " is withdrawn" in n["message"]
        for n in seen["notified"]
    )
