"""Disk changes made outside review are journaled, shown and undoable, through the real CLI.

`.claude/settings.local.json` allows the real MCP filesystem server (`mcp__fs`), as many
people do, and `.orchestra/config.toml` allows `run_shell(python3*)`. A scripted model
runs `orchestra run --yes` (no `--apply`: nothing should land) and writes anyway: the
server's `write_file` and `edit_file` change files, its `move_file` moves one, and a
shell command appends to a file it does not name. The user's rules stand, so the calls
run; the run's output, its report and its journal say which files changed outside
review and by what, and `orchestra undo` takes back what the journal holds the texts of
and says what it cannot.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from attack_helpers import committed, person_runs, run_events

from orchestra_lsp.testing import ScriptedServer

FILESYSTEM = (
    Path(__file__).resolve().parents[1]
    / "mcp/node/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js"
)
INVOICE = "def total(items):\n    return sum(items)\n"
NOTES = "# Notes\n"

AGENT = """\
---
name: writer
description: Writes through its tools.
tools: [mcp__fs__*, run_shell]
max_turns: 4
---
You write.
"""

COMMAND = """\
---
description: write
steps: [{"id": "write", "agent": "writer", "prompt": "Write."}]
---
"""


@pytest.fixture
def repo() -> Iterator[Path]:
    assert FILESYSTEM.exists(), f"{FILESYSTEM} is missing: run `make mcp-test-servers`"
    with tempfile.TemporaryDirectory(prefix="orchestra-outside-") as folder:
        root = Path(folder) / "repo"
        files = {
            ".orchestra/agents/writer.md": AGENT,
            ".orchestra/commands/write.md": COMMAND,
            ".orchestra/config.toml": '[model]\nname = "claude-sonnet-4-6"\n'
            '[permissions]\nallow = ["run_shell(python3*)", "mcp__fs__read_*"]\n',
            ".orchestra/mcp.json": json.dumps(
                {"mcpServers": {"fs": {"command": "node", "args": [str(FILESYSTEM), str(root)]}}}
            ),
            ".claude/settings.local.json": json.dumps({"permissions": {"allow": ["mcp__fs"]}}),
            "src/invoice.py": INVOICE,
            "src/tax.py": "RATE = 0.2\n",
            "src/old_name.py": "OLD = True\n",
            "NOTES.md": NOTES,
            ".gitignore": ".orchestra/runs/\n",
        }
        yield committed(root, files)


def _cli(root: Path, *args: str, model_url: str = "http://127.0.0.1:9") -> str:
    done = person_runs(root, *args, model_url=model_url)
    return done.stdout + done.stderr


def test_mcp_and_shell_writes_are_journaled_reported_and_undone(repo: Path) -> None:
    calls = [
        {
            "name": "mcp__fs__write_file",
            "input": {
                "path": str(repo / "src/invoice.py"),
                "content": "def total(items):\n    return 0\n",
            },
        },
        {
            "name": "mcp__fs__edit_file",
            "input": {
                "path": str(repo / "src/tax.py"),
                "edits": [{"oldText": "RATE = 0.2", "newText": "RATE = 0.0"}],
            },
        },
        {
            "name": "mcp__fs__move_file",
            "input": {
                "source": str(repo / "src/old_name.py"),
                "destination": str(repo / "src/new_name.py"),
            },
        },
        {
            "name": "run_shell",
            "input": {"command": "python3 -c \"open('NOTES.md', 'a').write('pwned\\n')\""},
        },
        {
            "name": "run_shell",
            "input": {"command": "python3 -c \"open('src/blob.bin', 'wb').write(bytes(64))\""},
        },
    ]
    script = [
        {"name": "write", "reply": {"tool_use": calls}},
        {"name": "done", "reply": {"text": "Done."}},
    ]
    with ScriptedServer(script) as model:
        output = _cli(repo, "run", "write", "--yes", model_url=model.base_url)
        model.assert_no_failures()
        model.assert_all_consumed()
    # The user's rules allowed the calls: the files did change.
    assert "return 0" in (repo / "src/invoice.py").read_text()
    assert not (repo / "src/old_name.py").exists()
    assert (repo / "NOTES.md").read_text() == NOTES + "pwned\n"
    events = run_events(repo)
    outside = {
        str(e["path"]): e
        for e in events
        if e["type"] == "proposal_decided" and e["outcome"] == "applied_outside_review"
    }
    assert sorted(outside) == [
        "NOTES.md",
        "src/blob.bin",
        "src/invoice.py",
        "src/new_name.py",
        "src/old_name.py",
        "src/tax.py",
    ], outside
    assert "by `mcp__fs__write_file`" in str(outside["src/invoice.py"]["detail"])
    assert "by `run_shell`" in str(outside["NOTES.md"]["detail"])
    assert "earlier content was not kept" in str(outside["NOTES.md"]["detail"])
    blob = str(outside["src/blob.bin"]["detail"])
    assert blob.startswith("created on disk by `run_shell`") and "keeps no copy" in blob, blob
    for path in ("src/invoice.py", "src/tax.py", "NOTES.md"):
        assert f"{path} was changed on disk by `" in output, output
    assert "src/old_name.py was deleted on disk by `mcp__fs__move_file`" in output, output
    assert "src/new_name.py: applied outside review" in output, output
    closing = [line for line in output.splitlines() if "outside review (6 file(s))" in line]
    assert len(closing) == 1 and "src/invoice.py" in closing[0], output
    assert "orchestra undo" in closing[0], closing
    [report] = (repo / ".orchestra" / "runs").glob("*/report.md")
    report_text = report.read_text()
    assert "`src/invoice.py`: outcome `applied_outside_review`" in report_text, report_text
    assert "mcp__fs__write_file" in report_text
    run_id = report.parent.name

    undone = _cli(repo, "undo", run_id, "--yes", "--apply")
    assert (repo / "src/invoice.py").read_text() == INVOICE, undone
    assert (repo / "src/tax.py").read_text() == "RATE = 0.2\n", undone
    assert (repo / "src/old_name.py").read_text() == "OLD = True\n", undone
    assert not (repo / "src/new_name.py").exists(), undone
    # The shell's append: the journal has no earlier text, and undo says so.
    assert (repo / "NOTES.md").read_text() == NOTES + "pwned\n"
    assert "NOTES.md" in undone and "take it back by hand" in undone, undone


def test_check_warns_at_an_allow_rule_that_lets_every_tool_of_a_server_write(repo: Path) -> None:
    config = repo / ".orchestra" / "config.toml"
    config.write_text(
        config.read_text().replace('"mcp__fs__read_*"', '"mcp__fs__read_*",\n  "mcp__fs__*"')
    )
    checked = _cli(repo, "check", "--no-cache")
    warned = [
        line for line in checked.splitlines() if "allows every tool of MCP server 'fs'" in line
    ]
    assert len(warned) == 2, checked
    assert any(
        ".claude/settings.local.json:1:" in line and "rule 'mcp__fs'" in line for line in warned
    )
    assert any(".orchestra/config.toml:5:3: warning: rule 'mcp__fs__*'" in line for line in warned)
    assert "mcp__fs__read_*" not in checked, checked


async def test_the_editor_hears_of_a_change_made_outside_review(repo: Path) -> None:
    """The same through the real language server (a pytest-lsp client with VS Code's
    capabilities): the run's events carry the `applied_outside_review` decision and the
    person sees a warning naming the file and the tool."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "lsp"))
    from lsp_helpers import Editor, fix_code_action_decoding
    from lsprotocol import types
    from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

    write = {
        "name": "mcp__fs__write_file",
        "input": {"path": str(repo / "src/invoice.py"), "content": "BROKEN = True\n"},
    }
    script = [
        {"name": "write", "reply": {"tool_use": [write]}},
        {"name": "done", "reply": {"text": "Done."}},
    ]
    with ScriptedServer(script) as model:
        config = ClientServerConfig(
            server_command=[sys.executable, "-m", "orchestra_lsp", "serve"],
            server_env={
                "PATH": os.environ["PATH"],
                "HOME": str(repo.parent / "home"),
                "ANTHROPIC_API_KEY": "sk-ant-test",
                "ANTHROPIC_BASE_URL": model.base_url,
            },
        )
        client: LanguageClient = await config.start()  # type: ignore[assignment]
        fix_code_action_decoding(client)
        editor = Editor(client, repo)
        capabilities = client_capabilities("visual-studio-code")
        capabilities.experimental = {"orchestra": {"events": True}}
        root = repo.as_uri()
        await client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities,
                root_uri=root,
                workspace_folders=[types.WorkspaceFolder(uri=root, name="repo")],
            )
        )
        try:
            answer = await client.protocol.send_request_async(  # type: ignore[no-untyped-call]
                "orchestra/run", {"command": "write", "arguments": {}}
            )
            run_id = str(answer.runId)
            final = {"run_finished", "run_failed", "run_cancelled"}

            async def ended() -> dict[str, Any]:
                while True:
                    for event in editor.events:
                        if event.get("run_id") == run_id and event.get("type") in final:
                            return event
                    editor.event_arrived.clear()
                    await editor.event_arrived.wait()

            finished = await asyncio.wait_for(ended(), 120)
        finally:
            await asyncio.wait_for(client.shutdown_session(), 10)
            await client.stop()  # type: ignore[no-untyped-call]
    assert finished["type"] == "run_finished", finished
    decided = [
        e
        for e in editor.events
        if e.get("run_id") == run_id and e.get("type") == "proposal_decided"
    ]
    assert [(e["path"], e["outcome"]) for e in decided] == [
        ("src/invoice.py", "applied_outside_review")
    ], decided
    warned = [m.message for m in client.messages if "src/invoice.py" in m.message]
    assert any("by `mcp__fs__write_file`, outside review" in m for m in warned), warned
