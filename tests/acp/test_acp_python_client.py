"""`orchestra acp` driven by the official Python SDK's client side: a whole gated,
editing command; bad input; a client that goes away mid-run."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from acp_helpers import (
    AGENT_COMMAND,
    SCRIPT,
    RecordingClient,
    agent_environment,
    journal_events,
    make_workspace,
)

from acp import PROTOCOL_VERSION, RequestError, spawn_agent_process, text_block
from orchestra_lsp.journal import is_run_id, load_run
from orchestra_lsp.testing import ScriptedServer

if TYPE_CHECKING:
    # Imported at run time, it warns that it is deprecated (for connect_to_agent).
    from acp import ClientSideConnection


@contextlib.asynccontextmanager
async def _agent(
    client: RecordingClient, root: Path, home: Path, script: list[Any]
) -> AsyncIterator[tuple[ClientSideConnection, asyncio.subprocess.Process, ScriptedServer]]:
    """`orchestra acp` spawned for `client` in `root`, the model scripted by `script`:
    the connection, the agent's process and the model, which stops after the agent."""
    with ScriptedServer(script) as server:
        env = agent_environment(home, server.base_url)
        async with spawn_agent_process(client.as_client(), *AGENT_COMMAND, env=env, cwd=root) as (
            conn,
            proc,
        ):
            yield conn, proc, server


async def test_a_gated_editing_command_end_to_end(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    client = RecordingClient(["approve", "allow_once"])
    async with _agent(client, root, tmp_path, SCRIPT) as (conn, _, server):
        init = await conn.initialize(protocol_version=PROTOCOL_VERSION)
        assert init.protocol_version == 1
        session = await conn.new_session(cwd=str(root), mcp_servers=[])
        answer = await asyncio.wait_for(
            conn.prompt(session_id=session.session_id, prompt=[text_block("/change greet")]),
            60,
        )
    server.assert_no_failures()
    assert answer.stop_reason == "end_turn"
    [announced] = [u for u in client.updates if u["sessionUpdate"] == "available_commands_update"]
    commands = {c["name"]: c for c in announced["availableCommands"]}
    assert commands["change"] == {
        "name": "change",
        "description": "Plan a greeting, then write it",
        "input": {"hint": "<goal>"},
    }
    assert "fix-diagnostic" in commands  # the built-in commands too
    assert "Change 'hi' to 'hello'." in client.text()
    plans = [u["entries"] for u in client.updates if u["sessionUpdate"] == "plan"]
    assert [e["content"] for e in plans[0]] == ["plan", "implement"]
    assert [e["status"] for e in plans[-1]] == ["completed", "completed"]
    edit_calls = [u for u in client.updates if u["sessionUpdate"] == "tool_call"]
    assert [c["kind"] for c in edit_calls] == ["edit", "edit"]  # the tool call, the review
    [diff] = edit_calls[1]["content"]
    assert diff == {
        "type": "diff",
        "path": "app.py",
        "oldText": "print('hi')\n",
        "newText": "print('hello')\n",
    }
    assert [ask[0].tool_call_id for ask in client.asks] == [
        "gate-plan",
        edit_calls[1]["toolCallId"],
    ]
    assert (root / "app.py").read_text() == "print('hello')\n"
    events = journal_events(root)
    gates = [(e["gate"], e["decision"], e["by"]) for e in events if e["type"] == "gate_decided"]
    assert gates[0] == ("approve", "approve", "person")
    [landed] = [e for e in events if e["type"] == "proposal_decided"]
    assert (landed["path"], landed["outcome"]) == ("app.py", "applied")
    assert events[-1]["type"] == "run_finished"


async def test_a_rejected_edit_leaves_the_disk_alone(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    client = RecordingClient(["approve", "reject_once"])
    async with _agent(client, root, tmp_path, SCRIPT) as (conn, _, _):
        await conn.initialize(protocol_version=PROTOCOL_VERSION)
        session = await conn.new_session(cwd=str(root), mcp_servers=[])
        await asyncio.wait_for(
            conn.prompt(session_id=session.session_id, prompt=[text_block("/change greet")]),
            60,
        )
    assert (root / "app.py").read_text() == "print('hi')\n"
    [decided] = [e for e in journal_events(root) if e["type"] == "proposal_decided"]
    assert decided["accepted"] == [] and decided["outcome"] == "rejected"


async def test_bad_input_gets_errors_not_a_crash(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    client = RecordingClient([])
    async with _agent(
        client,
        root,
        tmp_path,
        [{"expect": {"messages_contain": ["hi {{goal}}"]}, "reply": {"text": "Plain answer."}}],
    ) as (conn, _, server):
        await conn.initialize(protocol_version=PROTOCOL_VERSION)
        with pytest.raises(RequestError) as unknown:
            await conn._conn.send_request("orchestra/nosuch", {})
        assert unknown.value.code == -32601
        with pytest.raises(RequestError) as malformed:
            await conn._conn.send_request("session/new", {"cwd": 7})
        assert malformed.value.code == -32602
        with pytest.raises(RequestError):
            await conn.new_session(cwd="relative/path", mcp_servers=[])
        session = await conn.new_session(cwd=str(root), mcp_servers=[])
        unknown_command = await conn.prompt(
            session_id=session.session_id, prompt=[text_block("/nosuch x")]
        )
        assert unknown_command.stop_reason == "end_turn"
        assert "no command '/nosuch' (commands: /change, " in client.text()
        plain = await asyncio.wait_for(
            conn.prompt(session_id=session.session_id, prompt=[text_block("hi {{goal}}")]),
            60,
        )
        assert plain.stop_reason == "end_turn"
    server.assert_no_failures()
    assert "Plain answer." in client.text()
    [run] = [p for p in (root / ".orchestra" / "runs").iterdir() if p.is_dir()]
    assert load_run(root, run.name).summary.state == "finished"


async def test_a_client_that_goes_away_leaves_an_interrupted_run(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    asked = asyncio.Event()

    class GoesAway(RecordingClient):
        async def request_permission(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
            if len(self.asks) == 1:  # the review: vanish instead of answering
                asked.set()
                await asyncio.Event().wait()
            return await super().request_permission(*args, **kwargs)  # type: ignore[arg-type]

    client = GoesAway(["approve"])
    async with _agent(client, root, tmp_path, SCRIPT) as (conn, proc, _):
        await conn.initialize(protocol_version=PROTOCOL_VERSION)
        session = await conn.new_session(cwd=str(root), mcp_servers=[])
        prompt = asyncio.create_task(
            conn.prompt(session_id=session.session_id, prompt=[text_block("/change greet")])
        )
        await asyncio.wait_for(asked.wait(), 60)
        assert proc.stdin is not None
        proc.stdin.close()  # the client disappears
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        prompt.cancel()
    assert (root / "app.py").read_text() == "print('hi')\n"
    [run] = [p for p in (root / ".orchestra" / "runs").iterdir() if p.is_dir()]
    record = load_run(root, run.name)
    assert record.summary.state == "interrupted"
    assert record.changeset is not None  # the proposal is kept for `orchestra review`


async def test_session_cancel_stops_the_run_at_its_gate(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    asked = asyncio.Event()

    class Waits(RecordingClient):
        async def request_permission(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
            asked.set()
            await asyncio.Event().wait()  # the person never answers; the editor cancels

    client = Waits([])
    async with _agent(client, root, tmp_path, SCRIPT[:1]) as (conn, _, _):
        await conn.initialize(protocol_version=PROTOCOL_VERSION)
        session = await conn.new_session(cwd=str(root), mcp_servers=[])
        prompt = asyncio.create_task(
            conn.prompt(session_id=session.session_id, prompt=[text_block("/change greet")])
        )
        await asyncio.wait_for(asked.wait(), 60)
        await conn.cancel(session_id=session.session_id)
        answer = await asyncio.wait_for(prompt, 30)
    assert answer.stop_reason == "cancelled"
    assert (root / "app.py").read_text() == "print('hi')\n"
    [run] = [p for p in (root / ".orchestra" / "runs").iterdir() if p.is_dir()]
    assert load_run(root, run.name).summary.state == "cancelled"


async def test_a_policy_ask_carries_the_exact_arguments_and_allow_always_lasts_the_session(
    tmp_path: Path,
) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "agents" / "developer.md").write_text(
        "---\nname: developer\ndescription: D\ntools: [run_shell]\nmax_turns: 5\n---\nYou develop.\n"
    )
    shell = {"command": "touch made-by-shell"}
    other = {"command": "touch other-file"}
    script = [
        {"reply": {"tool_use": [{"name": "run_shell", "input": shell}]}},
        {"reply": {"tool_use": [{"name": "run_shell", "input": shell}]}},
        {"reply": {"tool_use": [{"name": "run_shell", "input": other}]}},
        {
            "expect": {"last_tool_result_contains": ["the person declined"]},
            "reply": {"text": "Done."},
        },
        # The next prompt of the same session: the remembered answer still holds.
        {"reply": {"tool_use": [{"name": "run_shell", "input": shell}]}},
        {"reply": {"text": "Again."}},
    ]
    client = RecordingClient(["allow_always", "reject_once"])
    async with _agent(client, root, tmp_path, script) as (conn, _, server):
        await conn.initialize(protocol_version=PROTOCOL_VERSION)
        session = await conn.new_session(cwd=str(root), mcp_servers=[])
        for text in ("make a file", "once more"):
            answer = await asyncio.wait_for(
                conn.prompt(session_id=session.session_id, prompt=[text_block(text)]), 60
            )
            assert answer.stop_reason == "end_turn"
    server.assert_no_failures()
    server.assert_all_consumed()
    # Asked once for `shell` (allowed always), once for `other` (other arguments).
    assert [call.raw_input for call, _ in client.asks] == [shell, other]
    [options, _] = [[o.option_id for o in options] for _, options in client.asks]
    assert options == ["allow_once", "allow_always", "reject_once", "reject_always"]
    assert (root / "made-by-shell").exists() and not (root / "other-file").exists()
    decided = []
    # In the order they started: two runs started within one second have ids that sort
    # by their random suffix.
    folders = (root / ".orchestra" / "runs").iterdir()
    runs = [load_run(root, p.name) for p in folders if is_run_id(p.name)]
    for record in sorted(runs, key=lambda r: r.summary.started_at):
        decided += [
            (e["verdict"], e["by"], e.get("always"))
            for e in record.events
            if e["type"] == "permission_decided"
        ]
    assert decided == [
        ("allow", "person", "chosen"),
        ("allow", "person", "applied"),
        ("deny", "person", None),
        ("allow", "person", "applied"),
    ]


def test_a_line_that_is_not_json_is_logged_in_one_line(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    initialize = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":1}}'
    done = subprocess.run(
        AGENT_COMMAND,
        input=f"not json\n{initialize}\n",
        cwd=root,
        env=agent_environment(tmp_path, "http://127.0.0.1:9"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert json.loads(done.stdout.splitlines()[-1])["result"]["protocolVersion"] == 1
    assert "Traceback" not in done.stderr and "(JSONDecodeError)" in done.stderr


def test_stdout_to_a_file_is_refused_in_one_line(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    with (tmp_path / "out").open("w") as out:
        done = subprocess.run(
            AGENT_COMMAND,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.PIPE,
            cwd=root,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.startswith("orchestra: `orchestra acp` talks ACP over pipes")
    assert "Traceback" not in done.stderr


async def test_loading_an_unknown_run_or_listing_from_a_bad_cursor_is_a_clear_error(
    tmp_path: Path,
) -> None:
    root = make_workspace(tmp_path / "ws")
    client = RecordingClient([])
    env = agent_environment(tmp_path, "http://127.0.0.1:9")
    async with spawn_agent_process(client.as_client(), *AGENT_COMMAND, env=env, cwd=root) as (
        conn,
        proc,
    ):
        await conn.initialize(protocol_version=PROTOCOL_VERSION)
        errors = {}
        for name, call in {
            "unknown run": conn.load_session(
                cwd=str(root), session_id="20990101-000000-abcdef", mcp_servers=[]
            ),
            "not a run id": conn.load_session(
                cwd=str(root), session_id="../../etc", mcp_servers=[]
            ),
            "elsewhere": conn.load_session(
                cwd=str(tmp_path / "missing"), session_id="x", mcp_servers=[]
            ),
            "word cursor": conn.list_sessions(cwd=str(root), cursor="next-please"),
            "negative cursor": conn.list_sessions(cwd=str(root), cursor="-50"),
        }.items():
            with pytest.raises(RequestError) as raised:
                await call
            errors[name] = (raised.value.code, json.dumps(raised.value.data))
        # The agent is still up: an empty workspace lists no sessions.
        listed = await conn.list_sessions(cwd=str(root))
        assert listed.sessions == [] and listed.next_cursor is None
        assert proc.stdin is not None
        proc.stdin.close()
        await asyncio.wait_for(proc.wait(), 30)
        assert proc.stderr is not None
        stderr = (await proc.stderr.read()).decode()
    assert {code for code, _ in errors.values()} == {-32602}
    assert "20990101-000000-abcdef" in errors["unknown run"][1]
    assert "sessionId" in errors["not a run id"][1]
    assert "next-please" in errors["word cursor"][1]
    assert "-50" in errors["negative cursor"][1]
    assert "Traceback" not in stderr
