"""A small ticket queue for the batch tests: tickets as files, the real ticket MCP
server (`python -m orchestra_lsp.tickets`), a command that reads one ticket, and the
concurrent script that plays the model for any number of tickets at once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from engine_helpers import command_file, write_files
from engine_helpers import orchestra as engine_orchestra

from orchestra_lsp.testing import Script, ScriptedServer, Turn

ANALYST = """\
---
name: analyst
description: Reads a ticket and says whether it can be worked on.
tools: [mcp__tickets__get_ticket, read_file]
max_turns: 3
---
You are the analyst of the batch tests.
"""

WRITER = """\
---
name: writer
description: Writes notes about tickets.
tools: [edit, read_file]
---
You are the writer of the batch tests.
"""

TRIAGE = command_file(
    [{"id": "triage", "agent": "analyst", "prompt": "Read ticket {{ticket}} and triage it."}],
    arguments=[{"name": "ticket", "required": True}],
)
CHECK = command_file(
    [
        {
            "id": "check",
            "agent": "analyst",
            "prompt": "Check ticket {{ticket}}.",
            "output": {
                "type": "object",
                "properties": {"verdict": {"enum": ["pass", "fail"]}, "why": {"type": "string"}},
                "required": ["verdict"],
            },
        }
    ],
    arguments=[{"name": "ticket", "required": True}],
)
NOTE = command_file(
    [
        {
            "id": "note",
            "agent": "writer",
            "prompt": "Write notes/{{ticket}}.md for ticket {{ticket}}.",
            "gate": "review",
        }
    ],
    arguments=[{"name": "ticket", "required": True}],
)


def ticket(key: str, title: str, status: str = "Ready for QA") -> str:
    return (
        f"---\nkey: {key}\ntitle: {title}\nstatus: {status}\ntype: Story\n---\n"
        f"The {title.lower()} story.\n\n## Acceptance criteria\n1. It works for {key}.\n"
    )


TICKETS = {
    "SHOP-21": ("Gift cards", "Ready for QA"),
    "SHOP-22": ("Wish list", "Ready for QA"),
    "SHOP-23": ("Coupons", "To Do"),
    "SHOP-24": ("Store pickup", "Ready for QA"),
}


def queue(root: Path, *, git: bool = False) -> Path:
    """The workspace: tickets, the ticket server in mcp.json, `triage` and `note`."""
    mcp = {
        "mcpServers": {
            "tickets": {
                "command": sys.executable,
                "args": ["-m", "orchestra_lsp.tickets", "--dir", "tickets"],
            }
        }
    }
    files = {
        ".orchestra/CONTEXT.md": "The batch test shop.\n",
        ".orchestra/agents/analyst.md": ANALYST,
        ".orchestra/agents/writer.md": WRITER,
        ".orchestra/config.toml": '[model]\nname = "claude-sonnet-4-6"\n'
        '[permissions]\nallow = ["mcp__tickets__get_ticket"]\n',
        ".orchestra/mcp.json": json.dumps(mcp),
        ".orchestra/commands/triage.md": TRIAGE,
        ".orchestra/commands/note.md": NOTE,
        ".orchestra/commands/check.md": CHECK,
        **{f"tickets/{k}.md": ticket(k, t, s) for k, (t, s) in TICKETS.items()},
    }
    write_files(root, files)
    if git:
        for words in (
            ["init", "-q"],
            ["add", "-A"],
            ["-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "queue"],
        ):
            subprocess.run(["git", *words], cwd=root, check=True, capture_output=True)
    return root


def triage_turns(key: str, verdict: str = "ready") -> list[dict[str, Any]]:
    """The model's two turns for one ticket: read it, then answer."""
    title = TICKETS[key][0]
    return [
        {
            "name": f"{key}-read",
            "expect": {"messages_contain": [f"Read ticket {key} and triage it."]},
            "reply": {"tool_use": [{"name": "mcp__tickets__get_ticket", "input": {"key": key}}]},
        },
        {
            "name": f"{key}-answer",
            "expect": {"last_tool_result_contains": [title, f"It works for {key}."]},
            "reply": {"text": f"{key} is {verdict}."},
        },
    ]


def endless_turns(key: str) -> list[dict[str, Any]]:
    """A ticket the model never answers: it reads it until the agent's max_turns."""
    read = {"name": "mcp__tickets__get_ticket", "input": {"key": key}}
    first = {"expect": {"messages_contain": [f"Read ticket {key} and triage it."]}}
    return [{**first, "name": f"{key}-loop-{n}", "reply": {"tool_use": [read]}} for n in range(3)]


def orchestra(
    root: Path, server: ScriptedServer, config_home: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`orchestra ARGS...` in `root`, without a terminal, as CI runs it, 200 columns wide
    (the batch tables read whole)."""
    return engine_orchestra(root, server, config_home, *args, timeout=timeout, COLUMNS="200")


def note_turns(key: str) -> list[dict[str, Any]]:
    """The model's two turns for `note`: create notes/KEY.md, then say so."""
    create = {
        "name": "edit",
        "input": {"command": "create", "path": f"notes/{key}.md", "file_text": f"# {key}\n"},
    }
    return [
        {
            "name": f"{key}-write",
            "expect": {"messages_contain": [f"Write notes/{key}.md for ticket {key}."]},
            "reply": {"tool_use": [create]},
        },
        {
            "name": f"{key}-done",
            "expect": {
                "messages_contain": [f"Write notes/{key}.md"],
                "last_tool_result_contains": [f"notes/{key}.md"],
            },
            "reply": {"text": f"Wrote notes/{key}.md."},
        },
    ]


def git(root: Path, *words: str) -> str:
    return subprocess.run(
        ["git", *words], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def check_turns(key: str, verdict: str) -> list[dict[str, Any]]:
    """`check`: the model answers through the structured output tool at once."""
    answer = {"name": "structured_output", "input": {"verdict": verdict, "why": key}}
    return [
        {
            "name": f"{key}-check",
            "expect": {"messages_contain": [f"Check ticket {key}."]},
            "reply": {"tool_use": [answer]},
        }
    ]


def concurrent_script(*turns: list[dict[str, object]]) -> Script:
    """One concurrent script of several items' turns (each item's list, in order)."""
    return Script(concurrent=True, turns=[Turn.model_validate(t) for g in turns for t in g])
