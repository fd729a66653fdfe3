"""`orchestra/undo` through the language server after a restart: a run landed two hunks
from the CLI (another process); the editor undoes one of them through the ordinary
review flow (applyEdit, hunk by hunk), and the undo run is journaled naming the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import make_workspace
from pygls.exceptions import JsonRpcException

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

API_KEY = "test-key-lsp-undo-1a2b3c4d"
LINES = [f"value_{n} = {n}\n" for n in range(10)]
BASE = "".join(LINES)
EDIT = """---
description: Change two lines
steps:
  - id: implement
    agent: coder
    prompt: Change lines 1 and 8.
---
"""


def _replace(n: int, new: str) -> dict[str, Any]:
    edit = {"command": "str_replace", "path": "values.py", "old_str": LINES[n], "new_str": new}
    return {"name": "edit", "input": edit}


def _landed_run(tmp_path: Path) -> tuple[Path, Path, str]:
    """A workspace in `tmp_path` whose `values.py` had lines 1 and 8 changed by a run of
    `edit2` landed by the CLI: (workspace, user config folder, the run's id)."""
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "config.toml").write_text('[model]\nname = "claude-sonnet-4-6"\n')
    (root / ".orchestra" / "commands" / "edit2.md").write_text(EDIT, encoding="utf-8")
    (root / "values.py").write_text(BASE, encoding="utf-8")
    config = tmp_path / "config"
    config.mkdir()
    script: list[dict[str, Any]] = [
        {
            "reply": {
                "tool_use": [_replace(1, "value_1 = 'one'\n"), _replace(8, "value_8 = 'eight'\n")]
            }
        },
        {"reply": {"text": "Done."}},
    ]
    with ScriptedServer(script) as model:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")},
            "ANTHROPIC_API_KEY": API_KEY,
            "ANTHROPIC_BASE_URL": model.base_url,
            "XDG_CONFIG_HOME": str(config),
        }
        done = subprocess.run(
            [sys.executable, "-m", "orchestra_lsp", "run", "edit2", "--yes", "--apply"],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    [summary] = list_runs(root)
    return root, config, summary.run_id


async def test_undo_one_hunk_of_two_in_the_editor(start: Any, tmp_path: Path) -> None:
    root, config, run_id = _landed_run(tmp_path)
    landed = BASE.replace(LINES[1], "value_1 = 'one'\n").replace(LINES[8], "value_8 = 'eight'\n")
    assert (root / "values.py").read_text(encoding="utf-8") == landed

    editor = await start(root, "vscode", env={"XDG_CONFIG_HOME": str(config)})
    editor.choose = lambda _annotation, edit: "value_8 = 8" in edit.new_text  # one hunk of two
    started = await editor.client.protocol.send_request_async(
        "orchestra/undo", {"runId": run_id, "file": "values.py"}
    )
    await editor.wait_event("run_finished", run_id=started.runId, timeout=60)
    with pytest.raises(JsonRpcException, match="landed no change"):
        await editor.client.protocol.send_request_async(
            "orchestra/undo", {"runId": run_id, "file": "elsewhere.py"}
        )

    assert (root / "values.py").read_text(encoding="utf-8") == BASE.replace(
        LINES[1], "value_1 = 'one'\n"
    )
    [undo] = [s for s in list_runs(root) if s.run_id == started.runId]
    assert undo.arguments == {"undoes": run_id, "file": "values.py"}
    decided = [e for e in load_run(root, undo.run_id).events if e["type"] == "proposal_decided"]
    assert [(e["path"], e["outcome"], len(e["accepted"])) for e in decided] == [
        ("values.py", "applied", 1)
    ]
    # the runs list says the run was undone in part, and by which run
    listed = await editor.client.protocol.send_request_async("orchestra/runs", {})
    undone = {r.runId: r.undone for r in listed.runs}
    assert undone[undo.run_id] is None
    assert undone[run_id].by == undo.run_id and undone[run_id].whole is False
    assert undone[run_id].label == f"in part (file values.py, some hunks left) by {undo.run_id}"


async def test_undo_meets_the_editor_s_unsaved_edits_not_the_disk(
    start: Any, tmp_path: Path
) -> None:
    root, config, run_id = _landed_run(tmp_path)
    landed = (root / "values.py").read_text(encoding="utf-8")

    editor = await start(root, "vscode", env={"XDG_CONFIG_HOME": str(config)})
    # unsaved in the editor: line 8 edited again (a conflict), line 3 (unrelated)
    unsaved = landed.replace("value_8 = 'eight'\n", "value_8 = 'EIGHT'\n")
    editor.open("values.py", unsaved.replace(LINES[3], "value_3 = 'unsaved'\n"))
    started = await editor.client.protocol.send_request_async("orchestra/undo", {"runId": run_id})
    await editor.wait_event("run_finished", run_id=started.runId, timeout=60)

    notices = [e["message"] for e in editor.events if e["type"] == "notice"]
    assert any("values.py: conflict: lines 9–9" in m for m in notices), notices
    buffer, _ = editor.buffers["values.py"]
    assert buffer == unsaved.replace(LINES[3], "value_3 = 'unsaved'\n").replace(
        "value_1 = 'one'\n", LINES[1]
    )
    assert (root / "values.py").read_text(encoding="utf-8") == landed  # nothing saved for them


async def test_an_undo_that_takes_nothing_back_opens_no_empty_report(
    start: Any, tmp_path: Path
) -> None:
    """Both landed lines were edited since: the undo takes nothing back, says why, and
    writes no report (an empty report.md opened over the editor's page of conflicts
    hid it)."""
    root, config, run_id = _landed_run(tmp_path)
    values = root / "values.py"
    values.write_text(
        values.read_text(encoding="utf-8").replace("'one'", "'ONE'").replace("'eight'", "'EIGHT'"),
        encoding="utf-8",
    )

    editor = await start(root, "vscode", env={"XDG_CONFIG_HOME": str(config)})
    started = await editor.client.protocol.send_request_async("orchestra/undo", {"runId": run_id})
    await editor.wait_event("run_finished", run_id=started.runId, timeout=60)

    notices = [e["message"] for e in editor.events if e["type"] == "notice"]
    assert len([m for m in notices if m.startswith("not undone: values.py: conflict")]) == 2
    [finished] = [e for e in editor.events if e["type"] == "run_finished"]
    assert finished["report"] is None, finished
    assert not (root / ".orchestra" / "runs" / started.runId / "report.md").exists()
    # showDocument comes before the run's end: none was sent
    assert editor.client.shown_documents == []


TWO_STEPS = """---
description: Change line 1, then check at length
steps:
  - id: implement
    agent: coder
    prompt: Change line 1.
    gate: review
  - id: check
    agent: coder
    prompt: Check it.
---
"""


async def test_a_run_still_going_is_not_undone_until_it_ends(start: Any, tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "config.toml").write_text('[model]\nname = "claude-sonnet-4-6"\n')
    (root / ".orchestra" / "commands" / "two.md").write_text(TWO_STEPS, encoding="utf-8")
    (root / "values.py").write_text(BASE, encoding="utf-8")
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [_replace(1, "value_1 = 'one'\n")]}},
        {"reply": {"text": "Changed."}},
        {"delay": 15, "reply": {"text": "Checked."}},  # the run is still going meanwhile
    ]
    env = {"ANTHROPIC_API_KEY": API_KEY, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    with ScriptedServer(script) as model:
        editor = await start(root, "vscode", env={**env, "ANTHROPIC_BASE_URL": model.base_url})
        started = await editor.client.protocol.send_request_async(
            "orchestra/run", {"command": "two", "arguments": {}}
        )
        run_id = str(started.runId)
        await editor.wait_event("step_started", run_id=run_id, step_id="check", timeout=60)
        assert "value_1 = 'one'" in (root / "values.py").read_text(encoding="utf-8")

        with pytest.raises(JsonRpcException, match="still running"):
            await editor.client.protocol.send_request_async("orchestra/undo", {"runId": run_id})

        await editor.client.protocol.send_request_async("orchestra/cancel", {"runId": run_id})
        await editor.wait_event("run_cancelled", run_id=run_id, timeout=30)
        undo = await editor.client.protocol.send_request_async("orchestra/undo", {"runId": run_id})
        await editor.wait_event("run_finished", run_id=undo.runId, timeout=60)
    assert (root / "values.py").read_text(encoding="utf-8") == BASE
