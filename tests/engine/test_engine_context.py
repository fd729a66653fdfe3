"""Context budget and secrets: a step whose tool results would overflow
`context_budget_tokens` stays within it and its journaled manifests say what was cut;
the API key and the values of `env` in mcp.json never reach the journal or the logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import (
    RecordingFrontEnd,
    all_files_text,
    command_file,
    model_client,
    workspace,
)

from orchestra_lsp.context import count_tokens, message_tokens
from orchestra_lsp.engine import Engine, RunRequest
from orchestra_lsp.journal import REDACTED, load_run
from orchestra_lsp.llm import ModelClient
from orchestra_lsp.testing import ScriptedServer

ONE_STEP = command_file([{"id": "work", "agent": "worker", "prompt": "Read the four files."}])
BUDGET = 2000
TOOL_RESULT_CAP = 300


def _big(n: int) -> str:
    body = "".join(f"row {i}: the quick brown fox jumps over the lazy dog\n" for i in range(400))
    return f"BIG{n}-HEAD\n{body}BIG{n}-TAIL\n"


def _read(path: str) -> dict[str, Any]:
    return {"name": "read_file", "input": {"path": path}}


async def test_tool_results_are_cut_to_fit_the_budget_and_the_manifest_says_so(
    root: Path,
) -> None:
    workspace(
        root,
        {"work": ONE_STEP},
        config=f"context_budget_tokens = {BUDGET}\nmax_tool_result_tokens = {TOOL_RESULT_CAP}\n",
        extra={f"big{n}.txt": _big(n) for n in range(1, 5)},
    )
    script: list[dict[str, Any]] = [{"reply": {"tool_use": [_read("big1.txt")]}}]
    for n in range(2, 5):
        script.append(
            {
                "expect": {
                    "last_tool_result_contains": [f"BIG{n - 1}-HEAD", "cut"],
                    "prefix_unchanged": True,
                },
                "reply": {"tool_use": [_read(f"big{n}.txt")]},
            }
        )
    script.append(
        {
            "expect": {"last_tool_result_contains": ["BIG4-HEAD"], "prefix_unchanged": True},
            "reply": {"text": "Read them all."},
        }
    )
    frontend = RecordingFrontEnd(root)
    user_dir = root.parent / "user"
    user_dir.mkdir()
    with ScriptedServer(script) as server:
        engine = Engine(root, client=model_client(server), user_dir=user_dir)
        try:
            result = await engine.start(RunRequest(command="work"), frontend).wait()
        finally:
            await engine.aclose()
    server.assert_no_failures()
    server.assert_all_consumed()
    assert result.state == "finished", result.error

    # Each request the model got stays within the budget, by the engine's own count.
    bodies = [r.body for r in server.requests if r.body is not None]
    assert len(bodies) == 5
    for body in bodies:
        system = sum(count_tokens(block["text"]) for block in body["system"])
        conversation = sum(message_tokens(message) for message in body["messages"])
        assert system + conversation <= BUDGET, (system, conversation)
        assert not any(f"BIG{n}-TAIL".encode() in json.dumps(body).encode() for n in range(5))

    # The journaled manifests: one per model call, within budget, naming every cut.
    manifests = [
        e["manifest"] for e in load_run(root, result.run_id).events if e["type"] == "context"
    ]
    assert len(manifests) == 5
    for manifest in manifests:
        assert manifest["fits"] is True
        assert manifest["total_tokens"] <= manifest["budget_tokens"] == BUDGET
    last = manifests[-1]
    cut_results = [c for c in last["cuts"] if c["kind"] == "tool_result_cut"]
    assert {c["tool_name"] for c in cut_results} == {"read_file"}
    assert (
        len(cut_results)
        + sum(c["messages_dropped"] // 2 for c in last["cuts"] if c["kind"] == "turns_summarised")
        >= 4
    )
    for cut in cut_results:
        assert cut["tokens_after"] <= TOOL_RESULT_CAP < cut["tokens_before"]
        assert cut["tool_use_id"]


API_KEY_SECRET = "sk-ant-api03-DISTINCTIVE-engine-key-0x5eed"
ENV_SECRET = "s3cr3t-value-xyz"
HEADER_SECRET = "Bearer hdr-s3cr3t-9931"


async def test_secrets_reach_neither_journal_nor_logs(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mcp = {
        "mcpServers": {
            "tickets": {"command": "tickets-server", "env": {"TOKEN": ENV_SECRET}},
            "remote": {
                "type": "http",
                "url": "http://127.0.0.1:9/mcp",
                "headers": {"Authorization": HEADER_SECRET},
            },
        }
    }
    workspace(
        root,
        {"work": ONE_STEP},
        extra={".orchestra/mcp.json": json.dumps(mcp), "notes.txt": "hello\n"},
    )
    # A careless model repeats the secrets: in its text, in tool inputs, in an edit.
    leak = f"key {API_KEY_SECRET} token {ENV_SECRET} header {HEADER_SECRET}"
    script: list[dict[str, Any]] = [
        {
            "reply": {
                "text": f"I found {leak}.",
                "tool_use": [
                    _read(f"{ENV_SECRET}.txt"),
                    {
                        "name": "edit",
                        "input": {
                            "command": "create",
                            "path": "leak.txt",
                            "file_text": f"{leak}\n",
                        },
                    },
                ],
            }
        },
        {"reply": {"text": f"Done; remember {ENV_SECRET}."}},
    ]
    caplog.set_level(logging.DEBUG)
    frontend = RecordingFrontEnd(root, choose=lambda review: [])
    user_dir = root.parent / "user"
    user_dir.mkdir()
    with ScriptedServer(script) as server:
        client = model_client(server)
        client.api_key = API_KEY_SECRET
        engine = Engine(root, client=client, user_dir=user_dir)
        try:
            handle = engine.start(RunRequest(command="work"), frontend)
            result = await handle.wait()
        finally:
            await engine.aclose()
    server.assert_no_failures()
    assert result.state == "finished", result.error
    # The key really was sent to the (scripted) API: the test is not vacuous.
    sent = server.requests[0].headers
    assert API_KEY_SECRET in sent.get("x-api-key", sent.get("authorization", ""))

    journal_files = list(all_files_text(root / ".orchestra" / "runs"))
    assert journal_files, "the run wrote no journal"
    assert any(REDACTED in text for _, text in journal_files)  # it was there to redact
    for path, text in journal_files:
        for secret in (API_KEY_SECRET, ENV_SECRET, HEADER_SECRET):
            assert secret not in text, f"{secret!r} found in {path}"
    # Orchestra's own logs. (The SDK's DEBUG logs quote request bodies verbatim: a
    # front end that logs at DEBUG must attach journal.RedactingFilter to its handler.)
    ours = [r for r in caplog.records if r.name.startswith("orchestra_lsp")]
    for record in ours:
        message = record.getMessage()
        for secret in (API_KEY_SECRET, ENV_SECRET, HEADER_SECRET):
            assert secret not in message, f"{secret!r} logged by {record.name}: {message}"


async def test_shell_commands_do_not_see_the_api_key(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY_SECRET)
    workspace(root, {"work": ONE_STEP}, config='[permissions]\nallow = ["run_shell(env)"]\n')
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "run_shell", "input": {"command": "env"}}]}},
        {"expect": {"last_tool_result_contains": ["PATH="]}, "reply": {"text": "Seen."}},
    ]
    frontend = RecordingFrontEnd(root)
    user_dir = root.parent / "user"
    user_dir.mkdir()
    with ScriptedServer(script) as server:
        engine = Engine(root, client=ModelClient(base_url=server.base_url), user_dir=user_dir)
        try:
            result = await engine.start(RunRequest(command="work"), frontend).wait()
        finally:
            await engine.aclose()
    server.assert_no_failures()
    assert result.state == "finished", result.error
    for _, text in all_files_text(root / ".orchestra" / "runs"):
        assert API_KEY_SECRET not in text  # the journal is safe either way
    assert API_KEY_SECRET.encode() not in server.requests[1].raw
