"""The review gate: some hunks accepted, some rejected, a new file rejected. The front
end returns the decisions and the engine lands what was accepted; afterwards the
disk, the journal's `proposal_decided` events and what the next step sees agree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine_helpers import RecordingFrontEnd, command_file, run_command, str_replace, workspace

from orchestra_lsp.changes import apply_hunks
from orchestra_lsp.engine import FileReview, RunRequest
from orchestra_lsp.journal import list_runs, load_run

LINES = [f"line {n}\n" for n in range(1, 31)]
BASE = "".join(LINES)

TWO_STEPS = command_file(
    [
        {"id": "implement", "agent": "worker", "prompt": "Change the file.", "gate": "review"},
        {"id": "check", "agent": "worker", "prompt": "Check what was kept."},
    ]
)


def _first_hunk_only(review: FileReview) -> list[str]:
    if review.path != "data.txt":
        return []  # the new file is rejected
    assert len(review.hunks) == 2
    return [min(review.hunks, key=lambda h: h.base_start).id]


async def test_partly_accepted_review_disk_and_journal_agree(root: Path) -> None:
    workspace(root, {"ship": TWO_STEPS}, extra={"data.txt": BASE})
    create = {
        "name": "edit",
        "input": {"command": "create", "path": "notes/new.md", "file_text": "# Notes\n"},
    }
    script: list[dict[str, Any]] = [
        {
            "reply": {
                "tool_use": [
                    str_replace("data.txt", "line 2\n", "line two (ACCEPTED-EDIT)\n"),
                    str_replace("data.txt", "line 28\n", "line twenty-eight (REJECTED-EDIT)\n"),
                    create,
                ]
            }
        },
        {"reply": {"text": "Two edits and a new file."}},
        {
            "name": "next step reads the file",
            "reply": {"tool_use": [{"name": "read_file", "input": {"path": "data.txt"}}]},
        },
        {
            "expect": {"last_tool_result_contains": ["ACCEPTED-EDIT", "line 28"]},
            "reply": {"text": "Only the first edit is in."},
        },
    ]
    frontend = RecordingFrontEnd(root, choose=_first_hunk_only)

    outcome = await run_command(root, script, RunRequest(command="ship"), frontend)

    assert outcome.result.state == "finished", outcome.result.error
    expected = BASE.replace("line 2\n", "line two (ACCEPTED-EDIT)\n")
    assert (root / "data.txt").read_text() == expected
    assert not (root / "notes").exists()

    # The review the front end got, and the decisions the journal kept, agree with disk.
    [request] = frontend.review_requests
    reviews = {f.path: f for f in request.files}
    assert set(reviews) == {"data.txt", "notes/new.md"}
    decided = {e["path"]: e for e in outcome.journal_of("proposal_decided")}
    assert set(decided) == set(reviews)
    data = decided["data.txt"]
    hunks = sorted(reviews["data.txt"].hunks, key=lambda h: h.base_start)
    assert (data["accepted"], data["rejected"]) == ([hunks[0].id], [hunks[1].id])
    assert data["outcome"] == "applied"
    assert apply_hunks(BASE, hunks, set(data["accepted"])) == expected
    new = decided["notes/new.md"]
    assert (new["accepted"], new["outcome"]) == ([], "rejected")
    assert len(new["rejected"]) == 1

    [ready] = outcome.journal_of("proposal_ready")
    assert {f["path"]: (f["kind"], f["hunks"]) for f in ready["files"]} == {
        "data.txt": ("modify", 2),
        "notes/new.md": ("create", 1),
    }
    [gate] = [e for e in outcome.journal_of("gate_decided") if e["gate"] == "review"]
    assert (gate["decision"], gate["by"]) == ("approve", "person")
    # Everything was decided: no pending changeset is left behind.
    assert load_run(root, outcome.result.run_id).changeset is None
    assert list_runs(root)[0].pending_proposal is False


async def test_everything_rejected_leaves_the_disk_alone(root: Path) -> None:
    workspace(root, {"ship": TWO_STEPS}, extra={"data.txt": BASE})
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [str_replace("data.txt", "line 5\n", "line five\n")]}},
        {"reply": {"text": "One edit."}},
        {"expect": {"messages_contain": ["Check what was kept."]}, "reply": {"text": "None."}},
    ]
    frontend = RecordingFrontEnd(root, choose=lambda review: [])

    outcome = await run_command(root, script, RunRequest(command="ship"), frontend)

    assert outcome.result.state == "finished", outcome.result.error
    assert (root / "data.txt").read_text() == BASE
    [decided] = outcome.journal_of("proposal_decided")
    assert (decided["accepted"], decided["outcome"]) == ([], "rejected")
    [gate] = [e for e in outcome.journal_of("gate_decided") if e["gate"] == "review"]
    assert gate["decision"] == "stop"
    assert load_run(root, outcome.result.run_id).changeset is None
