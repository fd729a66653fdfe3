"""`orchestra commands` and `orchestra agents` say, after the listing, how many
definitions could not be read (and where), instead of dropping them silently; through
the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BAD_COMMAND = "---\ndescription: [never closed\n---\nDo it.\n"
BAD_AGENT = "---\nname: broken\ndescription: x\nmax_turns: many\n---\nDo it.\n"


def listing(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CONFIG_HOME", "COLUMNS")}
    env.update(HOME=str(root.parent / "home"), XDG_CONFIG_HOME=str(root.parent / "config"))
    return subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", *args, "--workspace", str(root)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
    )


def put(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    return root


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_commands_name_the_definitions_that_could_not_be_read(
    tmp_path: Path, as_json: bool
) -> None:
    root = put(
        tmp_path / "repo",
        {
            ".orchestra/commands/bad.md": BAD_COMMAND,
            ".claude/commands/worse.md": "---\nmodel: [x\n---\nx\n",
            ".orchestra/commands/fine.md": "Say fine\n",
        },
    )
    done = listing(root, "commands", *(["--json"] if as_json else []))
    assert done.returncode == 0, done.stderr
    if as_json:
        assert "fine" in {c["name"] for c in json.loads(done.stdout)}
    assert done.stderr.strip() == (
        "orchestra: 2 command definitions could not be read and are not listed: "
        "bad (.orchestra/commands/bad.md:2:14), worse (.claude/commands/worse.md:2:8); "
        "run `orchestra check` for why"
    )


def test_agents_name_the_definition_that_could_not_be_read(tmp_path: Path) -> None:
    root = put(tmp_path / "repo", {".orchestra/agents/broken.md": BAD_AGENT})
    done = listing(root, "agents")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == (
        "orchestra: 1 agent definition could not be read and is not listed: "
        "broken (.orchestra/agents/broken.md:4:12); run `orchestra check` for why"
    )


def test_nothing_is_said_when_everything_was_read(tmp_path: Path) -> None:
    root = put(tmp_path / "repo", {".orchestra/commands/fine.md": "Say fine\n"})
    for what in ("commands", "agents"):
        done = listing(root, what)
        assert done.returncode == 0
        assert done.stderr == ""
