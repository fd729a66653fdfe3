"""What the workspace offers, for pickers and panels: `orchestra/commands`,
`orchestra/agents`, `orchestra/runs` and `orchestra/context`.

Answers come from the configuration in force (the engine's), never from a
half-typed file, so the palette matches what a run would do.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from orchestra_lsp.lsp import methods, protocol
from orchestra_lsp.lsp.errors import RequestFailed, parse
from orchestra_lsp.lsp.server import OrchestraServer

if TYPE_CHECKING:
    from pathlib import Path

    from orchestra_lsp.journal import RunSummary
    from orchestra_lsp.workspace import Agent, Command, Workspace


def command_info(command: Command) -> protocol.CommandInfo:
    code_action = command.code_action
    return protocol.CommandInfo(
        name=command.name,
        description=command.description,
        arguments=[
            protocol.ArgumentInfo(
                name=a.name, description=a.description, required=a.required, default=a.default
            )
            for a in command.arguments
        ],
        mode=command.mode,
        steps=[protocol.StepInfo(id=s.id, agent=s.agent, gate=s.gate) for s in command.steps],
        code_action=None
        if code_action is None
        else protocol.CodeActionInfo(kinds=list(code_action.kinds), when=code_action.when),
        uri=command.path.as_uri(),
        layer=command.source.layer.label,
    )


def agent_info(agent: Agent) -> protocol.AgentInfo:
    return protocol.AgentInfo(
        name=agent.name,
        description=agent.description,
        model=agent.model,
        tools=agent.tools,
        max_turns=agent.max_turns,
        uri=agent.path.as_uri(),
        layer=agent.source.layer.label,
    )


def run_info(summary: RunSummary, awaiting_review: bool) -> protocol.RunInfo:
    return protocol.RunInfo(
        run_id=summary.run_id,
        command=summary.command,
        arguments=summary.arguments,
        state=summary.state,
        started_at=summary.started_at.isoformat(),
        finished_at=summary.finished_at.isoformat() if summary.finished_at else None,
        cost_usd=summary.cost_usd,
        pending_proposal=summary.pending_proposal,
        awaiting_review=awaiting_review,
    )


def context_manifest(
    workspace: Workspace, params: protocol.ContextParams
) -> protocol.ContextResult:
    """The pinned sources a step starts from, in tokens (tool results come later)."""
    from orchestra_lsp.context import count_tokens

    command = workspace.commands.get(params.command)
    if command is None:
        raise RequestFailed(f"no command '{params.command}'")
    step = next((s for s in command.steps if params.step in (None, s.id)), None)
    if step is None:
        raise RequestFailed(f"command '{command.name}' has no step '{params.step}'")
    agent = workspace.agents.get(step.agent)
    sources = [
        protocol.ContextSource(
            name=f"context: {source.path.name}",
            tokens=count_tokens(source.text),
            origin=source.path.as_uri(),
        )
        for source in workspace.context.sources
    ]
    if agent is not None:
        sources.append(
            protocol.ContextSource(
                name=f"agent: {agent.name}",
                tokens=count_tokens(agent.prompt),
                origin=agent.path.as_uri(),
            )
        )
    instructions = "\n\n".join(part for part in (step.prompt, command.instructions) if part)
    sources.append(
        protocol.ContextSource(
            name=f"step: {step.id}", tokens=count_tokens(instructions), origin=command.path.as_uri()
        )
    )
    return protocol.ContextResult(
        command=command.name,
        step=step.id,
        agent=step.agent,
        sources=sources,
        total_tokens=sum(source.tokens for source in sources),
        budget_tokens=workspace.config.model.context_budget_tokens,
    )


def _runs(root: Path, limit: int) -> list[RunSummary]:
    from orchestra_lsp.journal import list_runs

    return list_runs(root)[:limit]


def setup(server: OrchestraServer) -> None:
    @server.feature(methods.COMMANDS)
    async def commands(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        workspace = (await ls.session.engine()).workspace
        listed = [command_info(c) for _, c in sorted(workspace.commands.items())]
        return protocol.CommandsResult(commands=listed).wire()

    @server.feature(methods.AGENTS)
    async def agents(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        workspace = (await ls.session.engine()).workspace
        listed = [agent_info(a) for _, a in sorted(workspace.agents.items())]
        return protocol.AgentsResult(agents=listed).wire()

    @server.feature(methods.RUNS)
    async def runs(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        request = parse(protocol.RunsParams, params)
        summaries = await asyncio.to_thread(_runs, ls.root, request.limit)
        open_reviews = ls.reviews.open_runs()
        listed = [run_info(s, s.run_id in open_reviews) for s in summaries]
        return protocol.RunsResult(runs=listed).wire()

    @server.feature(methods.CONTEXT)
    async def context(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        request = parse(protocol.ContextParams, params)
        workspace = (await ls.session.engine()).workspace
        return (await asyncio.to_thread(context_manifest, workspace, request)).wire()
