"""`orchestra run` as a real subprocess against the scripted server started here:
gates without a terminal, `--yes` with and without `--apply`, `--patch`, an unknown
command, and a process killed mid-run leaving a journal that can be recovered."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import (
    API_KEY,
    SHOP_BASE,
    SHOP_EDIT,
    SHOP_EDITED,
    RecordingFrontEnd,
    command_file,
    kill_at_request,
    orchestra,
    workspace,
)

from orchestra_lsp.engine import Engine, RunRequestError
from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

IMPLEMENT = command_file([{"id": "implement", "agent": "worker", "prompt": "Round the total."}])
DESIGN = command_file(
    [{"id": "design", "agent": "worker", "prompt": "Design it.", "gate": "approve"}]
)


def _edit_then_done() -> list[dict[str, Any]]:
    return [{"reply": {"tool_use": [SHOP_EDIT]}}, {"reply": {"text": "Rounded."}}]


def test_without_a_terminal_an_approve_gate_stops_with_a_clear_message(
    root: Path, config_home: Path
) -> None:
    workspace(root, {"design": DESIGN})
    with ScriptedServer([{"reply": {"text": "The design."}}]) as server:
        started = time.monotonic()
        done = orchestra(root, server, config_home, "run", "design", timeout=30)
    server.assert_no_failures()
    assert time.monotonic() - started < 30
    assert done.returncode != 0
    out = done.stdout + done.stderr
    assert "needs a person" in out and "--yes" in out, out
    assert "Traceback" not in out
    [summary] = list_runs(root)
    assert summary.state == "cancelled"


def test_yes_and_apply_writes_the_change(root: Path, config_home: Path) -> None:
    workspace(root, {"implement": IMPLEMENT}, extra={"shop.py": SHOP_BASE})
    with ScriptedServer(_edit_then_done()) as server:
        done = orchestra(root, server, config_home, "run", "implement", "--yes", "--apply")
    server.assert_no_failures()
    server.assert_all_consumed()
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "shop.py").read_text() == SHOP_EDITED
    [summary] = list_runs(root)
    [decided] = [
        e for e in load_run(root, summary.run_id).events if e["type"] == "proposal_decided"
    ]
    assert (decided["path"], decided["outcome"]) == ("shop.py", "applied")


def test_yes_alone_leaves_the_disk_alone_and_the_patch_holds_the_diff(
    root: Path, config_home: Path
) -> None:
    workspace(root, {"implement": IMPLEMENT}, extra={"shop.py": SHOP_BASE})
    patch = root.parent / "change.patch"
    with ScriptedServer(_edit_then_done()) as server:
        done = orchestra(
            root, server, config_home, "run", "implement", "--yes", "--patch", str(patch)
        )
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "shop.py").read_text() == SHOP_BASE
    diff = patch.read_text()
    assert "--- a/shop.py" in diff and "+++ b/shop.py" in diff
    assert "-    return sum(prices)" in diff
    assert "+    return round(sum(prices), 2)" in diff
    # The patch applies cleanly to the untouched file.
    check = subprocess.run(
        ["git", "apply", "--check", str(patch)], cwd=root, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    [summary] = list_runs(root)
    [decided] = [
        e for e in load_run(root, summary.run_id).events if e["type"] == "proposal_decided"
    ]
    assert decided["outcome"] == "pending"


def test_unknown_command_is_one_clear_line_and_exit_2(root: Path, config_home: Path) -> None:
    workspace(root, {"implement": IMPLEMENT})
    with ScriptedServer([]) as server:
        done = orchestra(root, server, config_home, "run", "nosuch")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "nosuch" in done.stderr and "Traceback" not in done.stderr
    assert server.requests == []
    assert list_runs(root) == []


def test_killed_process_leaves_an_interrupted_run_with_its_proposal(
    root: Path, config_home: Path
) -> None:
    workspace(root, {"implement": IMPLEMENT}, extra={"shop.py": SHOP_BASE})
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [SHOP_EDIT]}},
        {"name": "the model is slow", "delay": 60, "reply": {"text": "too late"}},
    ]
    with ScriptedServer(script) as server:
        kill_at_request(root, server, config_home, "run", "implement", "--yes", "--apply")
    server.assert_no_failures()

    [summary] = list_runs(root)
    assert summary.state == "interrupted"
    assert summary.pending_proposal is True
    record = load_run(root, summary.run_id)
    assert record.changeset is not None
    change = record.changeset["files"]["shop.py"]
    assert change["base_text"] == SHOP_BASE and change["proposed_text"] == SHOP_EDITED
    assert (root / "shop.py").read_text() == SHOP_BASE  # nothing written before review
    assert (
        API_KEY
        not in (root / ".orchestra" / "runs").joinpath(summary.run_id, "events.jsonl").read_text()
    )

    # The proposal is offered again: a review of its own, recorded in a new run.
    async def recover() -> None:
        engine = Engine(root, user_dir=config_home)
        frontend = RecordingFrontEnd(root)
        try:
            result = await engine.recover(summary.run_id, frontend).wait()
        finally:
            await engine.aclose()
        assert result.state == "finished", result.error
        [review] = frontend.review_requests
        assert [f.path for f in review.files] == ["shop.py"]

    asyncio.run(recover())
    assert (root / "shop.py").read_text() == SHOP_EDITED
    runs = {s.run_id: s for s in list_runs(root)}
    assert runs[summary.run_id].pending_proposal is False
    [recovery] = [s for s in runs.values() if s.run_id != summary.run_id]
    assert recovery.command == f"review of {summary.run_id}" and recovery.state == "finished"
    decided = [e for e in load_run(root, recovery.run_id).events if e["type"] == "proposal_decided"]
    assert [(e["path"], e["outcome"]) for e in decided] == [("shop.py", "applied")]
    with pytest.raises(RunRequestError, match="no proposal waiting"):
        Engine(root, user_dir=config_home).recover(summary.run_id, RecordingFrontEnd(root))
