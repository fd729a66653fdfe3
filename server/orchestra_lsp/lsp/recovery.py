"""Recovery: proposals of runs interrupted before their review are offered again.

After a restart (the server or the editor died mid-run), the journal still holds each
such run's changeset. Once the engine is up, the person is asked, run by run, whether
to review it now; `orchestra/recover` does the same on request.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types

from orchestra_lsp.lsp import methods
from orchestra_lsp.lsp.errors import parse
from orchestra_lsp.lsp.server import OrchestraServer

logger = logging.getLogger(__name__)
REVIEW, LATER = "Review now", "Later"


def setup(server: OrchestraServer) -> None:
    @server.feature(methods.RECOVER)
    async def recover(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import protocol

        request = parse(protocol.RunRef, params)
        return (await ls.runs.recover(request.run_id)).wire()

    tasks: set[asyncio.Task[None]] = set()

    async def offer() -> None:
        # Not awaited by `initialized`: the question may wait for the person a long time.
        task = asyncio.create_task(_offer_pending(server))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    server.on_initialized.append(offer)


async def _offer_pending(server: OrchestraServer) -> None:
    from orchestra_lsp.journal import list_runs

    await server.session.engine()
    pending = [
        s
        for s in await asyncio.to_thread(list_runs, server.root)
        if s.state == "interrupted" and s.pending_proposal
    ]
    for summary in pending:
        picked = await server.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Info,
                message=f"Orchestra: run {summary.run_id} ({summary.command}) was interrupted "
                "with proposed changes waiting for review.",
                actions=[
                    types.MessageActionItem(title=REVIEW),
                    types.MessageActionItem(title=LATER),
                ],
            )
        )
        if picked is not None and picked.title == REVIEW:
            try:
                await server.runs.recover(summary.run_id)
            except Exception:  # one bad record must not stop the others being offered
                logger.exception("could not offer run %s again", summary.run_id)
