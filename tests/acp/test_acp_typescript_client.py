"""`orchestra acp` driven by a client on the official TypeScript SDK (a different
implementation from ours): a gated command with a reviewed edit, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from acp_helpers import SCRIPT, agent_environment, journal_events, make_workspace

from orchestra_lsp.testing import ScriptedServer

CLIENT = Path(__file__).parent / "ts" / "client.mjs"


def drive(root: Path, home: Path, base_url: str, prompts: list[str], answers: list[str]) -> dict:  # type: ignore[type-arg]
    env = {**agent_environment(home, base_url), "ANSWERS": json.dumps(answers)}
    done = subprocess.run(
        [
            "node",
            str(CLIENT),
            str(root),
            json.dumps(prompts),
            sys.executable,
            "-m",
            "orchestra_lsp",
            "acp",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict = json.loads(done.stdout)  # type: ignore[type-arg]
    return result


def test_the_typescript_client_runs_a_gated_command_with_a_reviewed_diff(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    with ScriptedServer(SCRIPT) as server:
        result = drive(
            root, tmp_path, server.base_url, ["/change greet"], ["approve", "allow_once"]
        )
    server.assert_no_failures()
    server.assert_all_consumed()
    assert result["init"]["protocolVersion"] == 1
    assert result["stops"] == ["end_turn"]
    updates = result["updates"]
    [announced] = [u for u in updates if u["sessionUpdate"] == "available_commands_update"]
    assert "change" in {c["name"] for c in announced["availableCommands"]}
    text = "".join(
        u["content"]["text"] for u in updates if u["sessionUpdate"] == "agent_message_chunk"
    )
    assert "Change 'hi' to 'hello'." in text
    assert any(u["sessionUpdate"] == "plan" for u in updates)
    calls = [u for u in updates if u["sessionUpdate"] == "tool_call"]
    review = calls[-1]
    assert review["kind"] == "edit"
    assert review["content"] == [
        {
            "type": "diff",
            "path": "app.py",
            "oldText": "print('hi')\n",
            "newText": "print('hello')\n",
        }
    ]
    finished = [
        u
        for u in updates
        if u["sessionUpdate"] == "tool_call_update" and u["toolCallId"] == review["toolCallId"]
    ]
    assert finished[-1]["status"] == "completed"
    assert [a["toolCallId"] for a in result["asks"]] == ["gate-plan", review["toolCallId"]]
    assert result["asks"][1]["options"] == ["allow_once", "reject_once"]
    assert (root / "app.py").read_text() == "print('hello')\n"
    events = journal_events(root)
    [landed] = [e for e in events if e["type"] == "proposal_decided"]
    assert (landed["path"], landed["outcome"]) == ("app.py", "applied")
    assert events[-1]["type"] == "run_finished"


def test_a_stop_at_the_gate_ends_the_run_and_writes_nothing(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    with ScriptedServer(SCRIPT[:1]) as server:
        result = drive(root, tmp_path, server.base_url, ["/change greet"], ["stop"])
    assert (root / "app.py").read_text() == "print('hi')\n"
    events = journal_events(root)
    [gate] = [e for e in events if e["type"] == "gate_decided"]
    assert (gate["decision"], gate["by"]) == ("stop", "person")
    assert events[-1]["type"] != "run_finished"
    assert result["stops"] == ["end_turn"]
