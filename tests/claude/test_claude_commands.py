"""Claude Code commands run with the meaning their authors wrote: `$1`..`$9` split
like a shell, `` !`cmd` `` run under the command's `allowed-tools`, `@file` read, the
neutral general-purpose agent. Through the real CLI and the scripted Messages API."""

from __future__ import annotations

import json
from pathlib import Path

from claude_repo import FILES, first_user_text, git_init, message_bodies, orchestra, write

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

EXPECTED_PROMPT = """\
## Context

- Current status: ?? untracked.txt
- Version: 1.4.2
- Cleanup: [`rm -rf build` was not run: neither the command's `allowed-tools` nor the permission rules allow it]

## Your task

Review PR #456 with priority high prio and assign it to alice (all: 456 'high prio' alice).
Follow @docs/review-guide.md and look at @src/app.py first.
Types come from @types/node, which is a package, not a file.

```sh
# an example, never run: !`touch never-run` and @secret.txt
```

<file path="docs/review-guide.md">
Check error handling first.
</file>

<file path="src/app.py">
def handler(event):
    return {'ok': True}
</file>"""


def test_command_prompt_is_expanded_as_claude_code_does(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", FILES)
    git_init(root)
    (root / "untracked.txt").write_text("new\n", "utf-8")
    home = tmp_path / "home"
    script = [
        {
            "expect": {"system_contains": ["general-purpose coding agent"]},
            "reply": {"text": "PR 456 looks fine."},
        }
    ]
    with ScriptedServer(script) as server:
        done = orchestra(
            root, server, home, "run", "review-pr", "456", "high prio", "alice", "--yes"
        )
        listed = orchestra(root, server, home, "commands", "--json")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    [body] = message_bodies(server)
    assert first_user_text(body) == EXPECTED_PROMPT
    assert body["model"] == "claude-sonnet-5-5"  # `model: sonnet`
    assert "Arguments of the command" not in json.dumps(body)
    assert (root / "build/output.bin").exists() and not (root / "never-run").exists()

    [summary] = list_runs(root)
    events = load_run(root, summary.run_id).events
    decided = [(e["verdict"], e["reason"]) for e in events if e["type"] == "permission_decided"]
    assert [verdict for verdict, _ in decided] == ["allow", "allow", "deny"]
    assert "allowed-tools" in decided[2][1]
    calls = [e for e in events if e["type"] == "tool_call_started"]
    assert [c["arguments"]["command"] for c in calls] == [
        "git status --short",
        "cat VERSION",
        "rm -rf build",
    ]
    assert [e["agent"] for e in events if e["type"] == "step_started"] == ["general-purpose"]

    commands = {c["name"]: c for c in json.loads(listed.stdout)}
    assert commands["review-pr"]["description"].startswith("Review a pull request")


def test_user_deny_rules_beat_allowed_tools(tmp_path: Path) -> None:
    files = {
        **FILES,
        ".orchestra/config.toml": '[permissions]\ndeny = ["run_shell(cat *)"]\n',
    }
    root = write(tmp_path / "repo", files)
    git_init(root)
    with ScriptedServer([{"reply": {"text": "ok"}}]) as server:
        done = orchestra(root, server, tmp_path / "home", "run", "review-pr", "7", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    text = first_user_text(message_bodies(server)[0])
    assert "- Version: [`cat VERSION` was not run: denied by rule `run_shell(cat *)`]" in text
    assert "Review PR #7 with priority  and assign it to  (all: 7)." in text
