"""A Claude Code command without a `description` is described by the first line of its
body, as Claude Code shows it. Through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from claude_repo import orchestra, write

from orchestra_lsp.testing import ScriptedServer


def _listed(root: Path, home: Path, what: str) -> list[dict[str, Any]]:
    with ScriptedServer([]) as server:
        done = orchestra(root, server, home, what, "--json")
    assert done.returncode == 0, done.stderr
    listed: list[dict[str, Any]] = json.loads(done.stdout)
    return listed


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("# Review the code\n\nLook at it.\n", "Review the code"),
        ("\n\n## Fix it  \nNow.\n", "Fix it"),
        ("Summarise $ARGUMENTS briefly\n", "Summarise $ARGUMENTS briefly"),
        ("---\ndescription: Written\n---\n# Not this\n", "Written"),
    ],
)
def test_a_claude_code_command_without_description_shows_its_first_line(
    tmp_path: Path, body: str, shown: str
) -> None:
    root = write(tmp_path / "repo", {".claude/commands/mine.md": body})
    listed = _listed(root, tmp_path / "home", "commands")
    assert {c["name"]: c["description"] for c in listed}["mine"] == shown
