"""A workspace with a gated, editing command, the scripted model's turns for it, and
a recording ACP client built on the official Python SDK's client side."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, cast

from acp.schema import (
    AllowedOutcome,
    DeniedOutcome,
    PermissionOption,
    RequestPermissionResponse,
    ToolCallUpdate,
)

from acp import Client

AGENT = """---
name: {name}
description: The {name}
tools: [read_file, edit]
max_turns: 5
---
You are the {name}.
"""

CHANGE = """---
description: Plan a greeting, then write it
arguments:
  - {name: goal, description: "What to say", required: true}
steps:
  - id: plan
    agent: planner
    prompt: Plan how to {{goal}}.
    gate: approve
  - id: implement
    agent: coder
    prompt: "Implement: {{steps.plan.output}}"
    gate: review
---
"""

EDIT = {"command": "str_replace", "path": "app.py", "old_str": "'hi'", "new_str": "'hello'"}
SCRIPT: list[dict[str, Any]] = [
    {"name": "plan", "reply": {"text": ["Change ", "'hi' to ", "'hello'."]}},
    {"name": "edit", "reply": {"tool_use": [{"name": "edit", "input": EDIT}]}},
    {"name": "done", "reply": {"text": "app.py says hello."}},
]


def make_workspace(root: Path) -> Path:
    agents = root / ".orchestra" / "agents"
    agents.mkdir(parents=True)
    for name in ("planner", "coder", "developer"):
        (agents / f"{name}.md").write_text(AGENT.format(name=name))
    commands = root / ".orchestra" / "commands"
    commands.mkdir()
    (commands / "change.md").write_text(CHANGE)
    (root / "app.py").write_text("print('hi')\n")
    return root


def agent_environment(home: Path, base_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "xdg"),
        "ANTHROPIC_API_KEY": "sk-ant-test-not-used",
        "ANTHROPIC_BASE_URL": base_url,
    }


AGENT_COMMAND = [sys.executable, "-m", "orchestra_lsp", "acp"]


class RecordingClient:
    """Records every session update; answers each permission ask with the first
    option whose id is in `answers` (in order), else cancels it."""

    def __init__(self, answers: list[str]) -> None:
        self.updates: list[dict[str, Any]] = []
        self.asks: list[tuple[ToolCallUpdate, list[PermissionOption]]] = []
        self.answers = list(answers)

    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        self.updates.append(update.model_dump(mode="json", by_alias=True, exclude_none=True))

    async def request_permission(
        self,
        session_id: str,
        tool_call: ToolCallUpdate,
        options: list[PermissionOption],
        **kwargs: Any,
    ) -> RequestPermissionResponse:
        self.asks.append((tool_call, options))
        ids = [option.option_id for option in options]
        for answer in self.answers:
            if answer in ids:
                self.answers.remove(answer)
                return RequestPermissionResponse(
                    outcome=AllowedOutcome(outcome="selected", option_id=answer)
                )
        return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))

    def as_client(self) -> Client:
        """This recorder as the SDK's `Client`: it implements only what an agent asks of
        a client that offers no file system or terminal capability, so the SDK never
        calls the rest."""
        return cast(Client, self)

    def kinds(self) -> list[str]:
        return [u["sessionUpdate"] for u in self.updates]

    def text(self) -> str:
        return "".join(
            u["content"]["text"]
            for u in self.updates
            if u["sessionUpdate"] == "agent_message_chunk"
        )


def journal_events(root: Path) -> list[dict[str, Any]]:
    [events] = (root / ".orchestra" / "runs").glob("*/events.jsonl")  # one run
    return [json.loads(line) for line in events.read_text().splitlines()]
