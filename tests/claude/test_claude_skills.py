"""Skills: `.claude/skills/<name>/SKILL.md` with supporting files, and the user's own
in `~/.claude/skills`. A person runs one like a command; an agent sees only names and
descriptions until it loads one through the `skill` tool. Through the real CLI and the
scripted Messages API."""

from __future__ import annotations

import json
from pathlib import Path

from claude_repo import first_user_text, git_init, message_bodies, orchestra, write

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

RELEASE = """---
name: release-notes
description: Writes release notes from the commits since the last tag. Use when the user asks for a changelog or release notes.
allowed-tools: Bash(git log:*) Read
---
# Release notes

Write the notes for version $ARGUMENTS. BODY-MARK-RELEASE

1. List the commits with `git log --oneline`.
2. Group them with the template in `templates/entry.md`.
"""

DEPLOY = """---
description: Deploys to production
disable-model-invocation: true
---
Deploy $1 now. BODY-MARK-DEPLOY
"""

COMMIT_STYLE = """---
name: commit-style
description: How this person writes commit messages
---
Imperative mood, 50 characters. BODY-MARK-STYLE
"""

WRITER = """---
name: writer
description: Writes docs, with the release-notes skill at hand
tools: Read, Grep
skills: release-notes
---
You write docs.
"""

FILES = {
    ".claude/skills/release-notes/SKILL.md": RELEASE,
    ".claude/skills/release-notes/templates/entry.md": "## {{version}}\n- {{change}}\n",
    ".claude/skills/release-notes/scripts/collect.sh": "#!/bin/sh\ngit log --oneline\n",
    ".claude/skills/deploy/SKILL.md": DEPLOY,
    ".claude/agents/writer.md": WRITER,
    ".claude/commands/ship.md": "---\ndescription: Ship it\n---\nPrepare the release of $1.\n",
    ".claude/commands/docs.md": "---\ndescription: Docs\nagent: writer\n---\nDocument it.\n",
    ".orchestra/config.toml": '[model]\nname = "claude-sonnet-4-6"\n',
}


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    write(home, {".claude/skills/commit-style/SKILL.md": COMMIT_STYLE})
    return home


def test_skills_are_listed_as_commands_and_check_is_clean(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", FILES)
    home = _home(tmp_path)
    with ScriptedServer([]) as server:
        listed = orchestra(root, server, home, "commands", "--json")
        checked = orchestra(root, server, home, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    commands = {c["name"]: c for c in json.loads(listed.stdout)}
    assert {"release-notes", "deploy", "commit-style", "ship"} <= set(commands)
    assert commands["release-notes"]["source"].endswith(".claude/skills/release-notes/SKILL.md")
    assert commands["commit-style"]["layer"] == "user config"


def test_a_person_runs_a_skill_like_a_command(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", FILES)
    git_init(root)
    with ScriptedServer([{"reply": {"text": "Notes written."}}]) as server:
        done = orchestra(root, server, _home(tmp_path), "run", "release-notes", "v2.0", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    prompt = first_user_text(message_bodies(server)[0])
    skill_dir = root / ".claude/skills/release-notes"
    assert prompt.startswith(f"Base directory for this skill: {skill_dir}")
    assert "scripts/collect.sh, templates/entry.md" in prompt
    assert "Write the notes for version v2.0. BODY-MARK-RELEASE" in prompt


def test_an_agent_sees_names_and_loads_a_skill_on_demand(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", FILES)
    git_init(root)
    script = [
        {
            "expect": {"tools": ["skill"]},
            "reply": {"tool_use": [{"name": "skill", "input": {"name": "release-notes"}}]},
        },
        {
            "expect": {"last_tool_result_contains": ["BODY-MARK-RELEASE", "templates/entry.md"]},
            "reply": {
                "tool_use": [
                    {
                        "name": "skill",
                        "input": {"name": "release-notes", "file": "templates/entry.md"},
                    },
                    {"name": "run_shell", "input": {"command": "git log --oneline"}},
                ]
            },
        },
        {
            "expect": {"last_tool_result_contains": ["start"]},
            "reply": {"text": "Release prepared."},
        },
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, _home(tmp_path), "run", "ship", "v2.0", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    first = message_bodies(server)[0]
    [skill] = [t for t in first["tools"] if t["name"] == "skill"]
    assert "- release-notes: Writes release notes" in skill["description"]
    assert "- commit-style: How this person writes" in skill["description"]
    assert "deploy" not in skill["description"]  # disable-model-invocation
    assert "BODY-MARK" not in json.dumps(first)  # nothing of a body before it is loaded
    second = json.dumps(message_bodies(server)[2])
    assert "{{version}}" in second  # the supporting file
    [summary] = list_runs(root)
    decided = [
        e for e in load_run(root, summary.run_id).events if e["type"] == "permission_decided"
    ]
    # the loaded skill's `allowed-tools` allowed `git log` without asking anyone
    shell = [e for e in decided if e["tool"] == "run_shell"]
    assert [(e["verdict"], e["rule"]) for e in shell] == [("allow", "run_shell(git log*)")]


def test_an_agent_preloads_its_skills(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", FILES)
    git_init(root)
    script = [
        {
            "expect": {"system_contains": ["You write docs.", "BODY-MARK-RELEASE"]},
            "reply": {"text": "Done."},
        }
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, _home(tmp_path), "run", "docs", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
