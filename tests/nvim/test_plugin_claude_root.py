"""The plugin finds a workspace as the CLI does (`find_root`): in a repository with only
Claude Code's files (`.claude/`, `.mcp.json`, `CLAUDE.md`) the server starts for the
repository, a `.orchestra/` folder higher up wins over a nearer `.claude/`, the home
folder's `.claude/` (the person's settings) makes no workspace, and the search stops at
the repository root. Through a real Neovim with the plugin and the real server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from plugin_helpers import drive

from orchestra_lsp.cli.main import find_root
from orchestra_lsp.testing import ScriptedServer


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_the_plugin_finds_the_workspace_the_cli_finds(tmp_path: Path) -> None:
    home = _write(tmp_path / "home", {".claude/settings.json": "{}\n"})
    look = "---\ndescription: Look around\n---\nLook at src/app.py.\n"
    claude_only = _write(
        home / "claude-only",
        {"CLAUDE.md": "# Shop\n", ".claude/commands/look.md": look, "src/app.py": "x = 1\n"},
    )
    mcp_only = _write(home / "mcp-only", {".mcp.json": '{"mcpServers": {}}\n', "a/b.py": ""})
    nested = _write(
        home / "nested",
        {".orchestra/config.toml": "", "pkg/.claude/settings.json": "{}\n", "pkg/m.py": ""},
    )
    plain = _write(home / "plain", {"lib/x.py": ""})
    under_home = _write(home / "notes", {"todo.md": ""})
    outer = _write(home / "outer", {"CLAUDE.md": "outer\n", "inner/y.py": ""})
    for repo in (claude_only, mcp_only, nested, plain, outer / "inner"):
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    probes = [
        (claude_only / "src" / "app.py", False, claude_only),
        (mcp_only / "a", False, mcp_only),
        (nested / "pkg" / "m.py", False, nested),
        (plain / "lib" / "x.py", False, None),
        (plain / "lib", True, plain),  # a command run there: the repository root
        (under_home, False, None),  # ~/.claude is the person's settings, not a project
        (outer / "inner" / "y.py", False, None),  # the search stops at the repository root
    ]
    with ScriptedServer([]) as server:
        report = drive(
            "claude_root.lua",
            claude_only,
            tmp_path,
            server.base_url,
            [],
            HOME=str(home),
            ORCH_PROBES=json.dumps([{"path": str(p), "fallback": f} for p, f, _ in probes]),
            ORCH_OPEN=str(claude_only / "src" / "app.py"),
        )
    assert report["errors"] == [], report["errors"]
    assert report["roots"] == [None if want is None else str(want) for _, _, want in probes]
    assert report["server_root"] == str(claude_only)
    assert report["commands"] == ["look"]
    # the CLI's own rule gives the same folders (where it finds one)
    for path, _, want in probes:
        if want is not None:
            start = path if path.is_dir() else path.parent
            assert find_root(start) == want, path
