"""`orchestra acp` driven by a client on the official TypeScript SDK (a different
implementation from ours): a gated command with a reviewed edit, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from acp_helpers import EDIT, SCRIPT, agent_environment, journal_events, make_workspace

from orchestra_lsp.journal import is_run_id, load_run
from orchestra_lsp.testing import ScriptedServer

CLIENT = Path(__file__).parent / "ts" / "client.mjs"


def drive(
    root: Path,
    home: Path,
    script: list[Any],
    actions: list[Any],
    answers: list[str],
    feedback: list[str] | None = None,
    mcp: list[dict[str, Any]] | None = None,
    buffers: dict[str, str] | None = None,
    terminal: bool = False,
    typed: dict[str, str] | None = None,
    editor_env: dict[str, str] | None = None,
    acp_mcp: bool = False,
    consumed: bool = True,
) -> dict[str, Any]:
    """Run the client's actions (prompts, or {"list"|"load"|"mode"|"new": ...}) against
    a fresh `orchestra acp`, the model scripted by `script`; `feedback` makes the client
    offer elicitation forms. The model must have been asked nothing `script` does not
    expect and, with `consumed`, every turn of it. Returns what the client saw."""
    options = {
        "FEEDBACK": feedback,
        "MCP": mcp,
        "BUFFERS": buffers,
        "TERMINAL": 1 if terminal else None,
        "TYPED": typed,
        "ACP_MCP": 1 if acp_mcp else None,
    }
    with ScriptedServer(script) as server:
        env = {
            **agent_environment(home, server.base_url),
            **(editor_env or {}),
            "ANSWERS": json.dumps(answers),
            **{name: json.dumps(value) for name, value in options.items() if value is not None},
        }
        done = subprocess.run(
            [
                "node",
                str(CLIENT),
                str(root),
                json.dumps(actions),
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
    server.assert_no_failures()
    if consumed:
        server.assert_all_consumed()
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_typescript_client_runs_a_gated_command_with_a_reviewed_diff(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    result = drive(root, tmp_path, SCRIPT, ["/change greet"], ["approve", "allow_once"])
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
    result = drive(root, tmp_path, SCRIPT[:1], ["/change greet"], ["stop"], consumed=False)
    assert (root / "app.py").read_text() == "print('hi')\n"
    events = journal_events(root)
    [gate] = [e for e in events if e["type"] == "gate_decided"]
    assert (gate["decision"], gate["by"]) == ("stop", "person")
    assert events[-1]["type"] != "run_finished"
    assert result["stops"] == ["end_turn"]


def _run_ids(root: Path) -> list[str]:
    return sorted(p.name for p in (root / ".orchestra" / "runs").iterdir() if is_run_id(p.name))


def _updates(result: dict[str, Any], kind: str, action: int | None = None) -> list[dict[str, Any]]:
    return [
        u
        for u in result["updates"]
        if u["sessionUpdate"] == kind and (action is None or u["_action"] == action)
    ]


def _text(result: dict[str, Any], action: int | None = None) -> str:
    return "".join(u["content"]["text"] for u in _updates(result, "agent_message_chunk", action))


def test_a_finished_run_is_listed_loaded_replayed_and_undone_after_a_restart(
    tmp_path: Path,
) -> None:
    root = make_workspace(tmp_path / "ws")
    first = drive(
        root, tmp_path, SCRIPT, ["/change greet"], ["approve", "allow_once"], consumed=False
    )
    [usage, *_] = _updates(first, "usage_update")
    assert usage["size"] == 150_000 and usage["used"] > 0
    assert usage["cost"]["currency"] == "USD"
    assert (root / "app.py").read_text() == "print('hello')\n"
    [run_id] = _run_ids(root)
    # A new `orchestra acp` process: the run is known from the journal alone.
    second = drive(
        root,
        tmp_path,
        [],
        [{"list": True}, {"load": run_id}, "/undo"],
        ["allow_once"],
        consumed=False,
    )
    assert second["init"]["agentCapabilities"]["loadSession"] is True
    assert "list" in second["init"]["agentCapabilities"]["sessionCapabilities"]
    [listed] = second["results"][0]["sessions"]
    assert listed["sessionId"] == run_id
    assert listed["title"] == "/change greet (finished)"
    assert listed["cwd"] == str(root)
    loaded = second["results"][1]
    assert loaded["modes"]["currentModeId"] == "orchestration"
    # Every replayed update came before the load's answer.
    replayed = [u for u in second["updates"] if u["_action"] == 1]
    assert len(replayed) == loaded["updatesSoFar"] - len(_updates(second, "usage_update", 0))
    assert replayed[0] == {
        "sessionUpdate": "user_message_chunk",
        "content": {"type": "text", "text": "/change greet"},
        "_action": 1,
        "_session": run_id,
    }
    assert "Change 'hi' to 'hello'." in _text(second, 1)
    assert "[approve gate of plan: approve]" in _text(second, 1)
    assert _updates(second, "plan", 1)
    edits = [u for u in _updates(second, "tool_call", 1) if u["kind"] == "edit"]
    assert [e["title"] for e in edits][-1] == "Edit app.py (modify, 1 hunk(s))"
    outcome = [
        u
        for u in _updates(second, "tool_call_update", 1)
        if u["toolCallId"] == edits[-1]["toolCallId"]
    ]
    assert "app.py: " in outcome[-1]["content"][0]["content"]["text"]
    # `/undo` in the loaded session takes back what that run landed, after a review.
    assert second["stops"] == ["end_turn"]
    [undo_review] = _updates(second, "tool_call", 2)
    assert undo_review["content"][0]["oldText"] == "print('hello')\n"
    assert undo_review["content"][0]["newText"] == "print('hi')\n"
    assert (root / "app.py").read_text() == "print('hi')\n"
    assert len(_run_ids(root)) == 2


def test_revise_at_a_gate_takes_the_next_prompt_as_feedback(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    script = [
        SCRIPT[0],
        {
            "expect": {"messages_contain": ["make it louder"]},
            "reply": {"text": "Change 'hi' to 'HELLO'."},
        },
        *SCRIPT[1:],
    ]
    result = drive(
        root,
        tmp_path,
        script,
        ["/change greet", "make it louder"],
        ["revise", "approve", "allow_once"],
    )
    # The first turn ends asking for feedback; the second prompt is the feedback.
    assert result["stops"] == ["end_turn", "end_turn"]
    assert result["asks"][0]["options"] == ["approve", "revise", "stop"]
    assert "Your next message is the feedback." in _text(result, 0)
    assert "Change 'hi' to 'HELLO'." in _text(result, 1)
    [revised, approved] = [
        e for e in journal_events(root) if e["type"] == "gate_decided" and e["gate"] == "approve"
    ]
    assert (revised["decision"], revised["feedback"]) == ("revise", "make it louder")
    assert approved["decision"] == "approve"
    assert (root / "app.py").read_text() == "print('hello')\n"


def test_revise_asks_for_feedback_through_an_elicitation_form(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    script = [
        SCRIPT[0],
        {"expect": {"messages_contain": ["use a comma"]}, "reply": {"text": "Say 'hi, hello'."}},
    ]
    result = drive(
        root, tmp_path, script, ["/change greet"], ["revise", "stop"], feedback=["use a comma"]
    )
    assert result["stops"] == ["end_turn"]
    [form] = result["elicitations"]
    assert form["schema"]["required"] == ["feedback"]
    [revised, stopped] = [
        e for e in journal_events(root) if e["type"] == "gate_decided" and e["gate"] == "approve"
    ]
    assert (revised["decision"], revised["feedback"]) == ("revise", "use a comma")
    assert stopped["decision"] == "stop"


def test_automation_mode_passes_gates_and_lands_edits_by_policy(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    result = drive(
        root,
        tmp_path,
        SCRIPT,
        [{"new": True}, {"mode": "automation"}, "/change greet"],
        [],
        consumed=False,
    )
    assert [m["id"] for m in result["results"][0]["modes"]["availableModes"]] == [
        "orchestration",
        "automation",
        "plan",
    ]
    assert result["asks"] == []
    assert result["stops"] == ["end_turn"]
    assert (root / "app.py").read_text() == "print('hello')\n"
    [gate] = [
        e for e in journal_events(root) if e["type"] == "gate_decided" and e["gate"] == "approve"
    ]
    assert (gate["decision"], gate["by"]) == ("approve", "automation")


def test_the_clients_mcp_servers_join_the_workspaces_for_the_session(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "agents" / "developer.md").write_text(
        "---\nname: developer\ndescription: D\ntools: [mcp__editor__show]\n"
        "max_turns: 3\n---\nYou develop.\n"
    )
    server = Path(__file__).parents[1] / "mcp" / "servers" / "env_server.py"
    given = {
        "name": "editor",
        "command": sys.executable,
        "args": [str(server), "--from-zed"],
        "env": [{"name": "SEEN", "value": "set-by-the-client"}],
    }
    script = [
        {
            "expect": {"tools": ["mcp__editor__show"]},
            "reply": {"tool_use": [{"name": "mcp__editor__show", "input": {}}]},
        },
        {
            # The env value reached the server (unset, it would say None) and, as an
            # MCP server's env value, is a secret: redacted before the model sees it.
            "expect": {"last_tool_result_contains": ["--from-zed", "SEEN=[redacted]"]},
            "reply": {"text": "The editor's server answered."},
        },
    ]
    result = drive(root, tmp_path, script, ["show me"], ["allow_once"], mcp=[given])
    assert result["init"]["agentCapabilities"]["mcpCapabilities"] == {
        "http": True,
        "sse": True,
        "acp": True,
    }
    assert "The editor's server answered." in _text(result)
    [call] = [u for u in _updates(result, "tool_call") if u["title"].startswith("mcp__editor")]
    assert call["rawInput"] == {}


def test_an_allowed_edit_is_written_through_the_clients_fs(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    result = drive(
        root,
        tmp_path,
        SCRIPT,
        ["/change greet"],
        ["approve", "allow_once"],
        buffers={},
        consumed=False,
    )
    assert result["writes"] == [{"path": "app.py", "content": "print('hello')\n"}]
    assert (root / "app.py").read_text() == "print('hello')\n"
    [landed] = [e for e in journal_events(root) if e["type"] == "proposal_decided"]
    assert (landed["outcome"], landed["landed"]) == ("applied", landed["accepted"])


def test_the_tools_read_the_unsaved_buffer_and_the_edit_goes_back_into_it(
    tmp_path: Path,
) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / "notes.txt").write_text("saved notes\n")
    unsaved = "print('hi')  # typed, not saved\n"
    script = [
        SCRIPT[0],
        {"reply": {"tool_use": [{"name": "read_file", "input": {"path": "app.py"}}]}},
        {
            # The model sees what the person sees: the buffer, not the disk.
            "expect": {"last_tool_result_contains": ["# typed, not saved"]},
            "reply": {"tool_use": [{"name": "read_file", "input": {"path": "notes.txt"}}]},
        },
        {
            "expect": {"last_tool_result_contains": ["saved notes"]},
            "reply": {"tool_use": [{"name": "edit", "input": EDIT}]},
        },
        {"reply": {"text": "Done."}},
    ]
    result = drive(
        root,
        tmp_path,
        script,
        ["/change greet"],
        ["approve", "allow_once"],
        buffers={"app.py": unsaved},
    )
    assert {"app.py", "notes.txt"} <= set(result["reads"])
    # The proposal was made from the buffer, so it goes back into the buffer.
    [diff] = [
        c
        for u in _updates(result, "tool_call")
        if u["toolCallId"].startswith("review-")
        for c in u["content"]
    ]
    assert diff["oldText"] == unsaved
    expected = "print('hello')  # typed, not saved\n"
    assert result["writes"] == [{"path": "app.py", "content": expected}]
    [landed] = [e for e in journal_events(root) if e["type"] == "proposal_decided"]
    assert landed["outcome"] == "applied"


def test_an_edit_never_overwrites_what_was_typed_during_its_review(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    typed = "print('hi')\nprint('typed during the review')\n"
    result = drive(
        root,
        tmp_path,
        SCRIPT,
        ["/change greet"],
        ["approve", "allow_once"],
        buffers={},
        typed={"app.py": typed},
        consumed=False,
    )
    assert "app.py" in result["reads"] and result["writes"] == []
    assert (root / "app.py").read_text() == "print('hi')\n"
    [landed] = [e for e in journal_events(root) if e["type"] == "proposal_decided"]
    assert landed["outcome"] == "conflict"
    assert "unsaved changes" in landed["detail"]


def test_run_shell_runs_in_the_clients_terminal(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "agents" / "developer.md").write_text(
        "---\nname: developer\ndescription: D\ntools: [run_shell]\nmax_turns: 4\n---\nYou develop.\n"
    )
    first = {"command": "echo from-the-terminal; pwd; env > seen-env; exit 3"}
    slow = {"command": "sleep 30", "timeout": 1}
    script = [
        {"reply": {"tool_use": [{"name": "run_shell", "input": first}]}},
        {
            "expect": {
                "last_tool_result_contains": ["from-the-terminal", str(root), "exit code 3"]
            },
            "reply": {"tool_use": [{"name": "run_shell", "input": slow}]},
        },
        {
            "expect": {"last_tool_result_contains": ["timed out after 1 s"]},
            "reply": {"text": "Ran both."},
        },
    ]
    result = drive(
        root,
        tmp_path,
        script,
        ["run things"],
        ["allow_once", "allow_once"],
        terminal=True,
        # The editor's own environment (the agent inherits it) holds a token.
        editor_env={"EDITOR_SESSION_TOKEN": "tok-of-the-editor", "EDITOR_PLAIN": "kept"},
    )
    assert [(c["command"], c["args"][0], c["args"][-3:]) for c in result["commands"]] == [
        ("/usr/bin/env", "-i", ["/bin/sh", "-c", first["command"]]),
        ("/usr/bin/env", "-i", ["/bin/sh", "-c", slow["command"]]),
    ]
    # The command's environment is the scrubbed one, not the editor's.
    seen = (root / "seen-env").read_text()
    assert "tok-of-the-editor" not in seen and "EDITOR_SESSION_TOKEN" not in seen
    assert "sk-ant-test-not-used" not in seen
    assert "EDITOR_PLAIN=kept" in seen and f"HOME={tmp_path}" in seen
    assert {c["cwd"] for c in result["commands"]} == {str(root)}
    shell_calls = [u["toolCallId"] for u in _updates(result, "tool_call") if u["kind"] == "execute"]
    shown = [
        u
        for u in _updates(result, "tool_call_update")
        if u["toolCallId"] == shell_calls[0] and u.get("content")
    ]
    # The call shows the terminal while it runs, and keeps it once finished.
    assert shown[0]["content"] == [{"type": "terminal", "terminalId": "term-1"}]
    assert shown[-1]["status"] == "failed"
    assert shown[-1]["content"][0] == {"type": "terminal", "terminalId": "term-1"}


def test_plan_mode_proposes_and_writes_nothing_until_reviewed_in_another_mode(
    tmp_path: Path,
) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "agents" / "coder.md").write_text(
        "---\nname: coder\ndescription: C\ntools: [read_file, edit, run_shell]\n"
        "max_turns: 5\n---\nYou code.\n"
    )
    shell = {"command": "touch made-in-plan-mode"}
    script = [
        SCRIPT[0],
        {"reply": {"tool_use": [{"name": "run_shell", "input": shell}]}},
        {
            "expect": {"last_tool_result_contains": ["plan mode: nothing is written"]},
            "reply": {"tool_use": [{"name": "edit", "input": EDIT}]},
        },
        SCRIPT[2],
    ]
    result = drive(
        root,
        tmp_path,
        script,
        [
            {"new": True},
            {"mode": "plan"},
            "/change greet",
            {"mode": "orchestration"},
            "/review",
        ],
        ["approve", "allow_once", "allow_once"],
        buffers={},
    )
    assert "plan" in [m["id"] for m in result["results"][0]["modes"]["availableModes"]]
    # In plan mode: the gate asked, the diff shown, no ask for the edit, nothing written.
    plan_asks = [a["toolCallId"] for a in result["asks"]][:-1]
    assert plan_asks == ["gate-plan"]
    shown = [u for u in _updates(result, "tool_call", 2) if u["toolCallId"].startswith("review-")]
    assert shown[0]["content"][0]["newText"] == "print('hello')\n"
    assert not (root / "made-in-plan-mode").exists()
    first, review = _run_ids(root)
    planned = load_run(root, first)
    decided = [e for e in planned.events if e["type"] == "proposal_decided"]
    assert [(e["outcome"], e["detail"]) for e in decided] == [
        ("pending", "plan mode writes nothing")
    ]
    [denied] = [
        e for e in planned.events if e["type"] == "permission_decided" and e["verdict"] == "deny"
    ]
    assert denied["tool"] == "run_shell" and denied["reason"].startswith("plan mode")
    # `/review` in orchestration mode: asked once more, then it lands (through the editor).
    assert result["asks"][-1]["toolCallId"].startswith("review-")
    assert result["writes"] == [{"path": "app.py", "content": "print('hello')\n"}]
    [landed] = [e for e in load_run(root, review).events if e["type"] == "proposal_decided"]
    assert landed["outcome"] == "applied"


def test_plan_mode_allows_read_only_mcp_tools_only(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "agents" / "developer.md").write_text(
        "---\nname: developer\ndescription: D\ntools: [mcp__a__*]\nmax_turns: 5\n---\nYou develop.\n"
    )
    # The policy allows every tool of the server; plan mode still denies what writes.
    (root / ".orchestra" / "config.toml").write_text('[permissions]\nallow = ["mcp__a__*"]\n')
    server = Path(__file__).parents[1] / "mcp" / "servers" / "annotated_server.py"
    given = {"name": "a", "command": sys.executable, "args": [str(server)], "env": []}
    script = [
        {"reply": {"tool_use": [{"name": "mcp__a__peek", "input": {}}]}},
        {
            "expect": {"last_tool_result_contains": ["peeked"]},
            "reply": {"tool_use": [{"name": "mcp__a__tidy", "input": {}}]},
        },
        {
            "expect": {"last_tool_result_contains": ["plan mode: nothing is written"]},
            "reply": {"tool_use": [{"name": "mcp__a__plain", "input": {}}]},
        },
        {
            "expect": {"last_tool_result_contains": ["plan mode: nothing is written"]},
            "reply": {"text": "Looked only."},
        },
    ]
    result = drive(
        root, tmp_path, script, [{"new": True}, {"mode": "plan"}, "look around"], [], mcp=[given]
    )
    assert result["asks"] == []
    [run] = _run_ids(root)
    verdicts = [
        (e["tool"], e["verdict"])
        for e in load_run(root, run).events
        if e["type"] == "permission_decided"
    ]
    assert verdicts == [
        ("mcp__a__peek", "allow"),
        ("mcp__a__tidy", "deny"),
        ("mcp__a__plain", "deny"),
    ]


def test_an_mcp_server_inside_the_client_is_reached_over_acp(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "agents" / "developer.md").write_text(
        "---\nname: developer\ndescription: D\ntools: [mcp__editor__selection]\n"
        "max_turns: 3\n---\nYou develop.\n"
    )
    (root / ".orchestra" / "config.toml").write_text('[permissions]\nallow = ["mcp__editor__*"]\n')
    script = [
        {
            "expect": {"tools_exactly": ["mcp__editor__selection"]},
            "reply": {"tool_use": [{"name": "mcp__editor__selection", "input": {"wrap": "**"}}]},
        },
        {
            "expect": {"last_tool_result_contains": ["**selected-in-the-editor**"]},
            "reply": {"text": "The editor's own tool answered."},
        },
    ]
    result = drive(root, tmp_path, script, ["what is selected?"], [], acp_mcp=True)
    assert "The editor's own tool answered." in _text(result)
    methods = [r["method"] for r in result["mcpRequests"]]
    assert methods[0] == "server/discover" and "tools/call" in methods
    assert {r["protocolVersion"] for r in result["mcpRequests"]} == {"2026-07-28"}


def test_plan_mode_runs_no_command_line_and_tells_hooks_it_is_planning(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    # The command's own `allowed-tools` allow its line: only plan mode keeps it from running.
    (root / ".claude" / "commands").mkdir(parents=True)
    (root / ".claude" / "commands" / "stamp.md").write_text(
        "---\ndescription: Stamp\nallowed-tools: Bash(touch:*)\n---\n"
        "Stamp: !`touch stamped-in-plan-mode`\n"
    )
    record = "cat >> .claude/hooks-seen.jsonl && echo >> .claude/hooks-seen.jsonl"
    hook = [{"matcher": "", "hooks": [{"type": "command", "command": record}]}]
    (root / ".claude" / "settings.json").write_text(
        json.dumps({"hooks": {"UserPromptSubmit": hook}})
    )
    not_run = "Stamp: [`touch stamped-in-plan-mode` was not run: the run is in plan mode"
    script = [{"expect": {"messages_contain": [not_run]}, "reply": {"text": "Planned."}}]
    drive(root, tmp_path, script, [{"new": True}, {"mode": "plan"}, "/stamp"], [])
    assert not (root / "stamped-in-plan-mode").exists()
    seen = (root / ".claude" / "hooks-seen.jsonl").read_text().splitlines()
    assert [json.loads(line)["permission_mode"] for line in seen if line] == ["plan"]
    [denied] = [
        e
        for e in journal_events(root)
        if e["type"] == "permission_decided" and e["tool"] == "run_shell"
    ]
    assert denied["verdict"] == "deny" and "plan mode" in denied["reason"]
