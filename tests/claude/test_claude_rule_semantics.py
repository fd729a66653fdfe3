"""Claude Code's rule semantics: `Bash(git diff:*)` is a prefix match at a word
boundary (`git diff --cached`, never `git diff-index`), as is `Bash(ls *)`; a
`` !`cmd` `` line of a command runs when its `allowed-tools` or the settings'
`permissions.allow` allow it (deny rules win); `orchestra check` decides a line with
`$ARGUMENTS` as the run does, with the arguments in place. Through the real loader,
the real CLI and the scripted Messages API."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from claude_repo import first_user_text, git_init, message_bodies, orchestra, write

from orchestra_lsp.permissions import Policy
from orchestra_lsp.testing import ScriptedServer
from orchestra_lsp.workspace import load_workspace

SETTINGS = {
    "permissions": {
        "allow": ["Bash(git diff:*)", "Bash(npm run test:*)", "Bash(ls *)", "Bash(git log*)"],
        "deny": ["Bash(git push:*)"],
    }
}

CASES = [
    ("git diff", "allow"),
    ("git diff --cached", "allow"),
    ("git diff HEAD~1 -- src/app.py", "allow"),
    ("git diff-index HEAD", "ask"),
    ("git diffx", "ask"),
    ("npm run test", "allow"),
    ("npm run test -- --watch", "allow"),
    ("npm run test:unit", "ask"),
    ("ls", "allow"),
    ("ls -la", "allow"),
    ("lsof -i", "ask"),
    ("git log --oneline", "allow"),
    ("git logx", "allow"),  # no space before `*`: a plain prefix, as in Claude Code
    ("git push", "deny"),
    ("git push origin main", "deny"),
    ("git diff --cached && git push", "deny"),
]


@pytest.mark.parametrize(("command", "verdict"), CASES)
def test_colon_star_is_a_prefix_at_a_word_boundary(
    tmp_path: Path, command: str, verdict: str
) -> None:
    root = write(tmp_path / "repo", {".claude/settings.json": json.dumps(SETTINGS)})
    ws = load_workspace(root, user_dir=tmp_path / "user")
    settings = ws.claude_settings
    policy = Policy.from_strings(allow=settings.allow, deny=settings.deny, workspace=str(root))
    assert policy.decide("run_shell", {"command": command}).verdict == verdict, settings.allow


DIFF_COMMAND = """\
---
description: Summarise the staged change
allowed-tools: Read
---
Staged: !`git diff --cached --stat`
Plumbing: !`git diff-index --cached HEAD`
Summarise the staged change.
"""


def test_bang_lines_run_under_the_settings_allow_rules_too(tmp_path: Path) -> None:
    files = {
        ".claude/settings.json": json.dumps(SETTINGS),
        ".claude/commands/staged.md": DIFF_COMMAND,
        "shop.py": "PRICE = 1\n",
    }
    root = write(tmp_path / "repo", files)
    home = write(tmp_path / "home", {})
    git_init(root)
    (root / "shop.py").write_text("PRICE = 2\n", "utf-8")
    subprocess.run(["git", "add", "shop.py"], cwd=root, check=True)
    with ScriptedServer([{"reply": {"text": "Price up."}}]) as server:
        checked = orchestra(root, server, home, "check")
        done = orchestra(root, server, home, "run", "staged", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    warned = [line for line in checked.stdout.splitlines() if "will not run" in line]
    assert len(warned) == 1 and "!`git diff-index --cached HEAD`" in warned[0], checked.stdout
    prompt = first_user_text(message_bodies(server)[0])
    assert "Staged:  shop.py | 2 +-" in prompt, prompt
    assert "[`git diff-index --cached HEAD` was not run: neither the command's" in prompt, prompt


TEST_COMMAND = """\
---
description: Run the named tests
argument-hint: <test module>
allowed-tools: Bash(python3 -m unittest:*)
---
Results: !`python3 -m unittest -q $ARGUMENTS 2>&1 | tail -3`
Fix what fails.
"""


def test_a_line_with_arguments_is_checked_with_the_arguments_in_place(tmp_path: Path) -> None:
    files = {
        ".claude/commands/t.md": TEST_COMMAND,
        "test_shop.py": "import unittest\n\nclass T(unittest.TestCase):\n"
        "    def test_ok(self) -> None:\n        self.assertTrue(True)\n",
    }
    root = write(tmp_path / "repo", files)
    home = write(tmp_path / "home", {})
    git_init(root)
    with ScriptedServer([]) as server:
        checked = orchestra(root, server, home, "check")
    [warned] = [line for line in checked.stdout.splitlines() if "will not run" in line]
    assert "computed by the shell" not in warned, warned
    assert "allows `tail -3`" in warned, warned

    settings = {"permissions": {"allow": ["Bash(tail:*)"]}}
    (root / ".claude/settings.json").write_text(json.dumps(settings), "utf-8")
    with ScriptedServer([{"reply": {"text": "All pass."}}]) as server:
        checked = orchestra(root, server, home, "check")
        done = orchestra(root, server, home, "run", "t", "test_shop", "--yes")
    server.assert_no_failures()
    assert "will not run" not in checked.stdout, checked.stdout
    assert done.returncode == 0, done.stdout + done.stderr
    prompt = first_user_text(message_bodies(server)[0])
    assert "Ran 1 test" in prompt and "OK" in prompt, prompt
