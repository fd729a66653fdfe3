"""The model's faults are not trusted: a reply cut off at `max_tokens` never runs its
tool calls, and `max_turns` without an answer fails the run.

Each test runs `orchestra run` as a real subprocess (the CLI, the engine, the real
`anthropic` client) against the scripted Messages API server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine_helpers import SHOP_BASE, SHOP_EDIT, command_file, orchestra, workspace

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

CUT_EDIT = {
    "name": "edit",
    "input": {
        "command": "str_replace",
        "path": "shop.py",
        "old_str": "return sum(prices)",
        "new_str": "return round(sum(pr",  # what was left of it when the limit hit
    },
}
IMPLEMENT = command_file([{"id": "implement", "agent": "worker", "prompt": "Round the total."}])


def model_config(model: str, max_output_tokens: int) -> str:
    return f'[model]\nname = "{model}"\nmax_output_tokens = {max_output_tokens}\n'


def max_tokens_sent(server: ScriptedServer) -> list[Any]:
    return [r.body.get("max_tokens") for r in server.requests if r.body and "messages" in r.body]


def test_a_cut_tool_call_at_the_models_ceiling_is_never_run(root: Path, config_home: Path) -> None:
    """Haiku 3 accepts at most 4096 output tokens: no larger limit to retry with, so
    the cut `str_replace` is refused, the model is told, and nothing is written even
    with `--yes --apply`."""
    workspace(root, {"implement": IMPLEMENT}, extra={"shop.py": SHOP_BASE})
    (root / ".orchestra/config.toml").write_text(model_config("claude-3-haiku-20240307", 4096))
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [CUT_EDIT], "stop_reason": "max_tokens"}},
        {
            "expect": {"last_tool_result_contains": ["Not run", "max_tokens=4096"]},
            "reply": {"text": "The edit was too large; I stop here."},
        },
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, config_home, "run", "implement", "--yes", "--apply")
    server.assert_no_failures()
    server.assert_all_consumed()
    out = " ".join((done.stdout + done.stderr).split())  # rich wraps lines
    assert "Traceback" not in out
    assert (root / "shop.py").read_bytes() == SHOP_BASE.encode()
    assert "cut off at max_tokens=4096" in out and "the call was not run" in out, out
    assert max_tokens_sent(server) == [4096, 4096]
    # The call arrived cut off (its JSON stopped half-way), as the API sends it.
    second = server.requests[1].body
    assert second is not None
    [cut] = [b for b in second["messages"][1]["content"] if b["type"] == "tool_use"]
    assert cut["input"] != CUT_EDIT["input"] and "new_str" not in cut["input"], cut
    [summary] = list_runs(root)
    events = load_run(root, summary.run_id).events
    assert not [e for e in events if e.get("type") == "tool_call_started"]
    notices = [e["message"] for e in events if e.get("type") == "notice"]
    assert any("the call was not run" in n for n in notices), notices


def test_a_cut_reply_is_asked_again_with_a_larger_limit(root: Path, config_home: Path) -> None:
    """Sonnet 4.6 allows 64K: the cut reply is discarded unrun, the turn is asked again
    with four times the limit, and the whole edit that comes back lands."""
    workspace(root, {"implement": IMPLEMENT}, extra={"shop.py": SHOP_BASE})
    (root / ".orchestra/config.toml").write_text(model_config("claude-sonnet-4-6", 8192))
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [CUT_EDIT], "stop_reason": "max_tokens"}},
        {"reply": {"tool_use": [SHOP_EDIT]}},
        {"reply": {"text": "Rounded."}},
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, config_home, "run", "implement", "--yes", "--apply")
    server.assert_no_failures()
    out = " ".join((done.stdout + done.stderr).split())  # rich wraps lines
    assert done.returncode == 0, out
    assert max_tokens_sent(server) == [8192, 32768, 32768]
    # The retry sends the same conversation: the cut reply never joined it.
    first, retry = (r.body for r in server.requests[:2] if r.body)
    assert first is not None and retry is not None
    assert first["messages"] == retry["messages"]
    assert "asking again with max_tokens=32768" in out, out
    assert (root / "shop.py").read_text() == SHOP_BASE.replace(
        "return sum(prices)", "return round(sum(prices), 2)"
    )


def test_a_reply_cut_again_at_the_ceiling_is_not_run(root: Path, config_home: Path) -> None:
    """Retries stop at the model's ceiling (Haiku 3.5: 8192); the call cut there is
    reported, not run."""
    workspace(root, {"implement": IMPLEMENT}, extra={"shop.py": SHOP_BASE})
    (root / ".orchestra/config.toml").write_text(model_config("claude-3-5-haiku-20241022", 4000))
    cut = {"reply": {"tool_use": [CUT_EDIT], "stop_reason": "max_tokens"}}
    script: list[dict[str, Any]] = [cut, cut, {"reply": {"text": "Giving up."}}]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, config_home, "run", "implement", "--yes", "--apply")
    server.assert_no_failures()
    server.assert_all_consumed()
    assert max_tokens_sent(server) == [4000, 8192, 8192]
    assert (root / "shop.py").read_bytes() == SHOP_BASE.encode()
    assert "the call was not run" in " ".join((done.stdout + done.stderr).split())


def test_max_turns_without_an_answer_fails_the_run(root: Path, config_home: Path) -> None:
    agent = (root / ".orchestra/agents/looper.md", "looper")
    workspace(
        root,
        {"implement": command_file([{"id": "loop", "agent": "looper", "prompt": "Go."}])},
        extra={"shop.py": SHOP_BASE},
    )
    agent[0].write_text(
        "---\ndescription: loops\ntools: [read_file]\nmax_turns: 2\n---\nYou loop.\n"
    )
    read = {"name": "read_file", "input": {"path": "shop.py"}}
    with ScriptedServer([{"reply": {"tool_use": [read]}}] * 2) as server:
        done = orchestra(root, server, config_home, "run", "implement", "--yes")
    server.assert_no_failures()
    out = " ".join((done.stdout + done.stderr).split())  # rich wraps lines
    assert done.returncode == 1, out
    assert "max_turns (2) without a final answer" in out, out
    assert "Traceback" not in out
    [summary] = list_runs(root)
    assert summary.state == "failed"
    [failed] = [e for e in load_run(root, summary.run_id).events if e["type"] == "run_failed"]
    assert "max_turns" in failed["error"]


def test_a_step_may_go_on_after_max_turns(root: Path, config_home: Path) -> None:
    step = {"id": "loop", "agent": "looper", "prompt": "Go.", "on_max_turns": "continue"}
    workspace(root, {"implement": command_file([step])}, extra={"shop.py": SHOP_BASE})
    (root / ".orchestra/agents/looper.md").write_text(
        "---\ndescription: loops\ntools: [read_file]\nmax_turns: 2\n---\nYou loop.\n"
    )
    read = {"name": "read_file", "input": {"path": "shop.py"}}
    script = [
        {"reply": {"text": "Reading.", "tool_use": [read]}},
        {"reply": {"text": "Still reading.", "tool_use": [read]}},
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, config_home, "run", "implement", "--yes")
    server.assert_no_failures()
    out = " ".join((done.stdout + done.stderr).split())  # rich wraps lines
    assert done.returncode == 0, out
    assert "going on with its last text" in out
    [summary] = list_runs(root)
    finished = [e for e in load_run(root, summary.run_id).events if e["type"] == "step_finished"]
    assert json.dumps(finished[0]["output"]) == json.dumps("Still reading.")


def test_a_refused_reply_runs_nothing_and_fails_the_run(root: Path, config_home: Path) -> None:
    workspace(root, {"implement": IMPLEMENT}, extra={"shop.py": SHOP_BASE})
    script = [{"reply": {"text": "I can't", "tool_use": [SHOP_EDIT], "stop_reason": "refusal"}}]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, config_home, "run", "implement", "--yes", "--apply")
    server.assert_no_failures()
    out = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1, out
    assert "declined to go on (stop_reason: refusal)" in out, out
    assert (root / "shop.py").read_bytes() == SHOP_BASE.encode()


def test_a_larger_limit_the_api_refuses_leaves_the_cut_reply_unrun(
    root: Path, config_home: Path
) -> None:
    """The retry's larger limit is refused (400: prompt plus output past the context
    window): the cut reply is handled as cut, not as a failed run."""
    workspace(root, {"implement": IMPLEMENT}, extra={"shop.py": SHOP_BASE})
    (root / ".orchestra/config.toml").write_text(model_config("claude-sonnet-4-6", 8192))
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [CUT_EDIT], "stop_reason": "max_tokens"}},
        {"fault": {"status": 400, "consume": True, "message": "max_tokens too large"}},
        {
            "expect": {"last_tool_result_contains": ["Not run", "max_tokens=8192"]},
            "reply": {"text": "I will send smaller edits next time."},
        },
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, config_home, "run", "implement", "--yes", "--apply")
    server.assert_no_failures()
    server.assert_all_consumed()
    out = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 0, out
    assert max_tokens_sent(server) == [8192, 32768, 8192]
    assert "the call was not run" in out
    assert (root / "shop.py").read_bytes() == SHOP_BASE.encode()
