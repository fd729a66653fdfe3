"""When things go wrong: a run cancelled mid-stream and mid-tool, the cost cap, HTTP
429 then success, a stream cut mid-way (retried; and cut every time)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

from engine_helpers import (
    RecordingFrontEnd,
    command_file,
    model_client,
    run_command,
    workspace,
)

from orchestra_lsp.engine import ApprovalDecision, Engine, Event, RunRequest, RunResult
from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

ONE_STEP = command_file([{"id": "work", "agent": "worker", "prompt": "Do the work."}])
CREATE = {
    "name": "edit",
    "input": {"command": "create", "path": "new.txt", "file_text": "proposed\n"},
}
LONG_TEXT = " ".join(f"word{n}" for n in range(200))


async def _start_and_cancel_on(
    root: Path, script: list[dict[str, Any]], trigger: str | Path
) -> tuple[float, RunResult, RecordingFrontEnd, ScriptedServer]:
    """Start `work`, cancel it as soon as an event of type `trigger` arrives (or the file
    `trigger` appears); return how long the run took to end after the cancel, its
    result, the front end and the server."""
    seen = asyncio.Event()

    def watch(event: Event) -> None:
        if event.type == trigger:
            seen.set()

    async def poll(path: Path) -> None:
        while not path.exists():
            await asyncio.sleep(0.01)
        seen.set()

    frontend = RecordingFrontEnd(root, on_event=watch)
    user_dir = root.parent / "user"
    user_dir.mkdir(exist_ok=True)
    with ScriptedServer(script) as server:
        engine = Engine(root, client=model_client(server), user_dir=user_dir)
        try:
            handle = engine.start(RunRequest(command="work"), frontend)
            if isinstance(trigger, Path):
                await asyncio.wait_for(poll(trigger), 10)
            await asyncio.wait_for(seen.wait(), 10)
            cancelled_at = time.perf_counter()
            handle.cancel()
            result = await asyncio.wait_for(handle.wait(), 5)
            took = time.perf_counter() - cancelled_at
        finally:
            await engine.aclose()
    return took, result, frontend, server


async def test_cancel_mid_stream_ends_within_a_second_and_writes_nothing(root: Path) -> None:
    workspace(root, {"work": ONE_STEP})
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [CREATE]}},
        {"delay_between_events": 0.3, "reply": {"text": LONG_TEXT}},
    ]

    took, result, frontend, _ = await _start_and_cancel_on(root, script, "text_delta")

    assert took < 1.0, f"the run took {took:.2f}s to end after cancel"
    assert result.state == "cancelled"
    assert not (root / "new.txt").exists()
    [summary] = list_runs(root)
    assert summary.state == "cancelled"
    record = load_run(root, result.run_id)
    assert record.events[-1]["type"] == "run_cancelled"
    # What was proposed before the cancel is kept in the journal, not lost.
    assert record.changeset is not None
    assert "new.txt" in record.changeset["files"]
    assert frontend.events[-1].type == "run_cancelled"


async def test_cancel_reaches_a_running_tool(root: Path) -> None:
    workspace(root, {"work": ONE_STEP}, config='[permissions]\nallow = ["run_shell"]\n')
    # No redirection and no `$$`: the policy would ask about those, and nobody answers.
    command = (
        "python3 -c \"import os; open('shell.pid', 'w').write(str(os.getpid())); "
        "os.execvp('sleep', ['sleep', '30'])\""
    )
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "run_shell", "input": {"command": command}}]}},
        {"reply": {"text": "never reached"}},
    ]

    pid_file = root / "shell.pid"
    took, result, _, server = await _start_and_cancel_on(root, script, pid_file)

    assert took < 1.0, f"the run took {took:.2f}s to end after cancel"
    assert result.state == "cancelled"
    assert server.turns_served == 1
    deadline = time.monotonic() + 1
    await asyncio.sleep(0.05)  # the pid is written before `exec`
    pid = int(pid_file.read_text())
    while _alive(pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert not _alive(pid), "the shell command outlived the cancelled run"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not reaped) counts as gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


FIXED_USAGE = {
    "input_tokens": 1000,
    "output_tokens": 100,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
}


def _listing_turn() -> dict[str, Any]:
    return {"usage": FIXED_USAGE, "reply": {"tool_use": [{"name": "list_files", "input": {}}]}}


async def test_cost_cap_stops_an_unattended_run_with_a_clear_reason(root: Path) -> None:
    workspace(root, {"work": ONE_STEP}, config="max_cost_usd = 0.000001\n")
    frontend = RecordingFrontEnd(root)  # no approvals scripted: none may be asked

    outcome = await run_command(
        root, [_listing_turn()], RunRequest(command="work"), frontend, yes=True
    )

    assert outcome.result.state == "cancelled"
    reason = outcome.result.error or ""
    assert "past its cap" in reason and "max_cost_usd" in reason, reason
    assert frontend.approval_requests == []
    gates = [e for e in outcome.journal_of("gate_decided") if e["gate"] == "budget"]
    assert [(e["decision"], e["by"]) for e in gates] == [("stop", "automation")]
    assert outcome.journal()[-1]["type"] == "run_cancelled"
    assert "max_cost_usd" in outcome.journal()[-1]["reason"]


async def test_cost_cap_asks_the_person_when_attended(root: Path) -> None:
    workspace(root, {"work": ONE_STEP}, config="max_cost_usd = 0.000001\n")
    frontend = RecordingFrontEnd(
        root,
        approvals=[ApprovalDecision(decision="approve"), ApprovalDecision(decision="stop")],
    )
    script: list[dict[str, Any]] = [_listing_turn(), _listing_turn(), _listing_turn()]

    outcome = await run_command(root, script, RunRequest(command="work"), frontend)

    assert outcome.result.state == "cancelled"
    assert [r.gate for r in frontend.approval_requests] == ["budget", "budget"]
    first = frontend.approval_requests[0]
    assert "max_cost_usd" in first.message and first.step_id == "work"
    # Approved once, the cap doubles: the second turn fits, the third asks again.
    usage = outcome.journal_of("usage")
    assert len(usage) == 3
    gates = [e for e in outcome.journal_of("gate_decided") if e["gate"] == "budget"]
    assert [(e["decision"], e["by"]) for e in gates] == [("approve", "person"), ("stop", "person")]


async def test_rate_limited_then_success(root: Path) -> None:
    workspace(root, {"work": ONE_STEP})
    script: list[dict[str, Any]] = [
        {
            "fault": {"status": 429, "retry_after": 0.05, "times": 1},
            "reply": {"text": "Done after a wait."},
        }
    ]

    outcome = await run_command(root, script, RunRequest(command="work"))

    assert outcome.result.state == "finished", outcome.result.error
    assert outcome.result.output == "Done after a wait."
    assert len(outcome.bodies()) == 2
    assert outcome.bodies()[0] == outcome.bodies()[1]  # the same request, retried


async def test_rate_limited_every_time_fails_with_one_clear_line(root: Path) -> None:
    workspace(root, {"work": ONE_STEP})
    script: list[dict[str, Any]] = [
        {"fault": {"status": 429, "retry_after": 0, "times": 3, "consume": True}}
    ]

    outcome = await run_command(root, script, RunRequest(command="work"), max_retries=2)

    assert outcome.result.state == "failed"
    error = outcome.result.error or ""
    assert "\n" not in error and "Traceback" not in error
    assert "429" in error or "rate" in error.lower(), error
    [failed] = outcome.journal_of("run_failed")
    assert failed["error"] == error


async def test_stream_cut_mid_way_is_retried(root: Path) -> None:
    workspace(root, {"work": ONE_STEP})
    text = "The whole answer, in several words, arrives the second time."
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "list_files", "input": {}}]}},
        {
            "expect": {"prefix_unchanged": True},
            "fault": {"cut_after_events": 5, "times": 1},
            "reply": {"text": text},
        },
    ]

    outcome = await run_command(root, script, RunRequest(command="work"))

    assert outcome.result.state == "finished", outcome.result.error
    assert outcome.result.output == text
    [retry] = outcome.journal_of("model_retry")
    assert retry["step_id"] == "work" and retry["reason"]
    assert len(outcome.bodies()) == 3
    [finished] = outcome.journal_of("step_finished")
    assert finished["output"] == text and finished["turns"] == 2


async def test_stream_cut_every_time_fails_with_one_clear_line(root: Path) -> None:
    workspace(root, {"work": ONE_STEP})
    script: list[dict[str, Any]] = [
        {
            "fault": {"cut_after_events": 4, "times": 3, "consume": True},
            "reply": {"text": "never whole"},
        }
    ]

    outcome = await run_command(root, script, RunRequest(command="work"), max_retries=2)

    assert outcome.result.state == "failed"
    error = outcome.result.error or ""
    assert "\n" not in error and "Traceback" not in error
    assert "cut off" in error, error
    assert len(outcome.journal_of("model_retry")) == 2
    [failed] = outcome.journal_of("run_failed")
    assert failed["error"] == error
    assert list_runs(root)[0].state == "failed"
