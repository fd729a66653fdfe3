"""`orchestra check` warns about a Claude Code command's `` !`cmd` `` line that the
command's own `allowed-tools` (or a deny rule) refuses, on that line, naming the rule —
and the run refuses exactly those lines: both ask the same decision. A real `orchestra`
subprocess, the real anthropic client against the scripted Messages API server."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from engine_helpers import events_of, orchestra, workspace

from orchestra_lsp.journal import list_runs
from orchestra_lsp.testing import ScriptedServer

COMMAND = """\
---
description: greets, by shell lines
allowed-tools: Bash(echo:*), Read
---
Hello: !`echo hello`
Listing: !`ls -a`
Then !`echo twice && touch made.txt` and !`echo deny me`

```
!`ls` in a fenced block is an example: never run, never warned about
```
"""
CONFIG = '[permissions]\ndeny = ["run_shell(echo deny*)"]\n'
NONE = "---\ndescription: no tools\n---\nWhere: !`pwd`\n"


def _warnings(out: str, name: str) -> dict[tuple[int, int], str]:
    found = {}
    for line in out.splitlines():
        at = re.match(rf"\.claude/commands/{name}\.md:(\d+):(\d+): warning: (.*)", line)
        if at:
            found[(int(at[1]), int(at[2]))] = at[3]
    return found


def test_check_warns_on_each_refused_line_with_its_rule(tmp_path: Path) -> None:
    root = workspace(
        tmp_path / "ws",
        {},
        config=CONFIG,
        extra={".claude/commands/greet.md": COMMAND, ".claude/commands/where.md": NONE},
    )
    done = orchestra(root, "http://127.0.0.1:9", tmp_path / "config", "check")
    assert done.returncode == 0, done.stdout + done.stderr  # warnings only
    greet = _warnings(done.stdout, "greet")
    lines = COMMAND.splitlines()
    for (row, column), message in greet.items():
        assert lines[row - 1][column - 1 :].startswith("!`"), (row, column, message)
    assert set(greet) == {(6, 10), (7, 6), (7, 42)}, greet
    assert greet[(6, 10)] == (
        "!`ls -a` will not run before the prompt: no rule of its `allowed-tools` allows it "
        "(`Bash(echo:*)` only); add `Bash(ls -a)` to let it run"
    )
    assert "allows `touch made.txt`" in greet[(7, 6)], greet
    assert "the deny rule `run_shell(echo deny*)` refuses it" in greet[(7, 42)], greet
    where = _warnings(done.stdout, "where")
    assert list(where.values()) == [
        "!`pwd` will not run before the prompt: its `allowed-tools` allow no shell command; "
        "add `Bash(pwd)` to let it run"
    ], done.stdout


def test_the_run_refuses_exactly_the_lines_check_warned_about(tmp_path: Path) -> None:
    root = workspace(
        tmp_path / "ws", {}, config=CONFIG, extra={".claude/commands/greet.md": COMMAND}
    )
    checked = orchestra(root, "http://127.0.0.1:9", tmp_path / "config", "check")
    warned = {message.split("`")[1] for message in _warnings(checked.stdout, "greet").values()}
    with ScriptedServer([{"reply": {"text": "Greeted."}}]) as server:
        done = orchestra(root, server, tmp_path / "config", "run", "greet", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    [run] = list_runs(root)
    started = {
        e["call_id"]: e["arguments"]["command"]
        for e in events_of(root, run.run_id, "tool_call_started")
    }
    refused = {
        started[e["call_id"]]
        for e in events_of(root, run.run_id, "tool_call_finished")
        if e["call_id"].startswith("prompt-") and e["is_error"]
    }
    assert refused == warned == {"ls -a", "echo twice && touch made.txt", "echo deny me"}
    assert not (root / "made.txt").exists()
    [request] = [r for r in server.requests if r.turn == 0]
    prompt = str((request.body or {})["messages"][0]["content"])
    assert "Hello: hello" in prompt, prompt
    why = "neither the command's `allowed-tools` nor the permission rules allow it"
    assert f"[`ls -a` was not run: {why}]" in prompt


SKILL = """\
---
name: peek
description: Peeks at the shop.
allowed-tools: Bash(echo:*)
---
Files: !`ls shop`
Note: !`echo peeked`
"""


def test_a_skill_run_as_a_command_gets_the_same_warning(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {}, extra={".claude/skills/peek/SKILL.md": SKILL})
    done = orchestra(root, "http://127.0.0.1:9", tmp_path / "config", "check")
    warned = [line for line in done.stdout.splitlines() if line.startswith(".claude/skills/peek/")]
    assert warned == [
        ".claude/skills/peek/SKILL.md:6:8: warning: !`ls shop` will not run before the prompt: "
        "no rule of its `allowed-tools` allows it (`Bash(echo:*)` only); add `Bash(ls shop)` "
        "to let it run"
    ], done.stdout
