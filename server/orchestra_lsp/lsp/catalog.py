"""What the workspace offers, for pickers and panels: `orchestra/commands`,
`orchestra/agents`, `orchestra/runs` and `orchestra/context`.

Answers come from the configuration in force (the engine's), never from a
half-typed file, so the palette matches what a run would do. The payload code
(`listing`) is imported on first use, after `initialize` has been answered.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from orchestra_lsp.lsp import methods
from orchestra_lsp.lsp.errors import parse
from orchestra_lsp.lsp.server import OrchestraServer

if TYPE_CHECKING:
    from orchestra_lsp.engine import Engine
    from orchestra_lsp.workspace import Command


def setup(server: OrchestraServer) -> None:
    @server.feature(methods.COMMANDS)
    async def commands(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        first = await ls.session.prefetched_commands()
        if first is not None:
            return first
        from orchestra_lsp.lsp import listing

        engine = await ls.session.engine()
        prompts = await _mcp_prompts(engine)
        return listing.commands_result({**prompts, **engine.workspace.commands}, engine.workspace)

    @server.feature(methods.AGENTS)
    async def agents(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import listing, protocol

        workspace = (await ls.session.engine()).workspace
        listed = [listing.agent_info(a) for _, a in sorted(workspace.agents.items())]
        return protocol.AgentsResult(agents=listed).wire()

    @server.feature(methods.RUNS)
    async def runs(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import listing, protocol

        request = parse(protocol.RunsParams, params)
        summaries, undone = await asyncio.to_thread(listing.recent_runs, ls.root, request.limit)
        open_reviews = ls.reviews.open_runs()
        listed = [
            listing.run_info(s, s.run_id in open_reviews, undone.get(s.run_id)) for s in summaries
        ]
        return protocol.RunsResult(runs=listed).wire()

    @server.feature(methods.CONTEXT)
    async def context(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import listing, protocol

        request = parse(protocol.ContextParams, params)
        workspace = (await ls.session.engine()).workspace
        return (await asyncio.to_thread(listing.context_manifest, workspace, request)).wire()


#: How long the palette waits for MCP servers to start before it lists their prompts;
#: one still starting is left out, and its prompts are listed the next time.
PROMPTS_WAIT_SECONDS = 5.0


async def _mcp_prompts(engine: Engine) -> dict[str, Command]:
    """The MCP servers' prompts as commands, without holding the palette hostage."""
    return await engine.mcp_commands(PROMPTS_WAIT_SECONDS)
