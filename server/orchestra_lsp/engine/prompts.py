"""The prompt of a step, most stable part first so prompt caching hits (DESIGN §4).

System: the persistent context, then the agent's body (the cache breakpoint goes
after it). The first user message: the step's instructions, rendered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from orchestra_lsp.context import Source
from orchestra_lsp.workspace import Agent, Command, PersistentContext, Step
from orchestra_lsp.workspace.templates import PositionalArguments, render


def system_chunks(context_text: str, agent: Agent) -> list[str]:
    chunks = []
    if context_text.strip():
        chunks.append(
            "# Persistent context of this repository\n"
            "Read it first; it applies to everything you do.\n\n" + context_text.strip()
        )
    chunks.append(agent.prompt or f"You are the {agent.name} agent.")
    return chunks


def pinned_sources(
    system: Sequence[str],
    agent: Agent,
    tools: Sequence[dict[str, Any]],
    context_label: str = "persistent context",
) -> list[Source]:
    """The parts of every prompt that are never cut, named for the context manifest;
    `context_label` may name the persistent context's files (see `context_label`)."""
    names = [context_label, f"agent {agent.name}"][-len(system) :] if system else []
    sources = [Source(name, chunk) for name, chunk in zip(names, system, strict=True)]
    sources.append(Source("tools", json.dumps(list(tools), sort_keys=True)))
    return sources


def context_label(context: PersistentContext) -> str:
    """`persistent context (AGENTS.md, ~/.claude/notes.md)`: the files the persistent
    context was read from, home-folder imports shown as `~/…`."""
    names = [source.path.name for source in context.sources]
    names += [name for source in context.sources for name in source.home_imports]
    return f"persistent context ({', '.join(names)})" if names else "persistent context"


def step_instructions(
    command: Command,
    step: Step,
    values: Mapping[str, str],
    arguments: PositionalArguments,
    *,
    feedback: str | None = None,
    previous_output: str | None = None,
) -> str:
    """The rendered step prompt, the command's shared body, and any revise feedback."""
    parts = [render(step.prompt, values, arguments).strip()]
    if command.instructions:
        parts.append(render(command.instructions, values, arguments).strip())
    if (
        not command.claude  # Claude Code sends its commands' text as written, nothing added
        and command.arguments
        and any(values.get(a.name) for a in command.arguments)
    ):
        listed = "\n".join(
            f"- {a.name}: {values[a.name]}" for a in command.arguments if values.get(a.name)
        )
        parts.append(f"Arguments of the command `{command.name}`:\n{listed}")
    if feedback is not None and "{{feedback}}" not in step.prompt.replace(" ", ""):
        previous = f"Your previous answer was:\n\n{previous_output}\n\n" if previous_output else ""
        parts.append(
            f"{previous}The person reviewing it asked for changes. Their feedback:\n\n"
            f"{feedback}\n\nAnswer again, taking the feedback into account."
        )
    return "\n\n".join(part for part in parts if part)
