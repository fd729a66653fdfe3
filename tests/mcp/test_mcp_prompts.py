"""MCP prompts are commands: `mcp__<server>__<prompt>` with the prompt's arguments, in
`orchestra commands`, in the editor's palette (`orchestra/commands`), and runnable
through `orchestra run` and `orchestra/run`; the model gets the prompt the server
rendered, and the journal records the run under the prompt's name."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from client_helpers import SERVERS, StartEditor, mcp_workspace, orchestra, run_cli

from orchestra_lsp.journal import load_run
from orchestra_lsp.testing import ScriptedServer

RENDERED = "Review ticket SHOP-12 with a focus on security. PROMPT-FROM-MCP-SERVER"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return mcp_workspace(
        tmp_path / "ws",
        {"p": {"command": sys.executable, "args": [str(SERVERS / "prompts_server.py")]}},
        tools=["read_file"],
    )


def test_prompts_are_listed_as_commands(root: Path) -> None:
    done = orchestra("commands", "--json", root=root)
    assert done.returncode == 0, done.stderr
    listed = {c["name"]: c for c in json.loads(done.stdout)}
    review = listed["mcp__p__review"]
    assert review["description"] == "Review a ticket carefully"
    assert [(a["name"], a["required"]) for a in review["arguments"]] == [
        ("ticket", True),
        ("focus", False),
    ]
    assert review["mcp_server"] == "p" and "mcp__p__hello" in listed and "go" in listed
    table = orchestra("commands", root=root)
    assert "mcp__p__review" in table.stdout and "MCP server 'p'" in table.stdout


def test_a_prompt_runs_from_the_cli(root: Path) -> None:
    script = [{"expect": {"messages_contain": [RENDERED]}, "reply": {"text": "Reviewed."}}]
    run = run_cli(root, script, "ticket=SHOP-12", "focus=security", command="mcp__p__review")
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    run.model.assert_no_failures()
    assert run.events("run_finished")
    default = run_cli(root, [{"reply": {"text": "ok"}}], "SHOP-9", command="mcp__p__review")
    assert "Review ticket SHOP-9 with a focus on correctness" in json.dumps(default.bodies()[0])
    missing = run_cli(root, [], command="mcp__p__review")
    assert missing.done.returncode == 2 and "ticket" in missing.done.stderr


def _with_a_hung_server(root: Path) -> Path:
    """`root`'s prompts server beside one that takes ten minutes to start, and a start-up
    time-out long enough that a listing waiting for every server would wait for it."""
    servers = {
        "p": {"command": sys.executable, "args": [str(SERVERS / "prompts_server.py")]},
        "stuck": {
            "command": sys.executable,
            "args": [str(SERVERS / "faulty_server.py"), "--slow-start", "600"],
        },
    }
    return mcp_workspace(
        root, servers, tools=["read_file"], config="[mcp]\nstartup_timeout_seconds = 900\n"
    )


def test_a_server_that_hangs_at_start_does_not_hold_the_listing(tmp_path: Path) -> None:
    root = _with_a_hung_server(tmp_path / "ws")
    done = orchestra("commands", "--json", root=root, timeout=120)
    assert done.returncode == 0, done.stderr
    listed = {c["name"] for c in json.loads(done.stdout)}
    assert {"mcp__p__review", "mcp__p__hello", "go"} <= listed
    assert (
        "warning: MCP server 'stuck' has not started within 10 s (its start-up time-out is"
        " 900 s); its prompts are not listed"
    ) in done.stderr


async def test_the_palette_lists_the_ready_servers_prompts_at_once(
    tmp_path: Path, lsp_editor: StartEditor
) -> None:
    root = _with_a_hung_server(tmp_path / "ws")
    editor = await lsp_editor(root, env={"XDG_CONFIG_HOME": str(root / ".user-config")})
    # The prompts of the server that started are listed while the other one is still
    # starting (and will be for minutes). Asked again: the palette waits 5 s for servers
    # to start, and on a loaded machine even the quick one may need longer.
    names: set[str] = set()
    for _ in range(12):
        listed: Any = await asyncio.wait_for(editor.request("orchestra/commands", {}), 60)
        names = {c.name for c in listed.commands}
        if "mcp__p__review" in names:
            break
    assert {"mcp__p__review", "mcp__p__hello", "go"} <= names


async def test_the_palette_lists_and_runs_a_prompt(root: Path, lsp_editor: StartEditor) -> None:
    script = [
        {"expect": {"messages_contain": [RENDERED]}, "reply": {"text": "Reviewed in the editor."}}
    ]
    with ScriptedServer(script) as model:
        env = {
            "ANTHROPIC_API_KEY": "test-key-mcp-lsp-1234",
            "ANTHROPIC_BASE_URL": model.base_url,
            "XDG_CONFIG_HOME": str(root / ".user-config"),
        }
        editor = await lsp_editor(root, env=env)
        # The palette waits a few seconds for servers; past that it shows what it has
        # and the listing goes on, so asking again soon shows the prompts.
        for _ in range(30):
            listed: Any = await editor.request("orchestra/commands", {})
            names = [c.name for c in listed.commands]
            if "mcp__p__review" in names:
                break
            await asyncio.sleep(1)
        assert "mcp__p__review" in names and "mcp__p__hello" in names and "go" in names
        [review] = [c for c in listed.commands if c.name == "mcp__p__review"]
        assert [(a.name, a.required) for a in review.arguments] == [
            ("ticket", True),
            ("focus", False),
        ]
        started: Any = await editor.request(
            "orchestra/run",
            {"command": "mcp__p__review", "arguments": {"ticket": "SHOP-12", "focus": "security"}},
        )
        try:
            finished = await editor.wait_event("run_finished", run_id=started.runId, timeout=90)
        except TimeoutError:
            pytest.fail(f"no run_finished; events: {[e.get('type') for e in editor.events]}")
    model.assert_no_failures()
    assert finished["output"] == "Reviewed in the editor."
    assert load_run(root, started.runId).summary.command == "mcp__p__review"


def test_the_reference_servers_prompts_run_from_the_cli(tmp_path: Path) -> None:
    from mcp_test_servers import EVERYTHING, require

    root = mcp_workspace(
        tmp_path / "ws",
        {"everything": {"command": "node", "args": [str(require(EVERYTHING)), "stdio"]}},
        tools=["read_file"],
    )
    listed = {c["name"]: c for c in json.loads(orchestra("commands", "--json", root=root).stdout)}
    assert [a["name"] for a in listed["mcp__everything__args-prompt"]["arguments"]] == [
        "city",
        "state",
    ]
    script = [{"expect": {"messages_contain": ["Lyon"]}, "reply": {"text": "Sunny."}}]
    run = run_cli(root, script, "city=Lyon", command="mcp__everything__args-prompt")
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    run.model.assert_no_failures()
