"""Elicitation over several round trips: one tool call on `trip_server.py` asks the
person three times, each question built from the answers before it (the city, then
that city's hotels, then a yes/no naming both). Every front end carries each round
to the person and the answer back: the terminal (on a pseudo-terminal), the editor
(`orchestra/ask`, and `window/showMessageRequest` where the editor takes no free
text), and headless runs, where nobody can answer, decline the first question at
once with a journaled reason that says so."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from client_helpers import API_KEY, SERVERS, StartEditor, mcp_workspace, orchestra

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from engine_helpers import in_a_terminal

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return mcp_workspace(
        tmp_path / "ws",
        {"t": {"command": sys.executable, "args": [str(SERVERS / "trip_server.py")]}},
        tools=["mcp__t__*"],
        config='[permissions]\nallow = ["mcp__t__*"]\n',
    )


def _script(expected: str) -> list[dict[str, Any]]:
    return [
        {"reply": {"tool_use": [{"name": "mcp__t__plan_trip", "input": {}}]}},
        {"expect": {"last_tool_result_contains": [expected]}, "reply": {"text": "ok"}},
    ]


def _elicited(events: list[dict[str, Any]]) -> list[str]:
    """The journal's line per round: what happened, never the answers."""
    return [
        str(e["message"]).removeprefix("MCP server 't' asked for input (form mode): ")
        for e in events
        if "asked for input" in str(e.get("message"))
    ]


def _last_run(root: Path) -> list[dict[str, Any]]:
    [summary] = list_runs(root)[-1:]
    return load_run(root, summary.run_id).events


def _in_a_terminal(
    root: Path,
    env: dict[str, str],
    answers: list[tuple[str, str]],
    think: float = 0.0,
    args: tuple[str, ...] = ("run", "go", "--quiet"),
) -> tuple[str, int]:
    """`orchestra ARGS` (`run go` by default) on a pseudo-terminal, typing each answer
    `think` seconds after its prompt shows, in order (a later prompt may repeat an
    earlier one's words)."""
    return in_a_terminal(
        [sys.executable, "-m", "orchestra_lsp", *args, "-w", str(root)],
        Path("/"),
        {**os.environ, **env, "COLUMNS": "200"},
        {},
        [(prompt, answer + "\n") for prompt, answer in answers],
        think=think,
        within=90,
    )


def test_three_rounds_in_the_terminal(root: Path) -> None:
    """The person takes longer over the questions than the call may take (4 s): the
    limit is the server's time, stopped while the person answers."""
    config = root / ".orchestra" / "config.toml"
    config.write_text(config.read_text() + "[mcp]\ncall_timeout_seconds = 4\n")
    with ScriptedServer(_script("booked Nord Hotel in Oslo for 3 nights")) as model:
        env = {
            "ANTHROPIC_API_KEY": API_KEY,
            "ANTHROPIC_BASE_URL": model.base_url,
            "XDG_CONFIG_HOME": str(root / ".user-config"),
        }
        transcript, code = _in_a_terminal(
            root,
            env,
            [
                ("City (Lisbon or Oslo)", "Oslo"),
                ("Nights", "3"),
                # The second question is built from the first answer: Oslo's hotels.
                ("Which hotel in Oslo?", "Nord Hotel"),
                ("Book Nord Hotel in Oslo for 3 nights?", "true"),
            ],
            think=1.5,
        )
    assert code == 0, transcript
    model.assert_no_failures()
    assert "[Fjord House/Nord Hotel]" in transcript
    rounds = _elicited(_last_run(root))
    assert rounds == ["accept; the person answered the form"] * 3
    assert not any("Nord Hotel" in r for r in rounds)  # answers are not journaled


def test_a_run_without_a_terminal_declines_the_first_round_at_once(root: Path) -> None:
    """No terminal and no --yes: nobody can answer, so the first question is declined
    (not taken for an empty answer) and the server asks nothing more."""
    # A call that waited for an answer would last the whole (long) call time-out.
    config = root / ".orchestra" / "config.toml"
    config.write_text(config.read_text() + "[mcp]\ncall_timeout_seconds = 400\n")
    with ScriptedServer(_script("stopped at question 1: decline")) as model:
        started = time.monotonic()
        done = orchestra("run", "go", root=root, env={"ANTHROPIC_BASE_URL": model.base_url})
        took = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    model.assert_no_failures()
    assert took < 110  # never waits for an answer that cannot come
    assert _elicited(_last_run(root)) == [
        "decline; declined: the person cannot be asked: there is no terminal to ask in"
    ]


def test_an_unattended_run_declines_the_first_round(root: Path) -> None:
    with ScriptedServer(_script("stopped at question 1: decline")) as model:
        done = orchestra(
            "run", "go", "--yes", root=root, env={"ANTHROPIC_BASE_URL": model.base_url}
        )
    assert done.returncode == 0, done.stdout + done.stderr
    model.assert_no_failures()
    [only] = _elicited(_last_run(root))
    assert only.startswith("decline; declined: this run is unattended")


def test_mcp_call_asks_in_the_terminal(root: Path) -> None:
    """`orchestra mcp call`, a person debugging a server by hand, answers its questions."""
    env = {"XDG_CONFIG_HOME": str(root / ".user-config")}
    transcript, code = _in_a_terminal(
        root,
        env,
        [
            ("City (Lisbon or Oslo)", "Lisbon"),
            ("Nights", "2"),
            ("Which hotel in Lisbon?", "Tejo Rooms"),
            ("Book Tejo Rooms", "false"),
        ],
        args=("mcp", "call", "t", "plan_trip"),
    )
    assert code == 0, transcript
    assert "not booked: Tejo Rooms in Lisbon" in transcript
    assert "asked for input (form mode): accept; the person answered the form" in transcript


def test_mcp_call_without_a_terminal_declines(root: Path) -> None:
    done = orchestra("mcp", "call", "t", "plan_trip", root=root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "stopped at question 1: decline"
    assert "decline; declined: there is no terminal to ask in" in done.stderr


def test_a_page_the_person_accepts_opens_from_the_terminal(tmp_path: Path) -> None:
    """URL mode in a terminal run: once the person accepts, the page opens in their
    browser (`$BROWSER`, here a script that notes what it was given)."""
    root = mcp_workspace(
        tmp_path / "ws",
        {"e": {"command": sys.executable, "args": [str(SERVERS / "elicit_server.py")]}},
        tools=["mcp__e__login"],
        config='[permissions]\nallow = ["mcp__e__*"]\n',
    )
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "mcp__e__login", "input": {}}]}},
        {"expect": {"last_tool_result_contains": ["login accept"]}, "reply": {"text": "ok"}},
    ]
    with ScriptedServer(script) as model:
        env = {
            "ANTHROPIC_API_KEY": API_KEY,
            "ANTHROPIC_BASE_URL": model.base_url,
            "XDG_CONFIG_HOME": str(root / ".user-config"),
            "BROWSER": str(browser),
        }
        transcript, code = _in_a_terminal(root, env, [("[Accept/Decline]", "Accept")])
    assert code == 0, transcript
    model.assert_no_failures()
    assert opened.read_text().split() == ["https://example.test/login"]


async def _run_in_editor(
    root: Path, lsp_editor: StartEditor, expected: str, *, ask: bool, answers: list[Any]
) -> tuple[Any, list[dict[str, Any]]]:
    with ScriptedServer(_script(expected)) as model:
        env = {
            "ANTHROPIC_API_KEY": API_KEY,
            "ANTHROPIC_BASE_URL": model.base_url,
            "XDG_CONFIG_HOME": str(root / ".user-config"),
        }
        editor = await lsp_editor(root, env=env, ask=ask)
        if ask:
            editor.ask_answers = answers
        else:
            editor.answers = answers
        started: Any = await editor.request("orchestra/run", {"command": "go"})
        await editor.wait_event("run_finished", run_id=started.runId, timeout=90)
    model.assert_no_failures()
    return editor, load_run(root, started.runId).events


async def test_three_rounds_in_the_editor(root: Path, lsp_editor: StartEditor) -> None:
    editor, events = await _run_in_editor(
        root,
        lsp_editor,
        "booked Alfama Inn in Lisbon for 2 nights",
        ask=True,
        answers=["Lisbon", "2", "Alfama Inn", "true"],
    )
    asked = editor.asked
    assert [a["question"].splitlines()[0] for a in asked] == [
        "MCP server 't' asks: Where to, and for how long?",
        "MCP server 't' asks: Where to, and for how long?",
        "MCP server 't' asks: Which hotel in Lisbon?",
        "MCP server 't' asks: Book Alfama Inn in Lisbon for 2 nights?",
    ]
    assert asked[2]["choices"] == ["Alfama Inn", "Tejo Rooms"]  # from the first answer
    assert asked[3]["choices"] == ["true", "false"]
    assert _elicited(events) == ["accept; the person answered the form"] * 3


async def test_dismissing_the_second_round_in_the_editor_cancels_it(
    root: Path, lsp_editor: StartEditor
) -> None:
    editor, events = await _run_in_editor(
        root,
        lsp_editor,
        "stopped at question 2: cancel",
        ask=True,
        answers=["Oslo", "1", None],
    )
    assert len(editor.asked) == 3
    assert _elicited(events) == [
        "accept; the person answered the form",
        "cancel; the person dismissed the form",
    ]


async def test_an_editor_without_free_text_declines_with_the_reason(
    root: Path, lsp_editor: StartEditor
) -> None:
    """An editor that can show choices but takes no free text (no `orchestra/ask`)
    cannot answer the city: the form is declined, saying why, and nothing is shown."""
    editor, events = await _run_in_editor(
        root, lsp_editor, "stopped at question 1: decline", ask=False, answers=[]
    )
    assert editor.message_requests == []
    assert _elicited(events) == [
        "decline; declined: the person cannot be asked free-text questions in this editor"
    ]


# -- the multi-round-trip style (2026-07-28) ---------------------------------------------


@pytest.fixture
def stateless_root(tmp_path: Path) -> Path:
    """`stateless_server.py` refuses the handshake era; its questions come back as
    `input_required` results, one round per question."""
    return mcp_workspace(
        tmp_path / "ws",
        {"t": {"command": sys.executable, "args": [str(SERVERS / "stateless_server.py")]}},
        tools=["mcp__t__*"],
        config='[permissions]\nallow = ["mcp__t__*"]\n',
    )


async def test_input_required_rounds_in_the_editor(
    stateless_root: Path, lsp_editor: StartEditor
) -> None:
    editor, events = await _run_in_editor(
        stateless_root,
        lsp_editor,
        "booked Nord Hotel in Oslo for 3 nights",
        ask=True,
        answers=["Oslo", "3", "Nord Hotel"],
    )
    asked = editor.asked
    assert [a["question"].splitlines()[0] for a in asked] == [
        "MCP server 't' asks: Where to, and for how long?",
        "MCP server 't' asks: Where to, and for how long?",
        "MCP server 't' asks: Which hotel in Oslo?",
    ]
    assert asked[2]["choices"] == ["Fjord House", "Nord Hotel"]  # built from round 1
    assert _elicited(events) == ["accept; the person answered the form"] * 2


def test_input_required_rounds_unattended_are_declined(stateless_root: Path) -> None:
    with ScriptedServer(_script("stopped at question 1: decline")) as model:
        done = orchestra(
            "run", "go", "--yes", root=stateless_root, env={"ANTHROPIC_BASE_URL": model.base_url}
        )
    assert done.returncode == 0, done.stdout + done.stderr
    model.assert_no_failures()
    rounds = _elicited(_last_run(stateless_root))
    assert rounds and all("declined: this run is unattended" in r for r in rounds)


def test_a_server_that_never_stops_asking_is_given_up(stateless_root: Path) -> None:
    """Unattended, every round is declined at once; after 10 the call ends with an
    error the model reads, instead of asking forever."""
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "mcp__t__nag", "input": {}}]}},
        {
            "expect": {"last_tool_result_contains": ["still asking for input after 10 rounds"]},
            "reply": {"text": "ok"},
        },
    ]
    with ScriptedServer(script) as model:
        done = orchestra(
            "run", "go", "--yes", root=stateless_root, env={"ANTHROPIC_BASE_URL": model.base_url}
        )
    assert done.returncode == 0, done.stdout + done.stderr
    model.assert_no_failures()
    assert len(_elicited(_last_run(stateless_root))) == 10
