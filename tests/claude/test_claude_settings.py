"""Claude Code's settings: permission rules of every form mapped onto the policy with
Claude Code's precedence (deny first, user + project + local merged), `env` for the
tools, and hooks run with Claude Code's JSON on stdin and its exit-code semantics.
Through the real CLI and the scripted Messages API."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from claude_repo import git_init, orchestra, write

from orchestra_lsp.engine import Engine
from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

SETTINGS = {
    "$schema": "https://json.schemastore.org/claude-code-settings.json",
    "permissions": {
        "allow": ["Bash(npm run test:*)", "Bash(ls:*)", "Read(./docs/**)", "mcp__tickets"],
        "ask": ["Bash(git push:*)"],
        "deny": [
            "Read(./.env)",
            "Edit(./secrets/**)",
            "Bash(curl:*)",
            "WebFetch(domain:example.com)",
            "Read(~/.ssh/**)",
        ],
    },
    "env": {"SHOP_MODE": "test"},
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [{"type": "command", "command": "python3 .claude/hooks/guard.py"}],
            }
        ],
        "PostToolUse": [
            {
                "matcher": "Edit|MultiEdit|Write",
                "hooks": [
                    {
                        "type": "command",
                        "command": "echo 'run the formatter on it' >&2; exit 2",
                    }
                ],
            }
        ],
        "UserPromptSubmit": [{"hooks": [{"type": "command", "command": "echo 'Sprint: 42'"}]}],
        "Stop": [
            {
                "hooks": [
                    {"type": "command", "command": "python3 .claude/hooks/stop.py", "timeout": 10}
                ]
            }
        ],
        "Notification": [{"matcher": "", "hooks": [{"type": "command", "command": "true"}]}],
    },
}

GUARD = """\
import json, sys
call = json.load(sys.stdin)
command = call["tool_input"]["command"]
with open(".claude/hooks/seen.jsonl", "a") as log:
    log.write(json.dumps(call) + "\\n")
if "rm -rf" in command:
    print(f"Blocked: '{command}' deletes recursively; remove single files.", file=sys.stderr)
    sys.exit(2)
"""

STOP = """\
import json, sys
event = json.load(sys.stdin)
if not event["stop_hook_active"]:
    print(json.dumps({"decision": "block", "reason": "Run the tests before you stop."}))
"""

FILES = {
    ".claude/settings.json": json.dumps(SETTINGS, indent=2),
    ".claude/settings.local.json": json.dumps({"permissions": {"allow": ["Bash(make:*)"]}}),
    ".claude/hooks/guard.py": GUARD,
    ".claude/hooks/stop.py": STOP,
    ".claude/commands/tidy.md": "---\ndescription: Tidy up\n---\nTidy the build folder.\n",
    ".mcp.json": json.dumps({"mcpServers": {"tickets": {"command": "python3", "args": ["-V"]}}}),
    "Makefile": "env:\n\t@echo mode=$$SHOP_MODE\n",
    "docs/a.md": "a\n",
}

USER_SETTINGS = {"permissions": {"deny": ["Bash(rm:*)"]}}


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    write(home, {".claude/settings.json": json.dumps(USER_SETTINGS)})
    return home


def test_rules_are_mapped_and_decided_as_claude_code_does(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", FILES)
    home = _home(tmp_path)
    with ScriptedServer([]) as server:
        checked = orchestra(root, server, home, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    out = checked.stdout
    assert "WebFetch(domain:example.com)' names a tool Orchestra does not have" in out
    assert "Read(~/.ssh/**)' names a path outside the workspace" in out
    assert "hook event 'Notification' has no meaning in Orchestra" in out

    previous = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        engine = Engine(root, user_dir=tmp_path / "orchestra-user")
    finally:
        if previous is not None:
            os.environ["HOME"] = previous
    policy = engine.policy([])
    verdicts = {
        ("run_shell", "npm run test -- --watch"): "allow",
        # `test:*` is a prefix at a word boundary, as in Claude Code: another script
        ("run_shell", "npm run test:unit"): "ask",
        ("run_shell", "ls -la src"): "allow",
        ("run_shell", "make env"): "allow",  # settings.local.json
        ("run_shell", "git push origin main"): "ask",
        ("run_shell", "curl https://example.com"): "deny",
        ("run_shell", "rm -f notes.txt"): "deny",  # the user's own settings
        ("run_shell", "ls && rm -f x"): "deny",
    }
    for (tool, command), verdict in verdicts.items():
        assert policy.decide(tool, {"command": command}).verdict == verdict, command
    assert policy.decide("read_file", {"path": ".env"}).verdict == "deny"
    assert policy.decide("list_files", {"path": ".env"}).verdict == "deny"
    assert policy.decide("edit", {"path": "secrets/key.txt"}).verdict == "deny"
    assert policy.decide("mcp__tickets__get_issue", {"key": "A-1"}).verdict == "allow"
    assert engine.workspace.claude_settings.env == {"SHOP_MODE": "test"}


def test_hooks_run_with_claude_codes_json_and_exit_codes(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", FILES)
    git_init(root)
    (root / "build").mkdir()
    script = [
        {
            "expect": {"messages_contain": ["Tidy the build folder.", "Sprint: 42"]},
            "reply": {"tool_use": [{"name": "run_shell", "input": {"command": "rm -rf build"}}]},
        },
        {
            "expect": {"last_tool_result_contains": ["Blocked: 'rm -rf build' deletes"]},
            "reply": {"tool_use": [{"name": "run_shell", "input": {"command": "make env"}}]},
        },
        {
            "expect": {"last_tool_result_contains": ["mode=test"]},
            "reply": {
                "tool_use": [
                    {
                        "name": "edit",
                        "input": {"command": "create", "path": "build/README", "file_text": "x\n"},
                    }
                ]
            },
        },
        {
            "expect": {"last_tool_result_contains": ["PostToolUse hook: run the formatter"]},
            "reply": {"text": "Tidied."},
        },
        {
            "expect": {"messages_contain": ["Run the tests before you stop.", "Tidied."]},
            "reply": {"text": "Tests pass; tidied."},
        },
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, _home(tmp_path), "run", "tidy", "--yes")
    server.assert_no_failures()
    server.assert_all_consumed()
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "build").is_dir()

    [summary] = list_runs(root)
    events = load_run(root, summary.run_id).events
    ran = [(e["event"], e["decision"], e["exit_code"]) for e in events if e["type"] == "hook_ran"]
    assert ran == [
        ("UserPromptSubmit", "context", 0),
        ("PreToolUse", "block", 2),
        ("PreToolUse", "ok", 0),
        ("PostToolUse", "block", 2),
        ("Stop", "block", 0),
        ("UserPromptSubmit", "context", 0),
        ("Stop", "ok", 0),
    ]
    seen = [
        json.loads(line) for line in (root / ".claude/hooks/seen.jsonl").read_text().splitlines()
    ]
    first = seen[0]
    assert first["hook_event_name"] == "PreToolUse" and first["tool_name"] == "Bash"
    assert first["tool_input"]["command"] == "rm -rf build"
    assert first["session_id"] == summary.run_id and first["cwd"] == str(root)
    assert first["transcript_path"].endswith("events.jsonl")
    assert summary.state == "finished"


def test_a_hook_that_hangs_is_killed_at_its_timeout_and_the_run_goes_on(tmp_path: Path) -> None:
    settings = {
        "hooks": {
            "UserPromptSubmit": [
                {"hooks": [{"type": "command", "command": "sleep 30", "timeout": 1}]}
            ]
        }
    }
    files = {
        ".claude/settings.json": json.dumps(settings),
        ".claude/commands/hi.md": "---\ndescription: hi\n---\nSay hi.\n",
    }
    root = write(tmp_path / "repo", files)
    git_init(root)
    with ScriptedServer([{"reply": {"text": "hi"}}]) as server:
        done = orchestra(root, server, _home(tmp_path), "run", "hi", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    [summary] = list_runs(root)
    events = load_run(root, summary.run_id).events
    [hook] = [e for e in events if e["type"] == "hook_ran"]
    assert hook["exit_code"] is None and hook["decision"] == "error"
    assert hook["duration_ms"] < 10_000
    assert any("timed out" in e.get("message", "") for e in events if e["type"] == "notice")


JSON_HOOK = """\
import json, sys
call = json.load(sys.stdin)
name, tool_input = call["tool_name"], call["tool_input"]
if name == "Read" and tool_input["file_path"].endswith(".env"):
    decision = {"permissionDecision": "deny", "permissionDecisionReason": "secrets stay out"}
elif name == "Bash" and tool_input["command"].startswith("git push"):
    decision = {"permissionDecision": "allow", "permissionDecisionReason": "pushes are fine"}
else:
    sys.exit(0)
print(json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse", **decision}}))
"""


def test_json_output_decides_like_claude_code(tmp_path: Path) -> None:
    settings = {
        "permissions": {"ask": ["Bash(git push:*)"]},
        "hooks": {
            "PreToolUse": [
                {
                    "matcher": "Read|Bash",
                    "hooks": [{"type": "command", "command": "python3 .claude/hooks/json_hook.py"}],
                }
            ],
            "PostToolUse": [
                {
                    "matcher": "Bash",
                    "hooks": [
                        {
                            "type": "command",
                            "command": 'echo \'{"continue": false, "stopReason": "pushed: stop here"}\'',
                        }
                    ],
                }
            ],
        },
    }
    files = {
        ".claude/settings.json": json.dumps(settings),
        ".claude/hooks/json_hook.py": JSON_HOOK,
        ".claude/commands/ship.md": "---\ndescription: ship\n---\nShip it.\n",
        ".env": "TOKEN=x\n",
    }
    root = write(tmp_path / "repo", files)
    git_init(root)
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "read_file", "input": {"path": ".env"}}]}},
        {
            "expect": {"last_tool_result_contains": ["secrets stay out"]},
            "reply": {
                "tool_use": [{"name": "run_shell", "input": {"command": "git push --dry-run"}}]
            },
        },
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, _home(tmp_path), "run", "ship", "--yes")
    server.assert_no_failures()
    assert done.returncode == 3, done.stdout + done.stderr  # stopped by `continue: false`
    [summary] = list_runs(root)
    events = load_run(root, summary.run_id).events
    decided = [
        (e["tool"], e["verdict"], e["reason"]) for e in events if e["type"] == "permission_decided"
    ]
    assert decided[0] == ("read_file", "deny", "blocked by a PreToolUse hook: secrets stay out")
    # the hook's allow spared the person the question the `ask` rule would have asked
    assert decided[1][:2] == ("run_shell", "allow")
    assert summary.state == "cancelled"
    assert any("pushed: stop here" in str(e.get("reason", "")) for e in events)


def test_a_misspelt_tool_gets_a_suggestion(tmp_path: Path) -> None:
    """`Grepp` in settings.json, `Bassh(npm test:*)` in an allow list, `Reed` in an
    agent's tools: each warning names the tool meant; a name like nothing has none."""
    settings = {"permissions": {"allow": ["Grepp", "Bassh(npm test:*)", "Frobnicate"]}}
    agent = "---\nname: a\ndescription: d\ntools: Reed, Bash\n---\nA.\n"
    files = {".claude/settings.json": json.dumps(settings), ".claude/agents/a.md": agent}
    root = write(tmp_path / "repo", files)
    with ScriptedServer([]) as server:
        checked = orchestra(root, server, _home(tmp_path), "check")
    out = checked.stdout
    assert checked.returncode == 0, out + checked.stderr
    assert "'Grepp' names an unknown tool (did you mean 'Grep'?); ignored" in out, out
    assert "'Bassh(npm test:*)' names an unknown tool (did you mean 'Bash'?)" in out, out
    assert "'Frobnicate' names an unknown tool; ignored" in out, out
    assert "a.md:4:1: warning: unknown tool 'Reed' (did you mean 'Read'?); ignored" in out, out
