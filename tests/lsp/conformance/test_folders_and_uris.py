"""Workspace folders (one served at a time, following the client's changes) and URI
identity by normalised path, with edits going to the URI the client used."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from conftest import StartRaw
from lsp_helpers import make_workspace
from raw_client import RawClient

from orchestra_lsp.testing import ScriptedServer

OTHER = """---
description: Only in the other folder
steps:
  - id: only
    agent: coder
    prompt: Do it.
---
"""

READ_ONE = """---
description: Read data.txt
steps:
  - id: read
    agent: coder
    prompt: Read data.txt.
---
"""


def _names(answer: dict[str, Any]) -> set[str]:
    return {c["name"] for c in answer["result"]["commands"]}


@pytest.mark.parametrize(
    "root", ["file:///c%3A/Users/dev/proj", "file:///C:/Users/dev/proj", "file:///does/not/exist"]
)
async def test_a_root_that_is_no_folder_here_is_refused(
    raw: StartRaw, workspace: Path, tmp_path: Path, root: str
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    client = await raw(workspace, cwd=cwd)
    answer = await client.request(
        "initialize", {"processId": None, "rootUri": root, "capabilities": {}}
    )
    assert "not an existing absolute folder" in answer["error"]["message"]
    assert root in answer["error"]["message"]
    assert list(cwd.iterdir()) == []  # no relative folder, no journal in the cwd
    client.notify("exit")
    assert await client.wait_exit() == 1


async def test_a_bad_folder_among_good_ones_is_reported_and_skipped(
    raw: StartRaw, workspace: Path
) -> None:
    client = await raw(workspace)
    await client.initialize(
        None,
        workspaceFolders=[
            {"uri": "file:///c%3A/Users/dev/proj", "name": "win"},
            {"uri": workspace.as_uri(), "name": "ws"},
        ],
    )
    shown = await client.wait_for("window/showMessage", lambda p: "c%3A" in p["message"])
    assert shown["type"] == 1
    assert "change" in _names(await client.request("orchestra/commands", {}))
    assert await client.close() == 0


async def test_folder_changes_switch_the_commands(
    raw: StartRaw, workspace: Path, tmp_path: Path
) -> None:
    other = make_workspace(tmp_path / "other")
    for command in (other / ".orchestra" / "commands").iterdir():
        command.unlink()
    (other / ".orchestra" / "commands" / "other.md").write_text(OTHER)
    client = await raw(workspace)
    await client.initialize(workspace, folders=[workspace])
    assert "change" in _names(await client.request("orchestra/commands", {}))
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        {
            "event": {
                "added": [{"uri": other.as_uri(), "name": "other"}],
                "removed": [{"uri": workspace.as_uri(), "name": "ws"}],
            }
        },
    )
    names = _names(await client.request("orchestra/commands", {}))
    assert "other" in names and "change" not in names
    refused = await client.request(
        "orchestra/run", {"command": "change", "arguments": {"goal": "x"}}
    )
    assert refused["error"]["code"] == -32803
    # Adding a folder after the served one does not change what is served.
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        {"event": {"added": [{"uri": workspace.as_uri(), "name": "ws"}], "removed": []}},
    )
    assert "other" in _names(await client.request("orchestra/commands", {}))
    assert await client.close() == 0


def _spelled(path: Path, how: str) -> str:
    """`path` as different clients write its URI."""
    uri = path.as_uri()  # %28 %29, as pygls and VS Code write them
    if how == "neovim":  # Neovim's encoder leaves ( ) as they are
        return uri.replace("%28", "(").replace("%29", ")")
    return uri


@pytest.mark.parametrize("how", ["neovim", "percent", "symlink"])
async def test_the_agent_reads_the_buffer_whatever_the_spelling(
    raw: StartRaw, tmp_path: Path, how: str
) -> None:
    root = make_workspace(tmp_path / "proj (copy)")
    (root / ".orchestra" / "config.toml").write_text('[model]\nname = "claude-sonnet-4-6"\n')
    (root / ".orchestra" / "commands" / "read.md").write_text(READ_ONE)
    (root / "data.txt").write_text("on disk\n")
    opened = root / "data.txt"
    if how == "symlink":
        link = tmp_path / "link"
        os.symlink(root, link)
        opened = link / "data.txt"
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "read_file", "input": {"path": "data.txt"}}]}},
        {
            "expect": {"last_tool_result_contains": ["unsaved buffer text"]},
            "reply": {"text": "Read."},
        },
    ]
    with ScriptedServer(script) as model:
        client = await RawClient.start(
            root,
            env={
                "ANTHROPIC_API_KEY": "test-key-0123456789",
                "ANTHROPIC_BASE_URL": model.base_url,
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
            },
        )
        try:
            await client.initialize(root, {"experimental": {"orchestra": {"events": True}}})
            client.notify(
                "textDocument/didOpen",
                {
                    "textDocument": {
                        "uri": _spelled(opened, how),
                        "languageId": "plaintext",
                        "version": 3,
                        "text": "unsaved buffer text\n",
                    }
                },
            )
            run_id = (await client.request("orchestra/run", {"command": "read"}))["result"]["runId"]
            ended = await client.wait_for(
                "orchestra/event",
                lambda e: e["run_id"] == run_id and e["type"] in ("run_finished", "run_failed"),
                timeout=60,
            )
            assert ended["type"] == "run_finished", ended
            assert await client.close() == 0
        finally:
            if client.process.returncode is None:
                client.process.kill()
    model.assert_no_failures()


VSCODE_EDITS: dict[str, Any] = {
    "workspace": {
        "applyEdit": True,
        "workspaceEdit": {
            "documentChanges": True,
            "changeAnnotationSupport": {"groupsOnLabel": True},
            "resourceOperations": ["create", "rename", "delete"],
        },
    },
    "experimental": {"orchestra": {"events": True, "review": "applyEdit"}},
}

EDIT_ONE = """---
description: Edit data.txt
steps:
  - id: edit
    agent: coder
    prompt: Edit data.txt.
    gate: review
---
"""


@pytest.mark.parametrize("how", ["neovim", "percent"])
async def test_review_edits_go_to_the_uri_the_client_used(
    raw: StartRaw, tmp_path: Path, how: str
) -> None:
    root = make_workspace(tmp_path / "proj (copy)")
    (root / ".orchestra" / "config.toml").write_text('[model]\nname = "claude-sonnet-4-6"\n')
    (root / ".orchestra" / "commands" / "edit.md").write_text(EDIT_ONE)
    (root / "data.txt").write_text("line 1\nline 2\n")
    uri = _spelled(root / "data.txt", how)
    edit = {
        "command": "str_replace",
        "path": "data.txt",
        "old_str": "line 2",
        "new_str": "line two",
    }
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "edit", "input": edit}]}},
        {"reply": {"text": "Edited."}},
    ]
    with ScriptedServer(script) as model:
        client = await raw(
            root,
            env={
                "ANTHROPIC_API_KEY": "test-key-0123456789",
                "ANTHROPIC_BASE_URL": model.base_url,
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
            },
        )
        applied: list[Any] = []

        def apply_edit(params: Any) -> dict[str, Any]:
            applied.append(params)
            client.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": 2},
                    "contentChanges": [{"text": "line 1\nline two\n"}],
                },
            )
            return {"applied": True}

        client.handlers["workspace/applyEdit"] = apply_edit
        await client.initialize(root, VSCODE_EDITS)
        client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "plaintext",
                    "version": 1,
                    "text": "line 1\nline 2\n",
                }
            },
        )
        run_id = (await client.request("orchestra/run", {"command": "edit"}))["result"]["runId"]
        decided = await client.wait_for(
            "orchestra/event",
            lambda e: e["run_id"] == run_id and e["type"] == "proposal_decided",
            timeout=60,
        )
        assert await client.close() == 0
    [params] = applied
    [change] = params["edit"]["documentChanges"]
    assert change["textDocument"]["uri"] == uri
    assert change["textDocument"]["version"] == 1
    assert decided["outcome"] == "applied_in_editor", decided
    assert (root / "data.txt").read_text() == "line 1\nline 2\n"  # the editor holds it
