"""The answers of `catalog`'s requests: commands, agents, runs and context manifests
as protocol payloads, built from the configuration in force and the journal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from orchestra_lsp.lsp import protocol

if TYPE_CHECKING:
    from pathlib import Path

    from orchestra_lsp.engine.undo import Undone
    from orchestra_lsp.journal import RunSummary
    from orchestra_lsp.workspace import Agent, Command, Step, Workspace


def commands_result(commands: Mapping[str, Command], workspace: Workspace) -> dict[str, Any]:
    """The `orchestra/commands` answer, on the wire: `commands` sorted by name."""
    listed = [command_info(c, workspace) for _, c in sorted(commands.items())]
    return protocol.CommandsResult(commands=listed).wire()


def command_info(command: Command, workspace: Workspace | None = None) -> protocol.CommandInfo:
    """`command` as the pickers list it; with `workspace`, whether it can run there."""
    from orchestra_lsp.workspace.availability import unavailable

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
        steps=[_step_info(s, "") for s in command.steps],
        code_action=None
        if code_action is None
        else protocol.CodeActionInfo(kinds=list(code_action.kinds), when=code_action.when),
        uri=command.path.as_uri(),
        layer=command.source.layer.label,
        unavailable=None if workspace is None else unavailable(command, workspace),
    )


def _step_info(step: Step, prefix: str) -> protocol.StepInfo:
    path = prefix + step.id
    return protocol.StepInfo(
        id=step.id,
        agent=step.agent,
        gate=step.gate,
        kind=step.kind,
        steps=[_step_info(inner, path + "/") for inner in step.steps],
        path=path,
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


def run_info(
    summary: RunSummary, awaiting_review: bool, undone: Undone | None = None
) -> protocol.RunInfo:
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
        undone=None
        if undone is None
        else protocol.UndoneInfo(by=undone.by, whole=undone.whole, label=undone.label()),
    )


def context_manifest(
    workspace: Workspace, params: protocol.ContextParams
) -> protocol.ContextResult:
    """What each step would send, per source, without calling the model."""
    from orchestra_lsp.engine import RunRequest, RunRequestError
    from orchestra_lsp.engine.preview import preview
    from orchestra_lsp.lsp.errors import RequestFailed  # pygls: not in the prefetch child

    try:
        steps = preview(workspace, RunRequest(command=params.command, arguments=params.arguments))
    except RunRequestError as error:
        raise RequestFailed(str(error)) from None
    return protocol.ContextResult(
        command=params.command,
        steps=[
            protocol.StepContext(
                step_id=step.step_id,
                agent=step.agent,
                manifest=step.manifest,
                mcp_tools_counted=step.mcp_tools_counted,
            )
            for step in steps
        ],
    )


def recent_runs(root: Path, limit: int) -> tuple[list[RunSummary], dict[str, Undone]]:
    """The `limit` newest runs, and how far later undo runs took each back (an undo is
    newer than what it undoes, so it is among them)."""
    from orchestra_lsp.engine.undo import undone_runs
    from orchestra_lsp.journal import list_runs

    summaries = list_runs(root, limit)
    return summaries, undone_runs(root, summaries)
