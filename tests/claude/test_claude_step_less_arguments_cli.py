"""A step-less `.orchestra` command binds `$ARGUMENTS` and `$1`.. as a Claude Code
command does (the README's promise), through the real CLI and the scripted Messages
API."""

from __future__ import annotations

from pathlib import Path

import pytest
from claude_repo import first_user_text, git_init, message_bodies, orchestra, write

from orchestra_lsp.testing import ScriptedServer

SAY_HI = "---\ndescription: Say hi\n---\nSay hi about $ARGUMENTS (first: $1, second: $2)\n"


@pytest.mark.parametrize("folder", [".orchestra/commands", ".claude/commands"])
def test_a_step_less_command_takes_its_words_as_claude_code_does(
    tmp_path: Path, folder: str
) -> None:
    root = write(tmp_path / "repo", {f"{folder}/nosteps.md": SAY_HI})
    git_init(root)
    with ScriptedServer([{"reply": {"text": "hi"}}]) as server:
        done = orchestra(
            root, server, tmp_path / "home", "run", "nosteps", "foo", "bar baz", "--yes"
        )
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    [body] = message_bodies(server)
    assert "Say hi about foo 'bar baz' (first: foo, second: bar baz)" in first_user_text(body)


def test_a_step_less_command_without_placeholders_still_refuses_words(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", {".orchestra/commands/plain.md": "Say hi\n"})
    git_init(root)
    with ScriptedServer([]) as server:
        done = orchestra(root, server, tmp_path / "home", "run", "plain", "foo", "--yes")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "takes 0 argument(s)" in done.stderr
    assert message_bodies(server) == []
