"""`task`: delegation to a sub-agent (Claude Code's `Task`, now `Agent`, tool).

The declaration lists the agents a task can go to (built-in, `.orchestra/agents`,
`.claude/agents`) by name and description. A call starts the named agent on the
prompt with a fresh context: its own system prompt, its own tools and permission
policy, no share of the caller's conversation. Its final answer is the tool result.
Its events carry a nested step id (`main/task-1`) and their parent, its usage is
accounted to it, and its edits go into the run's one changeset and review. A
sub-agent cannot delegate further (as in Claude Code).
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field

from orchestra_lsp.tools.base import ToolArgs, ToolSpec, schema_for
from orchestra_lsp.workspace.agents import Agent

NAME = "task"


class TaskArgs(ToolArgs):
    """Arguments of `task`, in Claude Code's words."""

    tool_name = NAME

    description: str = Field(default="", description="A short (3-5 word) label for the task.")
    prompt: str = Field(
        min_length=1,
        description="The whole task for the agent: it sees nothing of this conversation, so "
        "say everything it needs and what to report back.",
    )
    subagent_type: str = Field(min_length=1, description="The name of the agent, as listed.")


def task_spec(agents: Mapping[str, Agent], caller: str) -> ToolSpec | None:
    """The declaration listing the agents; None when there is no other agent."""
    listed = sorted((a for a in agents.values() if a.name != caller), key=lambda a: a.name)
    if not listed:
        return None
    lines = "\n".join(
        f"- {a.name}: {' '.join(a.description.split())[:400] or '(no description)'}" for a in listed
    )
    return ToolSpec(
        name=NAME,
        description=(
            "Start a sub-agent on a task and get its final answer. It works with a fresh "
            "context and its own tools; its edits join yours for review. Use it for work a "
            "listed agent is meant for, or to keep a long search out of this conversation."
            f"\n\nAgents:\n{lines}"
        ),
        input_schema=schema_for(TaskArgs),
    )
