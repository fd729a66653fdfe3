"""A file in `.claude/agents` without `name` and `description` in its front matter (a
README of notes) is not an agent, as in Claude Code: a warning at the file. Through the
real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from claude_repo import orchestra, write

from orchestra_lsp.testing import ScriptedServer

NOTES = "# Our agents\n\nNotes on the agents below; not an agent.\n"
NO_DESCRIPTION = "---\nname: half\n---\nHalf an agent.\n"
GOOD = "---\nname: good\ndescription: A real one\n---\nDo good.\n"


def _listed(root: Path, home: Path, what: str) -> list[dict[str, Any]]:
    with ScriptedServer([]) as server:
        done = orchestra(root, server, home, what, "--json")
    assert done.returncode == 0, done.stderr
    listed: list[dict[str, Any]] = json.loads(done.stdout)
    return listed


def test_agent_files_without_name_and_description_are_not_agents(tmp_path: Path) -> None:
    files = {
        ".claude/agents/README.md": NOTES,
        ".claude/agents/half.md": NO_DESCRIPTION,
        ".claude/agents/good.md": GOOD,
    }
    root, home = write(tmp_path / "repo", files), tmp_path / "home"
    names = {a["name"] for a in _listed(root, home, "agents")}
    assert "good" in names
    assert not names & {"README", "half"}
    with ScriptedServer([]) as server:
        checked = orchestra(root, server, home, "check", "--json")
    problems: list[dict[str, Any]] = json.loads(checked.stdout)
    refused = {Path(p["path"]).name: (p["severity"], p["line"], p["message"]) for p in problems}
    assert refused == {
        "README.md": (
            "warning",
            1,
            "not an agent: Claude Code reads an agent file only when its front matter has "
            "`name` and `description`, and this one has no name and no description",
        ),
        "half.md": (
            "warning",
            1,
            "not an agent: Claude Code reads an agent file only when its front matter has "
            "`name` and `description`, and this one has no description",
        ),
    }
    assert checked.returncode == 0
