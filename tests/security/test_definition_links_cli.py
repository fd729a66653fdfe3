"""A repository's definition files that are symlinks out of it are not read.

A cloned repository holding `.claude/commands/passwd.md -> /etc/passwd` must not make
`orchestra run passwd` send the machine's file to the model, nor turn `/etc/hostname`
into an agent or `/etc/passwd` into settings. Every file and folder the loader reads
from the repository gets the rule CLAUDE.md has: a link may lead into the workspace,
or (for a workspace in the home folder) to a note there; anything else is a warning at
the link, saying where it leads. The person's own folders may link anywhere. Through
the real CLI and the scripted Messages API.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orchestra_lsp.testing import ScriptedServer

API_KEY = "test-key-links-3f9a0c1d7e"
MARK = "OUTSIDEMARK-6b1e0f2a9c"

AGENT = f"---\nname: outsider\ndescription: {MARK}\n---\n{MARK} agent\n"
COMMAND = f"---\ndescription: {MARK}\n---\nSay {MARK}\n"
SETTINGS = json.dumps({"permissions": {"allow": [f"Bash(echo {MARK})"]}})
MCP = json.dumps({"mcpServers": {"outsider": {"command": "echo", "args": [MARK]}}})
CONFIG = f'[agents]\ndefault = "{MARK}"\n'
SKILL = f"---\nname: outsider\ndescription: {MARK}\n---\n{MARK}\n"


def run(
    root: Path, home: Path, *args: str, server: ScriptedServer | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ANTHROPIC_") and k not in ("XDG_CONFIG_HOME", "COLUMNS")
    }
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), ANTHROPIC_API_KEY=API_KEY)
    if server is not None:
        env["ANTHROPIC_BASE_URL"] = server.base_url
    return subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", *args, "--workspace", str(root)],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
    )


def put(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def link(at: Path, target: Path) -> None:
    at.parent.mkdir(parents=True, exist_ok=True)
    at.symlink_to(target)


@pytest.fixture
def places(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(repository, home folder, a folder outside both), the repository not in the home."""
    root, home, elsewhere = tmp_path / "repo", tmp_path / "home", tmp_path / "elsewhere"
    (root / ".orchestra").mkdir(parents=True)
    (home / ".config").mkdir(parents=True)
    elsewhere.mkdir()
    return root, home, elsewhere


def _file(relative: str, text: str) -> Any:
    def make(root: Path, elsewhere: Path) -> tuple[str, Path]:
        target = put(elsewhere / Path(relative).name, text)
        link(root / relative, target)
        return relative, target

    return make


def _folder(relative: str, inside: str, text: str) -> Any:
    def make(root: Path, elsewhere: Path) -> tuple[str, Path]:
        target = elsewhere / "folder"
        put(target / inside, text)
        link(root / relative, target)
        return relative, target

    return make


#: Links out of the repository, each to a file holding MARK: (the link, where it leads).
LINKS = {
    "a Claude Code command": _file(".claude/commands/passwd.md", COMMAND),
    "a Claude Code agent": _file(".claude/agents/x.md", AGENT),
    "settings.local.json": _file(".claude/settings.local.json", SETTINGS),
    "settings.json": _file(".claude/settings.json", SETTINGS),
    ".mcp.json": _file(".mcp.json", MCP),
    ".orchestra/mcp.json": _file(".orchestra/mcp.json", MCP),
    ".orchestra/config.toml": _file(".orchestra/config.toml", CONFIG),
    "an .orchestra command": _file(".orchestra/commands/passwd.md", COMMAND),
    "a Copilot prompt": _file(".github/prompts/passwd.prompt.md", COMMAND),
    "a Copilot agent": _file(".github/agents/x.agent.md", AGENT),
    "a skill's SKILL.md": _file(".claude/skills/outsider/SKILL.md", SKILL),
    "the commands folder": _folder(".claude/commands", "passwd.md", COMMAND),
    "a folder inside commands": _folder(".claude/commands/shared", "passwd.md", COMMAND),
    "the .claude folder": _folder(".claude", "commands/passwd.md", COMMAND),
    "the agents folder": _folder(".orchestra/agents", "x.md", AGENT),
    "the skills folder": _folder(".claude/skills", "outsider/SKILL.md", SKILL),
    "a skill's folder": _folder(".claude/skills/outsider", "SKILL.md", SKILL),
}


@pytest.mark.parametrize("kind", list(LINKS), ids=list(LINKS))
def test_a_link_out_of_the_repository_is_a_warning_and_is_not_read(
    places: tuple[Path, Path, Path], kind: str
) -> None:
    root, home, elsewhere = places
    at, target = LINKS[kind](root, elsewhere)
    checked = run(root, home, "check", "--json", "--no-cache")
    problems: list[dict[str, Any]] = json.loads(checked.stdout)
    assert MARK not in checked.stdout + checked.stderr
    warnings = [p for p in problems if "is a link to" in p["message"]]
    assert [(w["path"], w["severity"]) for w in warnings] == [(at, "warning")]
    assert warnings[0]["message"] == (
        f"{at} is a link to {target}: outside the workspace and your home folder; it is not read"
    )
    for listing in ("commands", "agents"):
        listed = run(root, home, listing, "--json")
        assert listed.returncode == 0, listed.stderr
        assert MARK not in listed.stdout, listing


def test_running_a_linked_command_sends_nothing_to_the_model(
    places: tuple[Path, Path, Path],
) -> None:
    root, home, elsewhere = places
    link(root / ".claude/commands/passwd.md", put(elsewhere / "passwd", f"root:x:0:0 {MARK}\n"))
    with ScriptedServer([{"reply": {"text": "done"}}]) as server:
        done = run(root, home, "run", "passwd", "--yes", server=server)
    assert done.returncode != 0
    assert "passwd" in done.stderr + done.stdout
    assert MARK not in done.stdout + done.stderr
    assert [r for r in server.requests if r.path.endswith("/v1/messages")] == []


def test_links_inside_the_workspace_are_read(places: tuple[Path, Path, Path]) -> None:
    root, home, _ = places
    put(root / "docs/shared/hello.md", "---\ndescription: Hello from docs\n---\nSay hello\n")
    link(root / ".claude/commands/hello.md", Path("../../docs/shared/hello.md"))
    link(root / ".orchestra/commands", root / "docs/shared")
    checked = run(root, home, "check", "--json", "--no-cache")
    assert "is a link to" not in checked.stdout
    listed = json.loads(run(root, home, "commands", "--json").stdout)
    descriptions = {c["name"]: c["description"] for c in listed}
    assert descriptions["hello"] == "Hello from docs"


def test_from_the_home_folder_a_repository_links_only_notes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    root = home / "work" / "repo"
    (root / ".orchestra").mkdir(parents=True)
    note = put(home / "notes" / "hello.md", "---\ndescription: A note of mine\n---\nSay hi\n")
    secret = put(home / "keys.json", SETTINGS)
    link(root / ".claude/commands/hello.md", note)
    link(root / ".claude/settings.local.json", secret)
    checked = run(root, home, "check", "--json", "--no-cache")
    assert MARK not in checked.stdout
    warnings = [p for p in json.loads(checked.stdout) if "link" in p["message"]]
    assert [w["message"] for w in warnings] == [
        f".claude/settings.local.json is a link to {secret}: from the home folder only notes "
        "(.md) are read, never keys or credentials; it is not read"
    ]
    listed = json.loads(run(root, home, "commands", "--json").stdout)
    assert {c["name"]: c["description"] for c in listed}["hello"] == "A note of mine"


def test_the_persons_own_folders_may_link_anywhere(places: tuple[Path, Path, Path]) -> None:
    root, home, elsewhere = places
    mine = put(elsewhere / "mine.md", "---\ndescription: Kept elsewhere\n---\nSay mine\n")
    link(home / ".config/orchestra/commands/mine.md", mine)
    checked = run(root, home, "check", "--json", "--no-cache")
    assert "is a link to" not in checked.stdout
    listed = json.loads(run(root, home, "commands", "--json").stdout)
    assert {c["name"]: c["description"] for c in listed}["mine"] == "Kept elsewhere"
