"""The engine's side of review: the report says what landed and the next step's agent
hears which hunks were rejected (issue 11 case 8); a front end that goes away leaves
the run `interrupted` with its proposal; at recovery, hunks already on disk are
journaled `applied_outside_review` and not offered again."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine_helpers import (
    RecordingFrontEnd,
    command_file,
    model_client,
    run_command,
    str_replace,
    workspace,
)

from orchestra_lsp.changes import Changeset
from orchestra_lsp.engine import (
    Engine,
    FileReview,
    ReviewDecision,
    ReviewRequest,
    RunRequest,
    RunResult,
)
from orchestra_lsp.journal import RunJournal, list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

LINES = [f"line {n}\n" for n in range(1, 21)]
BASE = "".join(LINES)
TWO_STEPS = command_file(
    [
        {"id": "implement", "agent": "worker", "prompt": "Change the file.", "gate": "review"},
        {"id": "report", "agent": "worker", "prompt": "Report what you changed."},
    ]
)


def _second_hunk_rejected(review: FileReview) -> list[str]:
    return [review.hunks[0].id]


async def test_report_says_what_landed_and_the_next_step_hears_the_rejection(
    root: Path,
) -> None:
    workspace(root, {"ship": TWO_STEPS}, extra={"data.txt": BASE})
    script: list[dict[str, Any]] = [
        {
            "reply": {
                "tool_use": [
                    str_replace("data.txt", "line 2\n", "line two\n"),
                    str_replace(
                        "data.txt", "line 18\n", "line eighteen (made mean() say what it needs)\n"
                    ),
                ]
            }
        },
        {"reply": {"text": "Changed lines 2 and 18."}},
        {
            "name": "the reporting step is told the facts",
            "expect": {"messages_contain": ["data.txt: applied (accepted h1, rejected h2)"]},
            "reply": {"text": "I changed line 2 and made mean()'s error say what it needs."},
        },
    ]
    frontend = RecordingFrontEnd(root, choose=_second_hunk_rejected)

    outcome = await run_command(root, script, RunRequest(command="ship"), frontend)

    assert outcome.result.state == "finished", outcome.result.error
    assert (root / "data.txt").read_text() == BASE.replace("line 2\n", "line two\n")
    [finished] = outcome.journal_of("run_finished")
    report = Path(finished["report"]).read_text()
    assert report.startswith("I changed line 2")
    what = report.split("## What landed", 1)[1]
    assert "`data.txt`: outcome `applied`; accepted h1; rejected h2" in what


@dataclass
class VanishingFrontEnd(RecordingFrontEnd):
    """A front end that never answers the review (the editor went away meanwhile);
    `reviewing` is set once it is asked."""

    reviewing: asyncio.Event = field(default_factory=asyncio.Event)

    async def review(self, request: ReviewRequest, changeset: Changeset) -> ReviewDecision:
        self.reviewing.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


def _one_edit_unanswered(root: Path) -> tuple[list[dict[str, Any]], VanishingFrontEnd]:
    """The ship command's workspace, a model whose one edit goes to review, and a front
    end that never answers the review."""
    workspace(root, {"ship": TWO_STEPS}, extra={"data.txt": BASE})
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [str_replace("data.txt", "line 2\n", "line two\n")]}},
        {"reply": {"text": "Changed."}},
    ]
    return script, VanishingFrontEnd(root)


async def test_a_front_end_that_goes_away_leaves_the_run_interrupted(root: Path) -> None:
    script, frontend = _one_edit_unanswered(root)
    with ScriptedServer(script) as server:
        engine = Engine(root, client=model_client(server), user_dir=root.parent / "user")
        handle = engine.start(RunRequest(command="ship"), frontend)
        await asyncio.wait_for(frontend.reviewing.wait(), 60)
        await engine.aclose()  # the server shuts down: nobody cancelled the run
        result = await handle.wait()
    assert result.state == "interrupted"
    [summary] = list_runs(root)
    assert (summary.state, summary.pending_proposal) == ("interrupted", True)
    events = [e["type"] for e in load_run(root, summary.run_id).events]
    assert "run_cancelled" not in events and "proposal_decided" not in events
    assert (root / "data.txt").read_text() == BASE


async def test_a_person_cancelling_is_cancelled_not_interrupted(root: Path) -> None:
    script, frontend = _one_edit_unanswered(root)
    with ScriptedServer(script) as server:
        engine = Engine(root, client=model_client(server), user_dir=root.parent / "user")
        try:
            handle = engine.start(RunRequest(command="ship"), frontend)
            await asyncio.wait_for(frontend.reviewing.wait(), 60)
            handle.cancel()
            result = await handle.wait()
        finally:
            await engine.aclose()
    assert result.state == "cancelled"
    [summary] = list_runs(root)
    assert summary.state == "cancelled"


def _interrupted(root: Path, proposed: str) -> str:
    journal = RunJournal.start(root, "ship", {})
    journal.append({"type": "step_started", "step_id": "implement", "agent": "worker"})
    changeset = Changeset()
    changeset.record_base("data.txt", BASE)
    changeset.propose("data.txt", proposed)
    journal.write_changeset(changeset.model_dump(mode="json"))
    journal.close()
    return journal.run_id


async def _recover(root: Path, run_id: str, frontend: RecordingFrontEnd) -> RunResult:
    """The interrupted run `run_id` recovered by a new engine, reviewed by `frontend`."""
    engine = Engine(root, user_dir=root.parent / "user")
    try:
        return await engine.recover(run_id, frontend).wait()
    finally:
        await engine.aclose()


async def test_recovery_records_hunks_already_on_disk_as_applied_outside_review(
    root: Path,
) -> None:
    workspace(root, {"ship": TWO_STEPS}, extra={"data.txt": BASE})
    proposed = BASE.replace("line 2\n", "line two\n").replace("line 18\n", "line eighteen\n")
    run_id = _interrupted(root, proposed)
    # The person had applied the first hunk by hand (or an editor did, unrecorded).
    (root / "data.txt").write_text(BASE.replace("line 2\n", "line two\n"))
    frontend = RecordingFrontEnd(root)
    result = await _recover(root, run_id, frontend)
    assert result.state == "finished", result.error
    assert (root / "data.txt").read_text() == proposed
    decided = [e for e in load_run(root, result.run_id).events if e["type"] == "proposal_decided"]
    assert [(d["outcome"], d["landed"]) for d in decided] == [
        ("applied_outside_review", ["h1"]),
        ("applied", ["h1", "h2"]),
    ]
    assert not {s.run_id: s for s in list_runs(root)}[run_id].pending_proposal


async def test_recovery_of_a_change_found_whole_on_disk_asks_nobody(root: Path) -> None:
    workspace(root, {"ship": TWO_STEPS}, extra={"data.txt": BASE})
    proposed = BASE.replace("line 2\n", "line two\n")
    run_id = _interrupted(root, proposed)
    (root / "data.txt").write_text(proposed)
    frontend = RecordingFrontEnd(root)
    result = await _recover(root, run_id, frontend)
    assert result.state == "finished", result.error
    assert frontend.review_requests == []
    decided = [e for e in load_run(root, result.run_id).events if e["type"] == "proposal_decided"]
    assert [d["outcome"] for d in decided] == ["applied_outside_review"]
