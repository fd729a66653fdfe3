"""Run on several from Neovim (editors/nvim) in a real, headless Neovim 0.11:
`:Orchestra batch` asks for the command, the items and how many at a time, and its
buffer follows `orchestra/batchProgress` to the summary (states, verdicts, cost, run
ids); a batch typed whole whose gate nobody answers shows the item stopped and why;
`<CR>` on an item opens its run's log."""

from __future__ import annotations

import sys
from pathlib import Path

from orchestra_lsp.journal import load_run
from orchestra_lsp.testing import Script, ScriptedServer

sys.path.insert(0, str(Path(__file__).parent))
from plugin_helpers import drive, make_workspace

sys.path.insert(0, str(Path(__file__).parents[1] / "lsp"))
from lsp_helpers import add_ticket_check, verdict_turn


def test_run_on_several_from_neovim(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "agents").mkdir(exist_ok=True)
    add_ticket_check(root)
    script = Script.model_validate(
        {
            "concurrent": True,
            "turns": [
                verdict_turn("SHOP-1", "brief", "pass"),
                verdict_turn("SHOP-2", "brief", "fail"),
                verdict_turn("SHOP-3", "terse", "pass"),
                *(
                    {"expect": {"messages_contain": [f"Sign {ticket}."]}, "reply": {"text": "ok"}}
                    for ticket in ("SHOP-1", "SHOP-2", "SHOP-3")
                ),
            ],
        }
    )
    answers = [
        {"prompt": "Orchestra: run which command on several?", "pick": "check <ticket>"},
        {"prompt": "check · ticket of each item (comma-separated)", "input": "SHOP-1, SHOP-2"},
        {"prompt": "how many at a time", "input": "2"},
    ]
    with ScriptedServer(script) as model:
        seen = drive("batch_session.lua", root, tmp_path, model.base_url, answers)
        model.assert_no_failures()
        model.assert_all_consumed()
    assert seen["errors"] == [] and seen["unused_answers"] == 0, seen
    lines = seen["first_lines"]
    assert seen["first_shown"] and lines[0].startswith("Orchestra batch ")
    assert "check over ticket · 2 item(s)" in lines[0]
    rows = {line.split()[0]: line for line in lines if line.startswith("SHOP-")}
    assert rows["SHOP-1"].split()[1] == "stopped" and "check: pass" in rows["SHOP-1"]
    assert "check: fail" in rows["SHOP-2"]
    assert "done: 0 of 2 finished" in "\n".join(lines)
    assert any(line.startswith("summary: ") and line.endswith("summary.md") for line in lines)
    # the item stopped at the gate nobody answered, and the buffer says so
    assert "    stopped at the approve gate of step 'sign'" in lines
    notes = [n["message"] for n in seen["notified"]]
    assert any("batch check: 0 of 2 finished" in n for n in notes), notes
    # <CR> opened the item's run log; its journal is the item's run
    run_id = rows["SHOP-2"].split()[-1]
    assert seen["log_name"].endswith(run_id)
    assert load_run(root, run_id).summary.arguments == {"ticket": "SHOP-2", "tone": "brief"}
    second = seen["second_lines"]
    assert any(line.startswith("SHOP-3") and " stopped " in line for line in second), second
    assert "check" in seen["completion"]
