"""Whether a command can run in a workspace, and if not why, said for the pickers (the
editor's palette, `orchestra commands`) before anyone tries: a step's agent that is not
defined or whose file has errors, an MCP server an agent's tools name that no
configuration defines. `orchestra check` says the same with positions; a run refuses
to start for the same reasons."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestra_lsp.workspace import Command, Workspace


def unavailable(command: Command, workspace: Workspace) -> str | None:
    """Why `command` cannot run here, e.g. "uses agent 'code-reviewr', which is not
    defined" or "needs the MCP server 'tickets' (agent analyst), which no .mcp.json or
    settings define"; reasons joined with "; ". None when it can run. Wildcard servers
    (`mcp__*`) need none in particular."""
    from orchestra_lsp.workspace.tool_names import is_glob, mcp_server_of

    reasons: list[str] = []
    missing: dict[str, list[str]] = {}
    seen: set[str] = set()
    for step in command.agent_steps():
        if step.agent in seen:
            continue
        seen.add(step.agent)
        agent = workspace.agents.get(step.agent)
        if agent is None:
            broken = workspace.broken_agents.get(step.agent)
            reasons.append(
                f"uses agent '{step.agent}', whose file has errors ({broken})"
                if broken
                else f"uses agent '{step.agent}', which is not defined"
            )
            continue
        for tool in agent.tools:
            server = mcp_server_of(tool)
            if server is None or is_glob(server) or server in workspace.mcp_servers:
                continue
            users = missing.setdefault(server, [])
            if agent.name not in users:
                users.append(agent.name)
    if missing:
        needs = "; ".join(
            f"the MCP server '{server}' (agent {', '.join(agents)})"
            for server, agents in missing.items()
        )
        reasons.append(f"needs {needs}, which no .mcp.json or settings define")
    return "; ".join(reasons) or None
