"""The first `orchestra/commands`, answered from the prefetch child (`lsp/prefetch.py`):
the same answer as the engine's, never a stale one."""

from __future__ import annotations

import asyncio
import json
import linecache
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import AGENT, make_workspace
from lsprotocol import types

# An agent that needs an MCP server nobody defines: the listing says so (`unavailable`).
TRACKER = AGENT.format(name="tracker", description="Files tickets").replace(
    "tools: [read_file, edit]", "tools: [read_file, mcp__tickets__create]"
)
FILE_TICKET = """---
description: File a ticket
arguments:
  - {name: title, description: "The ticket's title", default: "untitled"}
steps:
  - id: file
    agent: tracker
    prompt: "File {{title}}"
---
"""
USER_COMMAND = """---
description: Mine only, from the user layer
steps:
  - id: say
    agent: planner
    prompt: Say hello.
---
"""


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    (config / "orchestra" / "commands").mkdir(parents=True)
    (config / "orchestra" / "commands" / "mine.md").write_text(USER_COMMAND, encoding="utf-8")
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "agents" / "tracker.md").write_text(TRACKER, encoding="utf-8")
    (root / ".orchestra" / "commands" / "file-ticket.md").write_text(FILE_TICKET, "utf-8")
    return root


def prefetched(root: Path) -> Any:
    """What the prefetch child prints for `root`, as the server starts it."""
    out = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp.lsp.prefetch", str(root)],
        capture_output=True,
        check=True,
        timeout=60,
        env=os.environ,
    ).stdout
    return json.loads(out)


async def commands(editor: Any) -> Any:
    listed = editor.client.protocol.send_request_async("orchestra/commands", {})
    return plain(await asyncio.wait_for(listed, 30))


def plain(value: Any) -> Any:
    """The client's decoded answer (named tuples) as the JSON it came as."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


async def children_gone(editor: Any) -> None:
    """Wait until the server's prefetch child has exited (it read the files)."""
    pid = editor.client._server.pid
    for _ in range(300):
        tasks = Path(f"/proc/{pid}/task").iterdir()
        if not any((task / "children").read_text().split() for task in tasks):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the prefetch child never exited")


async def test_the_prefetched_listing_is_the_engines(start: Any, workspace: Path) -> None:
    child = prefetched(workspace)
    assert child["root"] == str(workspace.resolve())
    names = [c["name"] for c in child["commands"]["commands"]]
    assert {"change", "fix-here", "file-ticket", "mine"} <= set(names)
    editor = await start(workspace)
    first = await commands(editor)
    await editor.client.protocol.send_request_async("orchestra/agents", {})  # engine built
    later = await commands(editor)
    assert later == child["commands"]
    assert first == later
    ticket = next(c for c in later["commands"] if c["name"] == "file-ticket")
    assert ticket["unavailable"] and "tickets" in ticket["unavailable"]
    assert ticket["arguments"][0]["default"] == "untitled"
    assert next(c for c in later["commands"] if c["name"] == "mine")["layer"] == "user config"


async def test_a_change_before_the_first_listing_is_in_it(start: Any, workspace: Path) -> None:
    editor = await start(workspace)
    await children_gone(editor)  # the child's listing is read: it lacks what comes next
    added = workspace / ".orchestra" / "commands" / "added-later.md"
    added.write_text(USER_COMMAND.replace("Mine only", "Added later"), encoding="utf-8")
    editor.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=added.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    listed = await commands(editor)
    assert "added-later" in [c["name"] for c in listed["commands"]]


def test_with_mcp_servers_the_child_leaves_the_listing_to_the_engine(workspace: Path) -> None:
    mcp = {"mcpServers": {"tickets": {"command": "tickets-server"}}}
    (workspace / ".mcp.json").write_text(json.dumps(mcp), encoding="utf-8")
    assert prefetched(workspace) == {"root": str(workspace.resolve()), "commands": None}


async def test_an_idle_server_has_not_imported_the_run_loop(workspace: Path) -> None:
    """Before the first run: listed, checked, engine built — and neither the model SDK
    nor the engine's run loop (tools, model client, run) imported: they cost memory."""
    modules = await imported_when_idle(workspace)
    assert "orchestra_lsp.engine.engine" in modules and "orchestra_lsp.workspace" in modules
    loop = {"orchestra_lsp.engine.run", "orchestra_lsp.tools", "orchestra_lsp.llm", "anthropic"}
    assert not loop & modules


async def test_an_idle_server_of_sound_files_imports_only_what_reading_them_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files without a problem are read without PyYAML (it only places a problem; the
    values come from yaml_rs), and nothing is redacted, so RE2 (the redactor's screen)
    stays out too: each costs an idle server memory (`bench/lsp_memory.py`)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no user layer
    modules = await imported_when_idle(make_workspace(tmp_path / "ws"))
    assert "orchestra_lsp.engine.engine" in modules and "yaml_rs" in modules
    assert not {"yaml", "re2"} & modules


async def imported_when_idle(root: Path) -> set[str]:
    """The modules a server on `root` has imported once it has answered the first
    listing and built its engine (`-X importtime` names every one, in any thread)."""
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-X", "importtime", "-m", "orchestra_lsp.lsp"),
        *("--workspace", str(root)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdin and process.stdout and process.stderr
    ids = iter(range(1, 100))

    async def request(method: str, params: Any) -> Any:
        ident = next(ids)
        send({"id": ident, "method": method, "params": params})
        while True:
            assert process.stdout
            header = await asyncio.wait_for(process.stdout.readuntil(b"\r\n\r\n"), 60)
            length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            message = json.loads(await process.stdout.readexactly(length))
            if message.get("id") == ident and "method" not in message:
                return message["result"]
            if "method" in message and "id" in message:  # registrations: accepted
                send({"id": message["id"], "result": None})

    def send(message: dict[str, Any]) -> None:
        assert process.stdin
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    await request("initialize", {"capabilities": {}, "rootUri": root.as_uri()})
    send({"method": "initialized", "params": {}})
    assert (await request("orchestra/commands", {}))["commands"]
    assert (await request("orchestra/agents", {}))["agents"]  # the engine is built
    process.kill()
    imported = (await process.stderr.read()).decode()
    await process.wait()
    return {line.split("|")[-1].strip() for line in imported.splitlines() if "import time:" in line}


def test_the_server_drops_the_sources_attrs_keeps_for_debuggers(tmp_path: Path) -> None:
    """attrs caches the source of each method it generates for lsprotocol's classes in
    linecache (memory an idle server never reads); `create_server` drops them."""
    from orchestra_lsp.lsp import create_server

    linecache.cache["<attrs generated methods orchestra test>"] = (4, None, ["x\n"], "<x>")
    create_server(tmp_path)
    assert not [name for name in linecache.cache if name.startswith("<attrs generated")]


def test_on_a_busy_machine_the_server_waits_for_the_child(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`yield_cpu` (what `serve` calls before importing pygls): without two cores to
    spare it returns once the child has answered; with them, at once (the child has
    not even started its interpreter by then). Each start has an empty cache folder:
    a child computes the listing."""
    from orchestra_lsp.lsp.prefetch import CommandsPrefetch

    def cold_start() -> CommandsPrefetch:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"cache-{len(started)}"))
        started.append(CommandsPrefetch(workspace))
        assert not started[-1].stored
        return started[-1]

    started: list[CommandsPrefetch] = []
    busy = cold_start()
    busy.yield_cpu(timeout=60, spare=0.0)
    assert busy.done
    assert busy.result(0) == prefetched(workspace)["commands"]
    idle = cold_start()
    idle.yield_cpu(timeout=60, spare=8.0)
    assert not idle.done
    assert idle.result(60) == busy.result(0)
    bounded = cold_start()
    bounded.yield_cpu(timeout=0.001, spare=0.0)
    assert not bounded.done
    bounded.close()
