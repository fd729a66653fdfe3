"""`orchestra/batch`: a command run once per item from the editor ("Run Command on
Several…"), by the engine's batch runner (`engine/batch.py`, as `orchestra batch`).

The request answers at once with the plan; the batch goes on in a task of its own.
Its progress is one cancellable `$/progress` (items done of all) and an
`orchestra/batchProgress` notification, the whole table each time, as each item starts
and ends and once at the end; each item's run events go as `orchestra/event`, so the
editor lists those runs as it lists any other. Nobody is asked at an item's gates
(`engine.batch.Unattended`).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from orchestra_lsp.lsp import methods
from orchestra_lsp.lsp.errors import RequestFailed, parse
from orchestra_lsp.lsp.server import OrchestraServer

if TYPE_CHECKING:
    from orchestra_lsp.changes import Changeset
    from orchestra_lsp.engine import (
        ApprovalDecision,
        ApprovalRequest,
        Event,
        PermissionRequest,
        Question,
        ReviewDecision,
        ReviewRequest,
    )
    from orchestra_lsp.engine.batch import BatchItem, BatchRunner
    from orchestra_lsp.lsp import protocol

logger = logging.getLogger(__name__)


def setup(server: OrchestraServer) -> None:
    running: dict[str, asyncio.Task[None]] = {}
    runners: dict[str, BatchRunner] = {}
    beginnings: set[asyncio.Task[None]] = set()

    @server.feature(methods.BATCH)
    async def batch(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import protocol

        request = parse(protocol.BatchParams, params)
        runner = await _runner(ls, request)
        token = f"orchestra-batch-{runner.batch_id}"
        task = asyncio.ensure_future(_run(ls, runner, token))
        running[runner.batch_id] = task
        runners[runner.batch_id] = runner

        def ended(_: asyncio.Task[None]) -> None:
            running.pop(runner.batch_id, None)
            runners.pop(runner.batch_id, None)

        task.add_done_callback(ended)
        if ls.features.progress:
            begun = asyncio.ensure_future(_begin(ls, runner, token, task))
            beginnings.add(begun)
            begun.add_done_callback(beginnings.discard)
        return _progress(runner).wire()

    @server.feature(methods.CANCEL_BATCH)
    def cancel_batch(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import protocol

        request = parse(protocol.BatchRef, params)
        runner = runners.get(request.batch_id)
        return protocol.CancelResult(cancelled=runner is not None and runner.cancel()).wire()

    async def stop_all() -> None:
        for task in list(running.values()):
            task.cancel()

    server.on_shutdown.append(stop_all)


class ItemFrontEnd:
    """One item's front end in the editor: its events go to the client as
    `orchestra/event`; nobody answers its gates, and `window/showMessage` says which
    gate stopped it."""

    def __init__(self, server: OrchestraServer, runner: BatchRunner, item: BatchItem) -> None:
        from orchestra_lsp.engine.batch import Unattended

        self.server = server
        self.runner = runner
        self.item = item
        say = self._say

        class Nobody(Unattended):
            def said(self, message: str) -> None:
                say(message)

        self._nobody = Nobody()

    def _say(self, message: str) -> None:
        """Why the item stopped, in the editor (the batch goes on with the others)."""
        self.server.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"Orchestra batch {self.runner.plan.command}, item {self.item.name}: "
                + message.replace("--gate STEP=ANSWER, or pass --yes", "gates, or yes"),
            )
        )

    def emit(self, event: Event) -> None:
        from orchestra_lsp.engine import events

        if isinstance(event, events.RunStarted):
            # The table first: it names the item's run before any of its events, so an
            # editor knows the run is an item (followed by the batch's own progress).
            _notify(self.server, self.runner)
        if self.server.features.events:
            self.server.protocol.notify(methods.EVENT, event.model_dump(mode="json"))

    async def approve(self, request: ApprovalRequest) -> ApprovalDecision:
        return await self._nobody.approve(request)

    async def permission(self, request: PermissionRequest) -> bool:
        return await self._nobody.permission(request)

    async def ask(self, question: Question) -> str:
        return await self._nobody.ask(question)

    async def review(self, request: ReviewRequest, changeset: Changeset) -> ReviewDecision:
        return await self._nobody.review(request, changeset)


async def _runner(ls: OrchestraServer, request: protocol.BatchParams) -> BatchRunner:
    """The batch's plan and runner; RequestFailed with the engine's reason."""
    from orchestra_lsp.engine import RunRequestError
    from orchestra_lsp.engine.batch import (
        BatchError,
        BatchOptions,
        BatchRunner,
        make_plan,
        parse_tool_call,
        tool_items,
    )
    from orchestra_lsp.engine.gate_answers import parse_gate_answers

    engine = await ls.session.engine()
    try:
        await engine.prepare(request.command)
        command = engine.command(request.command)
        if command is None:
            known = ", ".join(sorted(engine.workspace.commands)) or "none"
            raise BatchError(f"no command '{request.command}' (commands: {known})")
        name = request.argument
        values = list(request.items)
        if request.each_from is not None:
            named, tool, arguments = parse_tool_call(request.each_from)
            name = name or named
            values = await tool_items(engine, tool, arguments)
        plan = make_plan(command, name, values, dict(request.arguments))
        options = BatchOptions(
            parallel=request.parallel,
            yes=request.yes,
            apply=request.yes,  # in the editor, what --yes accepts lands (in worktrees)
            gates=parse_gate_answers(request.gates),
        )
        holder: list[BatchRunner] = []
        runner = BatchRunner(
            ls.session.root,
            plan,
            lambda item: ItemFrontEnd(ls, holder[0], item),
            options,
            on_done=lambda _: _notify(ls, holder[0]),
        )
        holder.append(runner)
        runner.prepare(engine.workspace, command)
    except RunRequestError as error:
        raise RequestFailed(str(error)) from None
    return runner


async def _run(ls: OrchestraServer, runner: BatchRunner, token: str) -> None:
    try:
        await runner.run()
    finally:
        _notify(ls, runner, done=True)
        if ls.features.progress and token in ls.work_done_progress.tokens:
            summary = runner.summary
            finished = sum(1 for item in summary.items if item.state == "finished")
            ls.work_done_progress.end(
                token,
                types.WorkDoneProgressEnd(
                    message=f"{finished} of {len(summary.items)} finished · ${summary.cost_usd:.4f}"
                ),
            )


async def _begin(
    ls: OrchestraServer, runner: BatchRunner, token: str, task: asyncio.Task[None]
) -> None:
    """The batch's `$/progress`; cancelling it cancels the batch (as `orchestra/cancelBatch`)."""
    try:
        await ls.work_done_progress.create_async(token)
    except Exception as error:  # the client refused: the batch goes on without a bar
        logger.info("no progress for batch %s: %s", runner.batch_id, error)
        return
    if task.done():
        return
    ls.work_done_progress.tokens[token].add_done_callback(
        lambda f: runner.cancel() if f.cancelled() else None
    )
    ls.work_done_progress.begin(
        token,
        types.WorkDoneProgressBegin(
            title=f"Orchestra: {runner.plan.command} on {len(runner.summary.items)} item(s)",
            message=_counts(runner),
            percentage=0,
            cancellable=True,
        ),
    )


def _counts(runner: BatchRunner) -> str:
    states: dict[str, int] = {}
    for item in runner.summary.items:
        states[item.state] = states.get(item.state, 0) + 1
    return ", ".join(f"{n} {state}" for state, n in sorted(states.items()))


def _notify(ls: OrchestraServer, runner: BatchRunner, *, done: bool = False) -> None:
    if ls.features.events:
        ls.protocol.notify(methods.BATCH_PROGRESS, _progress(runner, done=done).wire())
    token = f"orchestra-batch-{runner.batch_id}"
    if not done and ls.features.progress and token in ls.work_done_progress.tokens:
        items = runner.summary.items
        ended = sum(1 for item in items if item.state not in ("running", "not run"))
        ls.work_done_progress.report(
            token,
            types.WorkDoneProgressReport(
                message=_counts(runner),
                percentage=int(100 * ended / max(len(items), 1)),
                cancellable=True,
            ),
        )


def _progress(runner: BatchRunner, *, done: bool = False) -> protocol.BatchProgress:
    from orchestra_lsp.journal.models import RUNS_FOLDER
    from orchestra_lsp.lsp import protocol

    summary = runner.summary
    runs = runner.root / RUNS_FOLDER
    return protocol.BatchProgress(
        batch_id=summary.batch_id,
        command=summary.command,
        argument=summary.argument,
        isolated=runner.isolate,
        items=[
            protocol.BatchItemInfo(
                item=item.item,
                state=item.state,
                run_id=item.run_id,
                error=item.error,
                cost_usd=item.cost_usd,
                verdicts=item.verdicts,
                report_uri=(runs / item.report).as_uri() if item.report else None,
                branch=item.branch,
            )
            for item in summary.items
        ],
        done=done,
        ok=done and summary.ok,
        cost_usd=summary.cost_usd,
        summary_uri=Path(runner.folder / "summary.md").as_uri() if done else None,
    )
