"""A repository set up for Claude Code, written for these tests in the shapes public
repositories use (generated agents with example-laden descriptions, commands with
`!` and `@`, skills with supporting files, settings with every rule form, hooks)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from orchestra_lsp.testing import ScriptedServer

API_KEY = "test-key-claude-5b2e94d07c3a"
MODEL = "claude-sonnet-4-6"

REVIEW_PR = """\
---
description: Review a pull request by number, with a priority and a reviewer
argument-hint: <pr-number> [priority] [assignee]
allowed-tools: Bash(git status:*), Bash(cat VERSION), Read, Grep
model: sonnet
---
## Context

- Current status: !`git status --short`
- Version: !`cat VERSION`
- Cleanup: !`rm -rf build`

## Your task

Review PR #$1 with priority $2 and assign it to $3 (all: $ARGUMENTS).
Follow @docs/review-guide.md and look at @src/app.py first.
Types come from @types/node, which is a package, not a file.

```sh
# an example, never run: !`touch never-run` and @secret.txt
```
"""

FILES = {
    "VERSION": "1.4.2\n",
    "src/app.py": "def handler(event):\n    return {'ok': True}\n",
    "docs/review-guide.md": "Check error handling first.\n",
    "secret.txt": "not for the prompt\n",
    "build/output.bin": "artefact\n",
    ".claude/commands/review-pr.md": REVIEW_PR,
}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if name.endswith(".py") else text, "utf-8")
    return root


def git_init(root: Path) -> None:
    for args in (
        ["init", "-q"],
        ["-c", "user.email=t@t", "-c", "user.name=t", "add", "-A"],
        ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "start"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def cli_env(server: ScriptedServer, home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ANTHROPIC_") and k not in ("XDG_CONFIG_HOME", "COLUMNS")
    }
    (home / ".config").mkdir(parents=True, exist_ok=True)
    env.update(
        ANTHROPIC_BASE_URL=server.base_url,
        ANTHROPIC_API_KEY=API_KEY,
        XDG_CONFIG_HOME=str(home / ".config"),
        HOME=str(home),
        PYTHONUNBUFFERED="1",
    )
    return env


def orchestra(
    root: Path, server: ScriptedServer, home: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", *args],
        cwd=root,
        env=cli_env(server, home),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
    )


def message_bodies(server: ScriptedServer) -> list[dict[str, Any]]:
    return [
        r.body for r in server.requests if r.path.endswith("/v1/messages") and r.body is not None
    ]


def first_user_text(body: dict[str, object]) -> str:
    messages = body["messages"]
    assert isinstance(messages, list)
    content = messages[0]["content"]
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content)
