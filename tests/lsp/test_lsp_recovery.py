"""Recovery: a run interrupted before its review (the server died) has its proposal
offered again when the server starts, and the person's decisions are journaled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsp_helpers import make_workspace

from orchestra_lsp.changes import Changeset
from orchestra_lsp.journal import RunJournal, list_runs, load_run

BASE = "".join(f"line {n}\n" for n in range(1, 11))
PROPOSED = BASE.replace("line 3\n", "line three\n")


def interrupted_run(root: Path) -> str:
    """A journal as a killed server leaves it: steps begun, a proposal, no ending."""
    journal = RunJournal.start(root, "change", {})
    journal.append({"type": "step_started", "step_id": "implement", "agent": "coder"})
    changeset = Changeset()
    changeset.record_base("data.txt", BASE)
    changeset.propose("data.txt", PROPOSED)
    journal.write_changeset(changeset.model_dump(mode="json"))
    journal.close()  # closed without run_finished: interrupted
    return journal.run_id


async def test_pending_review_is_offered_again_on_start(tmp_path: Path, start: Any) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / "data.txt").write_text(BASE, encoding="utf-8")
    run_id = interrupted_run(root)
    [summary] = list_runs(root)
    assert summary.state == "interrupted" and summary.pending_proposal

    editor = await start(
        root, "vscode", env={"XDG_CONFIG_HOME": str(tmp_path / "config")}, answers=["Review now"]
    )
    finished = await editor.wait_event("run_finished")
    asked = editor.message_requests[0]
    assert run_id in asked.message and "interrupted" in asked.message
    assert (root / "data.txt").read_text(encoding="utf-8") == PROPOSED

    runs = {s.run_id: s for s in list_runs(root)}
    assert runs[run_id].pending_proposal is False
    recovery = runs[finished["run_id"]]
    assert recovery.command == f"review of {run_id}"
    decided = [e for e in load_run(root, recovery.run_id).events if e["type"] == "proposal_decided"]
    assert [(e["path"], e["accepted"], e["outcome"]) for e in decided] == [
        ("data.txt", ["h1"], "applied")
    ]
