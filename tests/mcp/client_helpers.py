"""End-to-end helpers for the MCP client tests: a workspace whose agent uses MCP tools,
`orchestra run` in a real process against the scripted model, and its journal.

The CLI is started from `/` on purpose: editors and shells start Orchestra from
anywhere, and nothing may depend on the folder it was launched from.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer, ScriptLike

#: The `lsp_editor` fixture: `await lsp_editor(workspace, env=...)` gives the LSP tests'
#: `Editor` (from tests/lsp/lsp_helpers.py) on a fresh language server.
StartEditor = Callable[..., Awaitable[Any]]

API_KEY = "test-key-mcp-5e6f7a8b9c0d"
SERVERS = Path(__file__).resolve().parent / "servers"


def agent(name: str, tools: list[str]) -> str:
    return (
        f"---\nname: {name}\ndescription: Uses MCP tools for the tests.\n"
        f"tools: {json.dumps(tools)}\nmax_turns: 16\n---\nYou are {name}.\n"
    )


def mcp_workspace(
    root: Path,
    servers: dict[str, Any],
    *,
    tools: list[str],
    mcp_file: str = ".orchestra/mcp.json",
    config: str = "",
    extra: dict[str, str] | None = None,
) -> Path:
    """A workspace with one command `go` whose one step runs the agent `user` with `tools`."""
    files = {
        ".orchestra/config.toml": '[model]\nname = "claude-sonnet-4-6"\n' + config,
        ".orchestra/agents/user.md": agent("user", tools),
        ".orchestra/commands/go.md": (
            '---\ndescription: use the MCP tools\nsteps: [{"id": "main", "agent": "user", '
            '"prompt": "Use the tools."}]\n---\n'
        ),
        mcp_file: json.dumps({"mcpServers": servers}),
        **(extra or {}),
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@dataclass
class CliRun:
    done: subprocess.CompletedProcess[str]
    model: ScriptedServer
    root: Path

    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.model.requests if r.path.endswith("/v1/messages") and r.body]

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        [summary] = list_runs(self.root)[-1:]
        events = load_run(self.root, summary.run_id).events
        return [e for e in events if kind is None or e.get("type") == kind]

    def tool_results(self) -> list[dict[str, Any]]:
        """Every tool_result block the model was sent, in order (each sent once)."""
        seen: list[dict[str, Any]] = []
        for body in self.bodies():
            last = body["messages"][-1]
            if last["role"] == "user" and isinstance(last["content"], list):
                seen += [b for b in last["content"] if b.get("type") == "tool_result"]
        return seen


def orchestra(
    *args: str, root: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`orchestra ARGS -w ROOT` run from `/`, with the user config kept in the workspace."""
    environ = {
        **os.environ,
        "XDG_CONFIG_HOME": str(root / ".user-config"),
        "ANTHROPIC_API_KEY": API_KEY,
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", *args, "--workspace", str(root)],
        cwd="/",
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_cli(
    root: Path,
    script: ScriptLike,
    *args: str,
    command: str = "go",
    env: dict[str, str] | None = None,
) -> CliRun:
    with ScriptedServer(script) as model:
        done = orchestra(
            "run",
            command,
            *args,
            "--yes",
            "--quiet",
            root=root,
            env={"ANTHROPIC_BASE_URL": model.base_url, **(env or {})},
        )
    return CliRun(done, model, root)
