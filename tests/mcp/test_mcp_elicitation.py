"""Elicitation: a server's request for input during a tool call reaches the person as a
gate — form mode as typed questions, URL mode as a page to open — through the editor;
an unattended run (`--yes`) declines it at once with a journaled reason."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from client_helpers import SERVERS, StartEditor, mcp_workspace, run_cli
from mcp_test_servers import EVERYTHING, require

from orchestra_lsp.journal import load_run
from orchestra_lsp.testing import ScriptedServer


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return mcp_workspace(
        tmp_path / "ws",
        {"e": {"command": sys.executable, "args": [str(SERVERS / "elicit_server.py")]}},
        tools=["mcp__e__*"],
        config='[permissions]\nallow = ["mcp__e__*"]\n',
    )


def _script(tool: str, expected: str | list[str], server: str = "e") -> list[dict[str, Any]]:
    wanted = [expected] if isinstance(expected, str) else expected
    return [
        {"reply": {"tool_use": [{"name": f"mcp__{server}__{tool}", "input": {}}]}},
        {"expect": {"last_tool_result_contains": wanted}, "reply": {"text": "ok"}},
    ]


def test_an_unattended_run_declines_without_waiting(root: Path) -> None:
    run = run_cli(root, _script("book", "booking declined"))
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    run.model.assert_no_failures()
    [notice] = [e for e in run.events("notice") if "asked for input" in e["message"]]
    assert "(form mode): decline; declined: this run is unattended" in notice["message"]


async def _run_in_editor(
    root: Path, lsp_editor: StartEditor, tool: str, expected: str | list[str], **options: Any
) -> tuple[Any, list[dict[str, Any]]]:
    with ScriptedServer(_script(tool, expected, options.get("tool_server", "e"))) as model:
        env = {
            "ANTHROPIC_API_KEY": "test-key-mcp-lsp-1234",
            "ANTHROPIC_BASE_URL": model.base_url,
            "XDG_CONFIG_HOME": str(root / ".user-config"),
        }
        editor = await lsp_editor(root, env=env, ask=options.get("ask", False))
        editor.ask_answers = options.get("ask_answers", [])
        editor.answers = options.get("answers", [])
        started: Any = await editor.request("orchestra/run", {"command": "go"})
        await editor.wait_event("run_finished", run_id=started.runId, timeout=90)
    model.assert_no_failures()
    return editor, load_run(root, started.runId).events


async def test_a_form_is_asked_field_by_field_in_the_editor(
    root: Path, lsp_editor: StartEditor
) -> None:
    editor, events = await _run_in_editor(
        root,
        lsp_editor,
        "book",
        "booked 2026-12-24 for 4 (vegetarian=True)",
        ask=True,
        ask_answers=["2026-12-24", "4", "true"],
    )
    questions = [asked["question"] for asked in editor.asked]
    assert len(questions) == 3
    assert questions[0].startswith(
        "MCP server 'e' asks: Details of the booking?\nDate (YYYY-MM-DD)"
    )
    assert editor.asked[2]["choices"] == ["true", "false"]
    [notice] = [e for e in events if "asked for input" in str(e.get("message"))]
    assert "(form mode): accept; the person answered the form" in notice["message"]
    assert "2026-12-24" not in notice["message"]  # answers are not journaled


async def test_a_page_to_open_is_a_choice_in_the_editor(
    root: Path, lsp_editor: StartEditor
) -> None:
    editor, events = await _run_in_editor(
        root, lsp_editor, "login", "login accept", answers=["Accept"]
    )
    [request] = editor.message_requests
    assert "https://example.test/login" in request.message
    assert [a.title for a in request.actions] == ["Accept", "Decline"]
    assert any("(url mode): accept" in str(e.get("message")) for e in events)
    # Consent first, then the editor opens the page in the person's browser.
    [opened] = [d for d in editor.client.shown_documents if d.external]
    assert opened.uri == "https://example.test/login"


async def test_a_declined_page_is_not_opened(root: Path, lsp_editor: StartEditor) -> None:
    editor, events = await _run_in_editor(
        root, lsp_editor, "login", "login decline", answers=["Decline"]
    )
    assert any("(url mode): decline" in str(e.get("message")) for e in events)
    assert not any(d.external for d in editor.client.shown_documents)


async def test_the_everything_servers_form_in_the_editor(
    tmp_path: Path, lsp_editor: StartEditor
) -> None:
    """server-everything's form has MCP's whole field set: defaults, bounds, titled
    choices (`oneOf`, legacy `enumNames`) and multi-selects. Choices are shown by title
    and sent as values, an empty answer takes the default, an answer out of bounds is
    asked again with the reason, a multi-select is typed comma-separated."""
    root = mcp_workspace(
        tmp_path / "ws",
        {"everything": {"command": "node", "args": [str(require(EVERYTHING)), "stdio"]}},
        tools=["mcp__everything__trigger-elicitation-request"],
        config='[permissions]\nallow = ["mcp__everything__*"]\n',
    )
    answers = {
        "String": "Ada",  # name (required)
        "Boolean": "yes",
        "String with default": "",
        "String with email format": "ada@example.test",
        "String with uri format": "",
        "String with date format": "1815-12-10",
        "Integer": "500",  # out of 1..100: asked again
        "Integer, again": "7",
        "Number in range 1-1000": "",
        "Untitled Single Select Enum": "Joey",
        "Untitled Multiple Select Enum": "Piano, Drums",
        "Titled Single Select Enum": "Wonder Woman",
        "Titled Multiple Select Enum": "Tuna, Trout",
        "Legacy Titled Single Select Enum": "Dogs",
    }
    # What the model gets: the server's echo of the values it received.
    expected = [
        '"name": "Ada"',
        '"check": true',
        '"firstLine": "It was a dark and stormy night."',  # the default
        '"integer": 7',
        '"number": 3.14',
        '"untitledSingleSelectEnum": "Joey"',
        '"untitledMultipleSelectEnum": [\n      "Piano",\n      "Drums"\n    ]',
        '"titledSingleSelectEnum": "hero-3"',
        '"titledMultipleSelectEnum": [\n      "fish-1",\n      "fish-3"\n    ]',
        '"legacyTitledEnum": "pet-2"',
    ]
    editor, events = await _run_in_editor(
        root,
        lsp_editor,
        "trigger-elicitation-request",
        expected,
        ask=True,
        ask_answers=list(answers.values()),
        tool_server="everything",
    )
    asked = {a["question"].splitlines()[1].split(" (")[0]: a for a in editor.asked}
    assert asked["Titled Single Select Enum"]["choices"] == [
        "Superman",
        "Green Lantern",
        "Wonder Woman",
    ]
    assert "leave empty for Cats" in asked["Legacy Titled Single Select Enum"]["question"]
    assert "500 is not from 1 to 100; please answer again." in editor.asked[7]["question"]
    assert any("(form mode): accept" in str(e.get("message")) for e in events)
