"""Undo from Neovim (editors/nvim): a run landed by the CLI (another process, so the
Neovim's server knows it from the journal alone, no git) is taken back through
`:Orchestra undo RUN file=%`, `u` in `:Orchestra runs` and `:Orchestra undo`'s picker,
each reviewed in the review buffer; the person's later edits survive."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "undo"))
from landed_run import BASE, CREATED, LINES, land_change
from plugin_helpers import drive, environment, make_workspace

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

CHANGE = """---
description: Change two values and write notes
steps:
  - id: implement
    agent: developer
    prompt: Change values 1 and 8, and write notes.
---
"""


def _landed_run(root: Path, tmp: Path) -> str:
    """The CLI lands the run (another process: Neovim's server knows it from the journal)."""
    (root / ".orchestra" / "commands" / "change.md").write_text(CHANGE, encoding="utf-8")
    (root / "values.py").write_text(BASE, encoding="utf-8")
    return land_change(root, lambda url: environment(tmp, url))


def _line(lines: list[str], run_id: str) -> str:
    [line] = [line for line in lines if line.startswith(run_id)]
    return line


def test_undo_a_file_a_whole_run_and_an_undo_from_neovim(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    run_id = _landed_run(root, tmp_path)
    # the person edits line 1 again (the same lines: a conflict) and line 4 (unrelated)
    person = (root / "values.py").read_text()
    person = person.replace("value_1 = 'one'\n", "value_1 = 'ONE'\n")
    (root / "values.py").write_text(person.replace(LINES[4], "value_4 = 'mine'\n"))

    with ScriptedServer([]) as model:  # an undo asks no model
        seen = drive("undo_session.lua", root, tmp_path, model.base_url, [], ORCH_RUN=run_id)
    assert model.requests == []
    assert seen["errors"] == [] and seen["unused_answers"] == 0, seen

    first, second, third = seen["first"], seen["second"], seen["third"]
    assert seen["states"] == ["finished"] * 3, seen["states"]
    # 1. file=%: only values.py; line 8 offered, line 1 (edited since) said, not offered
    review = "\n".join(seen["first_review"])
    assert "-value_8 = 'eight'" in review and "+value_8 = 8" in review, review
    assert "value_1 " not in review and "notes.txt" not in review, review
    # what is left out is said atop the review
    assert "warning: not undone: values.py: conflict: lines 2–2" in review, review
    expected = BASE.replace(LINES[1], "value_1 = 'ONE'\n").replace(LINES[4], "value_4 = 'mine'\n")
    assert seen["values_buffer"] == expected.splitlines() and not seen["values_modified"]
    assert (root / "values.py").read_text() == expected
    assert "undone in part (file values.py, some hunks left) by " + first in _line(
        seen["runs_before"], run_id
    )
    # 2. `u` on the run: values.py's line 8 is back already; the created file is offered
    review = "\n".join(seen["second_review"])
    assert "notes.txt" in review and "value_8" not in review, review
    # 3. the undo of that undo restores the deleted file from the journal
    review = "\n".join(seen["third_review"])
    assert "notes.txt" in review and "+notes for the change" in review, review
    assert (root / "notes.txt").read_text() == CREATED
    assert (root / "values.py").read_text() == expected  # nothing of the person's lost
    assert "undone in part (some hunks left) by " + second in _line(seen["runs_after"], run_id)
    assert "undone whole by " + third in _line(seen["runs_after"], second)

    undoes = {s.run_id: s.arguments for s in list_runs(root) if "undoes" in s.arguments}
    assert undoes == {
        first: {"undoes": run_id, "file": "values.py"},
        second: {"undoes": run_id},
        third: {"undoes": second},
    }
    outcomes = {
        u: [
            (e["path"], e["outcome"])
            for e in load_run(root, u).events
            if e["type"] == "proposal_decided"
        ]
        for u in undoes
    }
    assert outcomes == {
        first: [("values.py", "applied")],
        second: [("notes.txt", "applied")],
        third: [("notes.txt", "applied")],
    }, json.dumps(outcomes)
