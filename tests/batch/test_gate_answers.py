"""`orchestra run CMD --gate STEP=ANSWER`, as a real subprocess against the scripted
Messages API: gates answered in advance pass (or stop) without a person and are
journaled as answered by the preset, unanswered gates still stop the run (exit 3), and
a --gate naming no gate of the command is refused before anything starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import (
    SHOP_BASE,
    SHOP_EDIT,
    SHOP_EDITED,
    cli_env,
    command_file,
    orchestra,
    workspace,
)

from orchestra_lsp.cli.main import main
from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

TWO_GATES = command_file(
    [
        {"id": "design", "agent": "worker", "prompt": "Design it.", "gate": "approve"},
        {"id": "implement", "agent": "worker", "prompt": "Do it.", "gate": "review"},
        {"id": "summary", "agent": "worker", "prompt": "Sum up."},
    ]
)


def _script() -> list[dict[str, Any]]:
    return [
        {"reply": {"text": "The design: round the total."}},
        {"reply": {"tool_use": [SHOP_EDIT]}},
        {"reply": {"text": "Rounded."}},
        {"reply": {"text": "Done: the total is rounded."}},
    ]


def _gates(root: Path) -> list[dict[str, Any]]:
    [summary] = list_runs(root)
    return [e for e in load_run(root, summary.run_id).events if e["type"] == "gate_decided"]


def test_answered_gates_pass_and_are_journaled_as_preset(root: Path, config_home: Path) -> None:
    workspace(root, {"ship": TWO_GATES}, extra={"shop.py": SHOP_BASE})
    with ScriptedServer(_script()) as server:
        done = orchestra(
            root,
            server,
            config_home,
            "run",
            "ship",
            "--gate",
            "design=approve",
            "--gate",
            "implement=review:accept-all",
        )
    server.assert_no_failures()
    server.assert_all_consumed()
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "shop.py").read_text() == SHOP_EDITED  # accepted by the preset: landed
    gates = [(g["step_id"], g["gate"], g["decision"], g["by"], g["preset"]) for g in _gates(root)]
    assert gates == [
        ("design", "approve", "approve", "preset", "design=approve"),
        ("implement", "review", "approve", "preset", "implement=review:accept-all"),
    ]
    shown = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "show", "last"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "by preset --gate design=approve" in shown.stdout, shown.stdout


def test_a_gate_left_unanswered_stops_the_run_with_exit_3(root: Path, config_home: Path) -> None:
    workspace(root, {"ship": TWO_GATES}, extra={"shop.py": SHOP_BASE})
    with ScriptedServer(_script()[:3]) as server:
        done = orchestra(root, server, config_home, "run", "ship", "--gate", "design=approve")
    server.assert_no_failures()
    assert done.returncode == 3, done.stdout + done.stderr
    assert "the review of step 'implement' needs a person" in done.stdout
    assert (root / "shop.py").read_text() == SHOP_BASE
    [summary] = list_runs(root)
    assert summary.state == "cancelled" and summary.pending_proposal


def test_reject_all_and_stop_answers(root: Path, config_home: Path) -> None:
    workspace(root, {"ship": TWO_GATES}, extra={"shop.py": SHOP_BASE})
    with ScriptedServer(_script()) as server:
        done = orchestra(
            root,
            server,
            config_home,
            "run",
            "ship",
            "--yes",  # the preset wins over the policy
            "--apply",
            "--gate",
            "design=approve",
            "--gate",
            "implement=review:reject-all",
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "shop.py").read_text() == SHOP_BASE
    [decided] = [
        e
        for e in load_run(root, list_runs(root)[0].run_id).events
        if e["type"] == "proposal_decided"
    ]
    assert decided["outcome"] == "rejected"

    other = root.parent / "other"
    workspace(other, {"ship": TWO_GATES}, extra={"shop.py": SHOP_BASE})
    with ScriptedServer(_script()[:1]) as server:
        done = orchestra(
            other, server, config_home, "run", "ship", "--yes", "--gate", "design=stop"
        )
    server.assert_all_consumed()
    assert done.returncode == 3, done.stdout + done.stderr
    assert [g["by"] for g in _gates(other)] == ["preset"]


def test_a_gate_the_command_does_not_have_is_refused_before_the_run(
    root: Path,
    config_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """In this process (`main` is what the `orchestra` script calls), for speed."""
    workspace(root, {"ship": TWO_GATES}, extra={"shop.py": SHOP_BASE})
    cases = {
        ("desgin=approve",): "has no step 'desgin' (its gates: design (approve), "
        "implement (review), summary (review))",
        ("design=review:accept-all",): "has no review gate at step 'design'",
        ("implement=approve",): "has no approve gate at step 'implement'",
        ("design=yes",): "is not STEP=ANSWER with ANSWER one of approve, stop, "
        "review:accept-all, review:reject-all",
        ("design",): "is not STEP=ANSWER",
        ("design=approve", "design=stop"): "already answered (design=approve)",
    }
    monkeypatch.chdir(root)
    with ScriptedServer([]) as server:
        for key, value in cli_env(server.base_url, config_home).items():
            monkeypatch.setenv(key, value)
        for answers, expected in cases.items():
            words = [w for answer in answers for w in ("--gate", answer)]
            code = main(["run", "ship", *words])
            err = capsys.readouterr().err
            assert code == 2, (answers, err)
            assert expected in err, (answers, err)
    assert server.requests == []
    assert list_runs(root) == []  # nothing started, nothing journaled
