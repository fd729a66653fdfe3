"""What each step of a command would send to the model, without calling it.

Front ends show this as the context manifest (`orchestra/context`): per source — the
persistent context, the agent's prompt, the tool declarations, the instructions —
how many tokens, against the budget.
"""

from __future__ import annotations

from pydantic import BaseModel

from orchestra_lsp.context import Manifest, fit_to_budget
from orchestra_lsp.engine.prompts import (
    context_label,
    pinned_sources,
    step_instructions,
    system_chunks,
)
from orchestra_lsp.engine.request import RunRequest, RunRequestError
from orchestra_lsp.engine.toolbox import builtin_specs_for
from orchestra_lsp.workspace import Workspace
from orchestra_lsp.workspace.templates import PositionalArguments


class StepPreview(BaseModel):
    step_id: str
    agent: str
    manifest: Manifest
    mcp_tools_counted: bool
    """False: the agent may use MCP tools, whose declarations are not in the count
    (they are known once the servers run)."""


def preview(workspace: Workspace, request: RunRequest) -> list[StepPreview]:
    """Arguments not given show as `<name>`; an unknown command raises RunRequestError."""
    command = workspace.commands.get(request.command)
    if command is None:
        raise RunRequestError(f"no command '{request.command}'")
    arguments = {
        a.name: request.arguments.get(a.name) or a.default or f"<{a.name}>"
        for a in command.arguments
    }
    values = {
        **arguments,
        "file": request.file or "",
        "selection": request.selection or "",
        "diagnostics": request.diagnostics or "",
    }
    settings = workspace.config.model
    previews = []
    earlier = {f"steps.{s.id}.output": f"<output of {s.id}>" for s in command.all_steps()}
    for step in command.agent_steps():
        agent = workspace.agents.get(step.agent)
        if agent is None:
            continue
        specs = builtin_specs_for(agent.tools, can_ask=command.mode != "automation")
        system = system_chunks(workspace.context.text, agent)
        instructions = step_instructions(
            command,
            step,
            {**values, **earlier},
            PositionalArguments.split(arguments.get("ARGUMENTS", ""), command.argument_names)
            if command.takes_one_string
            else PositionalArguments.of_values(list(arguments.values())),
        )
        fitted = fit_to_budget(
            pinned_sources(system, agent, specs, context_label(workspace.context)),
            [{"role": "user", "content": instructions}],
            settings.context_budget_tokens,
            settings.max_tool_result_tokens,
        )
        previews.append(
            StepPreview(
                step_id=step.id,
                agent=agent.name,
                manifest=fitted.manifest,
                mcp_tools_counted=not any(t.startswith("mcp__") for t in agent.tools),
            )
        )
    return previews
