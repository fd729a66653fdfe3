"""`${VAR}` in mcp.json as a shell expands it: `:-` for unset or empty, `-` for unset
only, defaults nested, nothing else touched; an unset variable without a default is a
warning at its own place, in `orchestra check` and in the editor."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from client_helpers import SERVERS, StartEditor, mcp_workspace, orchestra, run_cli

from orchestra_lsp.workspace import load_workspace

CASES = [
    ("${EMPTY:-fallback}", "fallback"),
    ("${EMPTY-fallback}", ""),
    ("${UNSET-fallback}", "fallback"),
    ("${UNSET:-fallback}", "fallback"),
    ("${SET:-fallback}", "value"),
    ("${SET-fallback}", "value"),
    ("${UNSET:-${ALSO_UNSET:-deep}-${SET}}", "deep-value"),
    ("${UNSET:-a}}", "a}"),
    ("$SET $$ ${ ${SET \\${SET}", "$SET $$ ${ ${SET \\value"),
    ("pa$$${DOLLAR}word", "pa$$x$y$word"),
    ("${1} ${-x} ${SET:+alt}", "${1} ${-x} ${SET:+alt}"),
]


def test_shell_semantics(tmp_path: Path) -> None:
    args = [text for text, _ in CASES]
    mcp_workspace(
        tmp_path, {"s": {"command": "${CMD:-python3}", "args": args}}, tools=["mcp__s__*"]
    )
    environ = {"EMPTY": "", "SET": "value", "DOLLAR": "x$y$"}
    workspace = load_workspace(tmp_path, user_dir=tmp_path / "user", environ=environ)
    spec = workspace.mcp_servers["s"].spec
    assert spec.command == "python3"  # type: ignore[union-attr]
    assert list(zip(args, spec.args, strict=True)) == CASES  # type: ignore[union-attr]
    assert not [d for d in workspace.diagnostics if "mcp.json" in str(d.path)]
    recorded = {(e.variable, e.value, e.field) for e in workspace.mcp_servers["s"].expanded}
    assert ("DOLLAR", "x$y$", "args[9]") in recorded and ("SET", "value", "args[6]") in recorded
    assert not any(e.variable in ("EMPTY", "UNSET") for e in workspace.mcp_servers["s"].expanded)


MCP_JSON = """{
  "mcpServers": {
    "s": {"command": "python3", "args": ["--token=${ORCH_TEST_NOPE}", "${ORCH_TEST_OK:-x}"],
          "env": {"A": "pre \\"q\\" ${ORCH_TEST_GONE}"}}
  }
}
"""


def test_check_points_at_the_unset_variable(tmp_path: Path) -> None:
    mcp_workspace(tmp_path, {}, tools=["read_file"])
    (tmp_path / ".orchestra" / "mcp.json").write_text(MCP_JSON)
    done = orchestra("check", root=tmp_path)
    warnings = [line for line in done.stdout.splitlines() if "ORCH_TEST" in line]
    # Column 1-based: the `${` of the variable itself, not the start of the string.
    column = MCP_JSON.splitlines()[2].index("${ORCH_TEST_NOPE}") + 1
    assert f".orchestra/mcp.json:3:{column}: warning: " in warnings[0]
    assert "ORCH_TEST_NOPE is not set" in warnings[0]
    assert "${ORCH_TEST_NOPE:-default}" in warnings[0]
    # A string with escapes is pointed at as a whole (its columns do not map one to one).
    string_column = MCP_JSON.splitlines()[3].index('"pre') + 1
    assert f".orchestra/mcp.json:4:{string_column}: warning: " in warnings[1]
    assert len(warnings) == 2  # ORCH_TEST_OK has a default


async def test_the_editor_shows_the_warning_on_the_variable(
    tmp_path: Path, lsp_editor: StartEditor
) -> None:
    mcp_workspace(tmp_path, {}, tools=["read_file"])
    (tmp_path / ".orchestra" / "mcp.json").write_text(MCP_JSON)
    editor = await lsp_editor(tmp_path, env={"XDG_CONFIG_HOME": str(tmp_path / "user")})
    editor.open(".orchestra/mcp.json", MCP_JSON, "json")
    uri = editor.uri(".orchestra/mcp.json")

    async def published() -> list[Any]:
        while not editor.client.diagnostics.get(uri):
            await editor.client.wait_for_notification("textDocument/publishDiagnostics")
        return list(editor.client.diagnostics[uri])

    diagnostics = await asyncio.wait_for(published(), 20)
    [nope] = [d for d in diagnostics if "ORCH_TEST_NOPE" in d.message]
    line = MCP_JSON.splitlines()[2]
    start = line.index("${ORCH_TEST_NOPE}")
    assert (nope.range.start.line, nope.range.start.character) == (2, start)
    assert nope.range.end.character == start + len("${ORCH_TEST_NOPE}")
    assert nope.severity == 2  # Warning


@pytest.mark.parametrize("value", ["", None])
def test_a_server_gets_the_expanded_values(tmp_path: Path, value: str | None) -> None:
    """Through a run: the server sees `:-` take the default for an empty variable and
    `-` keep it empty; both take it when it is unset. (A value from the environment is
    redacted before the model sees it, so only defaults can be compared here.)"""
    mcp_workspace(
        tmp_path,
        {
            "env": {
                "command": sys.executable,
                "args": [
                    str(SERVERS / "env_server.py"),
                    "${ORCH_ARG:-default-arg}",
                    "${ORCH_ARG-unset}|${ORCH_ARG:-empty-or-unset}|$HOME",
                ],
                "env": {"SEEN": "${ORCH_ARG:-x}-secret"},
            }
        },
        tools=["mcp__env__show"],
        config='[permissions]\nallow = ["mcp__*"]\n',
    )
    # env values are secrets: redacted before the model and the journal see them.
    dash = "unset" if value is None else ""
    expected = f"argv=['default-arg', '{dash}|empty-or-unset|$HOME'] SEEN=[redacted]"
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "mcp__env__show", "input": {}}]}},
        {"expect": {"last_tool_result_contains": [expected]}, "reply": {"text": "ok"}},
    ]
    environ = {} if value is None else {"ORCH_ARG": value}
    run = run_cli(tmp_path, script, env=environ)
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    run.model.assert_no_failures()
    [finished] = run.events("tool_call_finished")
    assert finished["summary"] == expected
