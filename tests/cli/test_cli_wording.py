"""Sentences a fresh user met that said a thing twice, miscounted, or named the wrong
cause: a pending change says "not written" once; counts of one are singular; an MCP
server that exits at once "exited before it answered"; a command with nothing in it is
warned about by `orchestra check` and by the run; an empty settings.json is "empty"."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from engine_helpers import (
    SHOP_BASE,
    command_file,
    orchestra,
    str_replace,
    workspace,
)

from orchestra_lsp.testing import ScriptedServer

IMPLEMENT = command_file([{"id": "implement", "agent": "worker", "prompt": "Round it."}])
NO_MODEL = "http://127.0.0.1:9"


def test_a_change_left_pending_says_not_written_once(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"implement": IMPLEMENT}, extra={"shop.py": SHOP_BASE})
    edit = str_replace("shop.py", "return sum(prices)", "return round(sum(prices), 2)")
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [edit]}},
        {"reply": {"text": "Rounded."}},
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, tmp_path / "config", "run", "implement", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    [line] = [x for x in done.stdout.splitlines() if x.strip().startswith("shop.py:")]
    assert line.strip() == (
        "shop.py: pending (not written) (1 hunk(s) accepted, 0 rejected) — pass --apply to "
        "write accepted changes"
    )
    assert (root / "shop.py").read_text() == SHOP_BASE
    listed = orchestra(root, NO_MODEL, tmp_path / "config", "runs", "--limit", "1")
    assert "older ones" not in listed.stdout, listed.stdout  # only one run
    with ScriptedServer(script) as server:
        orchestra(root, server, tmp_path / "config", "run", "implement", "--yes")
    listed = orchestra(root, NO_MODEL, tmp_path / "config", "runs", "--limit", "1")
    assert "the newest 1 run; older ones: orchestra runs --all" in listed.stdout, listed.stdout


def test_counts_of_one_are_singular(tmp_path: Path) -> None:
    servers = {"mcpServers": {"only": {"command": sys.executable, "args": ["-c", "pass"]}}}
    root = workspace(tmp_path / "ws", {}, extra={".mcp.json": json.dumps(servers)})
    done = orchestra(root, NO_MODEL, tmp_path / "config", "check", "--no-cache")
    summary = done.stderr.strip().splitlines()[-1]
    assert summary.endswith(" commands, 1 MCP server"), summary


def test_a_server_that_exits_at_once_exited_before_answering(tmp_path: Path) -> None:
    servers = {"mcpServers": {"quitter": {"command": sys.executable, "args": ["-c", "pass"]}}}
    root = workspace(tmp_path / "ws", {}, extra={".orchestra/mcp.json": json.dumps(servers)})
    done = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "--workspace", str(root), "mcp", "list", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    [status] = json.loads(done.stdout)
    assert status["failure"].startswith("MCP server 'quitter' failed to start: "), status
    assert status["failure"].endswith(": exited with code 0 before it answered initialize")


NOTHING = "the command has no instructions: its body is empty and no step has a prompt"


def test_a_command_with_nothing_in_it_is_warned_about(tmp_path: Path) -> None:
    files = {
        ".claude/commands/blank.md": "",
        ".claude/commands/fences.md": "---\n---\n",
        ".claude/commands/described.md": "---\ndescription: Does a thing\n---\n\n",
        ".claude/commands/fine.md": "---\ndescription: Fine\n---\nSay $ARGUMENTS.\n",
    }
    root = workspace(tmp_path / "ws", {}, extra=files)
    done = orchestra(root, NO_MODEL, tmp_path / "config", "check", "--no-cache")
    warned = {x.split(":", 1)[0] for x in done.stdout.splitlines() if NOTHING in x}
    assert warned == {
        ".claude/commands/blank.md",
        ".claude/commands/fences.md",
        ".claude/commands/described.md",
    }, done.stdout
    with ScriptedServer([{"reply": {"text": "?"}}]) as server:
        ran = orchestra(root, server, tmp_path / "config", "run", "fences")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "warning: the command 'fences' has no instructions" in ran.stdout, ran.stdout
    with ScriptedServer([{"reply": {"text": "Said."}}]) as server:
        ran = orchestra(root, server, tmp_path / "config", "run", "fine", "hi")
    assert "no instructions" not in ran.stdout, ran.stdout


def test_an_empty_settings_file_is_said_to_be_empty(tmp_path: Path) -> None:
    for text in ("", "\n  \n"):
        root = workspace(tmp_path / "ws", {}, extra={".claude/settings.json": text})
        done = orchestra(root, NO_MODEL, tmp_path / "config", "check", "--no-cache")
        assert done.returncode == 1, done.stdout + done.stderr
        assert (
            ".claude/settings.json:1:1: error: the file is empty; a JSON file holds at least `{}`"
        ) in done.stdout, done.stdout
        assert "Expecting value" not in done.stdout
