"""The CLI as a user runs it: a real process, real files, exit codes and output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from orchestra_lsp import __version__


def orchestra(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(home)}  # keep the user's own folder out
    return subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_version(tmp_path: Path) -> None:
    result = orchestra("--version", cwd=tmp_path, home=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"orchestra {__version__}"


def test_init_then_check_is_clean_and_init_never_overwrites(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".gitignore").write_text("node_modules/")
    first = orchestra("init", cwd=repo, home=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "created  .orchestra/CONTEXT.md" in first.stdout
    for name in ("CONTEXT.md", "config.toml", "mcp.json", "agents/helper.md"):
        assert (repo / ".orchestra" / name).is_file()
    assert (repo / ".gitignore").read_text() == "node_modules/\n.orchestra/runs/\n"

    (repo / ".orchestra" / "CONTEXT.md").write_text("mine")
    second = orchestra("init", "--workspace", str(repo), cwd=tmp_path, home=tmp_path)
    assert second.returncode == 0
    assert "kept     .orchestra/CONTEXT.md (already there)" in second.stdout
    assert (repo / ".orchestra" / "CONTEXT.md").read_text() == "mine"
    assert (repo / ".gitignore").read_text().count(".orchestra/runs/") == 1

    check = orchestra("check", cwd=repo, home=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 error(s)" in check.stderr
    listed = orchestra("commands", cwd=repo, home=tmp_path)
    assert "explain-file" in listed.stdout and "implement-ticket" in listed.stdout


def test_check_reports_each_problem_and_fails(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".orchestra" / "agents").mkdir(parents=True)
    (repo / ".orchestra" / "agents" / "bad.md").write_text("---\ntools: [read_fil]\n---\nx\n")
    (repo / ".orchestra" / "config.toml").write_text("[model\n")
    result = orchestra("check", cwd=repo, home=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(".orchestra/agents/bad.md:2:9: error: unknown tool 'read_fil'")
    assert lines[1].startswith(".orchestra/config.toml:1:")
    assert ": error: TOML syntax error" in lines[1]

    as_json = orchestra("check", "--json", "-w", str(repo), cwd=tmp_path, home=tmp_path)
    assert as_json.returncode == 1
    payload = json.loads(as_json.stdout)
    assert {(p["line"], p["column"], p["severity"]) for p in payload} >= {(2, 9, "error")}


def test_agents_and_commands_say_where_they_come_from(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".claude" / "agents").mkdir(parents=True)
    (repo / ".claude" / "agents" / "x.md").write_text("---\nname: x\ndescription: X\n---\nx\n")
    agents = orchestra("agents", "--json", cwd=repo, home=tmp_path)
    assert agents.returncode == 0
    by_name = {a["name"]: a for a in json.loads(agents.stdout)}
    assert by_name["x"]["layer"] == "repository (.claude)"
    assert by_name["qa"]["layer"] == "built-in"
    table = orchestra("agents", cwd=repo, home=tmp_path)
    row = next(line for line in table.stdout.splitlines() if line.startswith("│ x "))
    assert ".claude/agents/x.md" in row


def test_a_missing_workspace_is_one_clear_line(tmp_path: Path) -> None:
    result = orchestra("check", "-w", str(tmp_path / "nope"), cwd=tmp_path, home=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"orchestra: workspace {tmp_path / 'nope'} is not a folder"
