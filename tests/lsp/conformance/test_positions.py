"""Every position the server produces or reads counts in the negotiated encoding:
diagnostics, quick fixes, hover and completion on lines with astral characters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import StartRaw
from raw_client import RawClient

COMMAND = (
    "---\n"
    "description: Smile\n"
    "steps:\n"
    '  - {id: a, prompt: "😀😀 go", agent: plannr}\n'
    '  - {id: b, prompt: "𝄞 é {{steps.", agent: coder}\n'
    "---\n"
)
AGENT = '---\nname: emo\ndescription: smiles\ntools: [read_file, "😀😀", edt]\n---\nBody.\n'


def units(text: str, encoding: str) -> int:
    """Code units of `text`, counted independently of the server's code."""
    if encoding == "utf-32":
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


def index_of(line: str, character: int, encoding: str) -> int:
    for index in range(len(line) + 1):
        if units(line[:index], encoding) >= character:
            return index
    return len(line)


def apply(text: str, edit: dict[str, Any], encoding: str) -> str:
    lines = text.split("\n")
    start, end = edit["range"]["start"], edit["range"]["end"]
    assert start["line"] == end["line"]
    line = lines[start["line"]]
    a, b = index_of(line, start["character"], encoding), index_of(line, end["character"], encoding)
    lines[start["line"]] = line[:a] + edit["newText"] + line[b:]
    return "\n".join(lines)


async def _open(client: RawClient, workspace: Path, relative: str, text: str) -> str:
    path = workspace / relative
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}},
    )
    return uri


async def _diagnostics(client: RawClient, uri: str) -> list[dict[str, Any]]:
    params = await client.wait_for(
        "textDocument/publishDiagnostics", lambda p: p["uri"] == uri and p["diagnostics"]
    )
    return list(params["diagnostics"])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
async def test_diagnostic_and_fix_in_the_negotiated_encoding(
    raw: StartRaw, workspace: Path, encoding: str
) -> None:
    client = await raw(workspace)
    result = await client.initialize(workspace, {"general": {"positionEncodings": [encoding]}})
    assert result["capabilities"]["positionEncoding"] == encoding
    uri = await _open(client, workspace, ".orchestra/commands/emo.md", COMMAND)
    [diagnostic] = [d for d in await _diagnostics(client, uri) if "plannr" in d["message"]]
    line = COMMAND.split("\n")[3]
    column = line.index("plannr")
    assert diagnostic["range"] == {
        "start": {"line": 3, "character": units(line[:column], encoding)},
        "end": {"line": 3, "character": units(line[: column + 6], encoding)},
    }
    actions = await client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": diagnostic["range"],
            "context": {"diagnostics": [diagnostic]},
        },
    )
    [fix] = [a for a in actions["result"] if a["title"] == "Change to 'planner'"]
    [edit] = fix["edit"]["changes"][uri]
    fixed = apply(COMMAND, edit, encoding)
    assert fixed.split("\n")[3] == '  - {id: a, prompt: "😀😀 go", agent: planner}'
    assert await client.close() == 0


async def test_agent_file_tool_fix_in_utf16(raw: StartRaw, workspace: Path) -> None:
    client = await raw(workspace)
    await client.initialize(workspace, {"general": {"positionEncodings": ["utf-16"]}})
    uri = await _open(client, workspace, ".orchestra/agents/emo.md", AGENT)
    [diagnostic] = [d for d in await _diagnostics(client, uri) if "'edt'" in d["message"]]
    line = AGENT.split("\n")[3]
    assert diagnostic["range"]["start"]["character"] == units(line[: line.index("edt")], "utf-16")
    actions = await client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": diagnostic["range"],
            "context": {"diagnostics": [diagnostic]},
        },
    )
    [fix] = [a for a in actions["result"] if a["title"] == "Change to 'edit'"]
    fixed = apply(AGENT, fix["edit"]["changes"][uri][0], "utf-16")
    assert fixed.split("\n")[3] == 'tools: [read_file, "😀😀", edit]'
    assert await client.close() == 0


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
async def test_completion_text_edit_and_hover(
    raw: StartRaw, workspace: Path, encoding: str
) -> None:
    client = await raw(workspace)
    await client.initialize(workspace, {"general": {"positionEncodings": [encoding]}})
    uri = await _open(client, workspace, ".orchestra/commands/emo.md", COMMAND)
    await _diagnostics(client, uri)  # the configuration as typed is loaded
    line = COMMAND.split("\n")[4]
    cursor = line.index("steps.") + len("steps.")
    answer = await client.request(
        "textDocument/completion",
        {
            "textDocument": {"uri": uri},
            "position": {"line": 4, "character": units(line[:cursor], encoding)},
        },
    )
    items = answer["result"]
    items = items["items"] if isinstance(items, dict) else items
    labels = [i["label"] for i in items]
    # Only the earlier step's output, the command's own arguments (none) and the context.
    assert "steps.a.output" in labels and "steps.b.output" not in labels
    assert "goal" not in labels  # the argument of another command
    [item] = [i for i in items if i["label"] == "steps.a.output"]
    start = line.index("{{") + 2
    assert item["textEdit"]["range"] == {
        "start": {"line": 4, "character": units(line[:start], encoding)},
        "end": {"line": 4, "character": units(line[:cursor], encoding)},
    }
    completed = apply(COMMAND, item["textEdit"], encoding).split("\n")[4]
    assert '{{steps.a.output", agent' in completed
    hover_line = COMMAND.split("\n")[4]
    at = hover_line.index("coder") + 2
    hovered = await client.request(
        "textDocument/hover",
        {
            "textDocument": {"uri": uri},
            "position": {"line": 4, "character": units(hover_line[:at], encoding)},
        },
    )
    assert "**coder** (agent)" in hovered["result"]["contents"]["value"]
    assert await client.close() == 0


@pytest.mark.parametrize(
    ("client_info", "offered", "served"),
    [
        ({"name": "emacs", "version": "GNU Emacs 30.1"}, None, "utf-32"),  # lsp-mode 8
        ({"name": "emacs", "version": "GNU Emacs 30.1"}, ["utf-16"], "utf-16"),
        ({"name": "Eglot", "version": "1.17"}, None, "utf-16"),
        (None, None, "utf-16"),
    ],
)
async def test_a_client_that_counts_characters_is_served_utf32(
    raw: StartRaw, workspace: Path, client_info: Any, offered: Any, served: str
) -> None:
    client = await raw(workspace)
    capabilities = {"general": {"positionEncodings": offered}} if offered else {}
    extra = {"clientInfo": client_info} if client_info else {}
    result = await client.initialize(workspace, capabilities, **extra)
    assert result["capabilities"]["positionEncoding"] == served
    uri = await _open(client, workspace, ".orchestra/commands/emo.md", COMMAND)
    [diagnostic] = [d for d in await _diagnostics(client, uri) if "plannr" in d["message"]]
    line = COMMAND.split("\n")[3]
    assert diagnostic["range"]["start"]["character"] == units(line[: line.index("plannr")], served)
    assert await client.close() == 0
