"""One cancellable `$/progress` per run: step, agent, tool, tokens and cost.

The token is created with the client (a round trip) while the run already goes, so
updates before it exists are folded into the `begin`; cancelling the progress in
the editor cancels the run.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from lsprotocol import types

from orchestra_lsp.engine import events
from orchestra_lsp.lsp.server import OrchestraServer

logger = logging.getLogger(__name__)


class RunProgress:
    def __init__(self, server: OrchestraServer, title: str, on_cancel: Callable[[], None]) -> None:
        self.server = server
        self.title = title
        self.on_cancel = on_cancel
        self.token = str(uuid.uuid4())
        self.step = ""
        self.tool = ""
        self.tokens = 0
        self.cost = 0.0
        self.percentage = 0
        self._ready = False
        self._ended = False
        self._task: asyncio.Task[None] | None = None
        if server.features.progress:
            self._task = asyncio.ensure_future(self._create())

    def update(self, event: events.Event) -> None:
        """Fold one engine event into the progress shown."""
        if isinstance(event, events.StepStarted):
            self.step = f"{event.step_id} ({event.agent}) {event.index + 1}/{event.total}"
            self.percentage = int(100 * event.index / max(event.total, 1))
            self.tool = ""
        elif isinstance(event, events.ToolCallStarted):
            self.tool = event.tool
        elif isinstance(event, events.ToolCallFinished):
            self.tool = ""
        elif isinstance(event, events.UsageReported):
            self.tokens += event.input_tokens + event.output_tokens
            self.cost = event.run_cost_usd
        elif isinstance(event, events.GateOpened):
            self.tool = f"waiting for your {event.gate}"
        else:
            return
        if self._ready and not self._ended:
            self.server.work_done_progress.report(
                self.token,
                types.WorkDoneProgressReport(
                    message=self.message(), percentage=self.percentage, cancellable=True
                ),
            )

    def end(self, message: str) -> None:
        if self._ready and not self._ended:
            self.server.work_done_progress.end(
                self.token, types.WorkDoneProgressEnd(message=message)
            )
        self._ended = True

    def message(self) -> str:
        parts = [self.step or "starting"]
        if self.tool:
            parts.append(self.tool)
        parts.append(f"{self.tokens:,} tokens")
        parts.append(f"${self.cost:.4f}")
        return " · ".join(parts)

    async def _create(self) -> None:
        try:
            await self.server.work_done_progress.create_async(self.token)
        except Exception as error:  # the client refused: the run goes on without a bar
            logger.info("no progress for this run: %s", error)
            return
        if self._ended:
            return
        self._ready = True
        cancelled: Future[Any] = self.server.work_done_progress.tokens[self.token]
        cancelled.add_done_callback(lambda f: self.on_cancel() if f.cancelled() else None)
        self.server.work_done_progress.begin(
            self.token,
            types.WorkDoneProgressBegin(
                title=self.title,
                message=self.message(),
                percentage=self.percentage,
                cancellable=True,
            ),
        )
