"""Tool calls inside a step: the built-in tools on the run's view of the workspace, the
permission policy (deny, ask answered by the front end, automation refusing asks),
`ask_user`, and paths that try to leave the workspace. What the model is told comes
back in its next request, which the scripted server checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine_helpers import RecordingFrontEnd, command_file, run_command, workspace, write_files

from orchestra_lsp.engine import Event, RunRequest

CART = "def add_item(cart, item):\n    cart.append(item)\n    return cart\n"
ONE_STEP = command_file([{"id": "work", "agent": "worker", "prompt": "Do the work."}])


def _tool(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "input": arguments}


def _tool_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    last = body["messages"][-1]
    assert last["role"] == "user" and isinstance(last["content"], list)
    return [block for block in last["content"] if block.get("type") == "tool_result"]


def _text(result: dict[str, Any]) -> str:
    content = result["content"]
    return content if isinstance(content, str) else json.dumps(content)


async def test_read_search_list_and_edit_reach_the_model_and_edits_wait_for_review(
    root: Path,
) -> None:
    workspace(
        root,
        {"work": ONE_STEP},
        extra={"src/cart.py": CART, "README.md": "# Shop\n", "build/junk.txt": "x\n"},
    )
    write_files(root, {".gitignore": "build/\n"})
    script: list[dict[str, Any]] = [
        {
            "name": "read and list in one turn",
            "expect": {"tools": ["read_file", "search", "list_files", "edit"]},
            "reply": {
                "text": "Let me look.",
                "tool_use": [_tool("read_file", path="src/cart.py"), _tool("list_files")],
            },
        },
        {
            "expect": {
                "messages_contain": ["def add_item(cart, item)", "README.md", "src/cart.py"],
                "prefix_unchanged": True,
            },
            "reply": {"tool_use": [_tool("search", pattern=r"cart\.append")]},
        },
        {
            "expect": {"last_tool_result_contains": ["src/cart.py:2:"], "prefix_unchanged": True},
            "reply": {
                "tool_use": [
                    _tool(
                        "edit",
                        command="str_replace",
                        path="src/cart.py",
                        old_str="    cart.append(item)\n",
                        new_str="    if item not in cart:\n        cart.append(item)\n",
                    )
                ]
            },
        },
        {
            "expect": {"prefix_unchanged": True},
            "reply": {"tool_use": [_tool("read_file", path="src/cart.py")]},
        },
        {
            "name": "the run's view shows its own edit",
            "expect": {
                "last_tool_result_contains": ["if item not in cart:"],
                "prefix_unchanged": True,
            },
            "reply": {"text": "Made add_item idempotent."},
        },
    ]
    on_disk_at_review: list[str] = []

    def watch(event: Event) -> None:
        if event.type == "proposal_ready":
            on_disk_at_review.append((root / "src/cart.py").read_text())

    frontend = RecordingFrontEnd(root, on_event=watch)
    outcome = await run_command(root, script, RunRequest(command="work"), frontend)

    assert outcome.result.state == "finished", outcome.result.error
    assert on_disk_at_review == [CART]  # proposed, not written, until the review
    assert "if item not in cart:" in (root / "src/cart.py").read_text()
    list_result = _text(_tool_results(outcome.bodies()[1])[1])
    assert "build/junk.txt" not in list_result  # .gitignore honoured
    finished = frontend.of_type("tool_call_finished")
    assert [e.tool for e in finished] == ["read_file", "list_files", "search", "edit", "read_file"]
    assert not any(e.is_error for e in finished)
    assert all(e.duration_ms >= 0 for e in finished)
    decided = outcome.journal_of("permission_decided")
    assert {(e["tool"], e["verdict"], e["by"]) for e in decided} == {
        (tool, "allow", "policy") for tool in ("read_file", "list_files", "search", "edit")
    }


async def test_denied_tool_is_not_called_and_the_model_is_told_why(root: Path) -> None:
    workspace(
        root,
        {"work": ONE_STEP},
        config='[permissions]\ndeny = ["run_shell(rm *)"]\n',
        extra={"src/cart.py": CART},
    )
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [_tool("run_shell", command="rm -rf src")]}},
        {
            "expect": {
                "last_tool_result_contains": ["was not made", "run_shell(rm *)"],
                "prefix_unchanged": True,
            },
            "reply": {"text": "I may not delete files here."},
        },
    ]
    frontend = RecordingFrontEnd(root)  # a permission request would fail the test

    outcome = await run_command(root, script, RunRequest(command="work"), frontend)

    assert outcome.result.state == "finished", outcome.result.error
    assert (root / "src/cart.py").read_text() == CART
    [result] = _tool_results(outcome.bodies()[1])
    assert result.get("is_error") is True
    [decided] = outcome.journal_of("permission_decided")
    assert decided["verdict"] == "deny" and decided["rule"] == "run_shell(rm *)"
    assert decided["by"] == "policy"
    assert frontend.permission_requests == []


async def test_ask_goes_to_the_front_end_and_a_no_is_honoured(root: Path) -> None:
    workspace(root, {"work": ONE_STEP})
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [_tool("run_shell", command="touch declined.txt")]}},
        {
            "expect": {"last_tool_result_contains": ["was not made", "declined"]},
            "reply": {"tool_use": [_tool("run_shell", command="touch allowed.txt")]},
        },
        {
            "expect": {"last_tool_result_contains": ["exit"]},
            "reply": {"text": "One file made."},
        },
    ]
    frontend = RecordingFrontEnd(root, permissions=[False, True])

    outcome = await run_command(root, script, RunRequest(command="work"), frontend)

    assert outcome.result.state == "finished", outcome.result.error
    assert not (root / "declined.txt").exists()
    assert (root / "allowed.txt").exists()
    assert [r.arguments for r in frontend.permission_requests] == [
        {"command": "touch declined.txt"},
        {"command": "touch allowed.txt"},
    ]
    assert [e["arguments"] for e in outcome.journal_of("permission_asked")] == [
        {"command": "touch declined.txt"},
        {"command": "touch allowed.txt"},
    ]
    decided = outcome.journal_of("permission_decided")
    assert [(e["verdict"], e["by"]) for e in decided] == [("deny", "person"), ("allow", "person")]


async def test_automation_mode_refuses_asks_without_asking_anyone(root: Path) -> None:
    automated = command_file(
        [{"id": "work", "agent": "worker", "prompt": "Do the work."}], mode="automation"
    )
    workspace(root, {"work": automated})
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [_tool("run_shell", command="touch unattended.txt")]}},
        {
            "expect": {"last_tool_result_contains": ["was not made", "unattended"]},
            "reply": {"text": "Could not run it."},
        },
    ]
    frontend = RecordingFrontEnd(root)  # any question to a person would fail the test

    outcome = await run_command(root, script, RunRequest(command="work"), frontend)

    assert outcome.result.state == "finished", outcome.result.error
    assert not (root / "unattended.txt").exists()
    assert frontend.permission_requests == []
    [decided] = outcome.journal_of("permission_decided")
    assert (decided["verdict"], decided["by"]) == ("deny", "automation")
    assert outcome.journal_of("permission_asked") == []
    offered = {tool["name"] for tool in outcome.bodies()[0]["tools"]}
    assert "ask_user" not in offered and "run_shell" in offered


async def test_ask_user_reaches_the_person_and_the_answer_the_model(root: Path) -> None:
    workspace(root, {"work": ONE_STEP})
    question = {"question": "Which currency?", "choices": ["EUR", "USD"]}
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [_tool("ask_user", **question)]}},
        {
            "expect": {"last_tool_result_contains": ["USD"], "prefix_unchanged": True},
            "reply": {"text": "Using USD."},
        },
    ]
    frontend = RecordingFrontEnd(root, answers=["USD"])

    outcome = await run_command(root, script, RunRequest(command="work"), frontend)

    assert outcome.result.state == "finished", outcome.result.error
    [asked] = frontend.questions
    assert (asked.question, asked.choices) == ("Which currency?", ["EUR", "USD"])


async def test_paths_leaving_the_workspace_are_tool_errors_and_nothing_is_read(
    root: Path,
) -> None:
    secret = "TOP-SECRET-OUTSIDE-4417"
    (root.parent / "secret").write_text(secret + "\n")
    workspace(root, {"work": ONE_STEP}, extra={"src/cart.py": CART})
    (root / "src" / "link").symlink_to(root.parent)
    script: list[dict[str, Any]] = [
        {
            "reply": {
                "tool_use": [
                    _tool("read_file", path="../secret"),
                    _tool("read_file", path=str(root.parent / "secret")),
                    _tool("read_file", path="src/link/secret"),
                    _tool("search", pattern="TOP-SECRET", path=".."),
                    _tool("edit", command="create", path="../planted.txt", file_text="x\n"),
                ]
            }
        },
        {
            "expect": {"messages_contain": ["outside the workspace"], "prefix_unchanged": True},
            "reply": {"text": "I cannot read outside the repository."},
        },
    ]

    outcome = await run_command(root, script, RunRequest(command="work"))

    assert outcome.result.state == "finished", outcome.result.error
    results = _tool_results(outcome.bodies()[1])
    assert len(results) == 5
    for result in results:
        assert result.get("is_error") is True, result
        assert "outside the workspace" in _text(result), result
    # Nothing from outside reached the model, nothing was planted, nothing proposed.
    assert all(secret.encode() not in request.raw for request in outcome.server.requests)
    assert not (root.parent / "planted.txt").exists()
    assert outcome.journal_of("proposal_ready") == []
