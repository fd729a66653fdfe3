"""`Runs`: the runs this server started, from an editor request to the engine's task.

A run lives in the engine's task, never inside a request: pygls does not stop an
executeCommand coroutine when the client cancels it, and a run may wait for the
person for minutes. `start` returns the run id at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol import types

from orchestra_lsp.changes import LineIndex, Position
from orchestra_lsp.lsp import protocol
from orchestra_lsp.lsp.errors import RequestFailed
from orchestra_lsp.lsp.paths import relative_path, uri_to_path
from orchestra_lsp.lsp.server import OrchestraServer

if TYPE_CHECKING:
    from orchestra_lsp.engine import Engine, RunHandle, RunRequest
    from orchestra_lsp.lsp.frontend import EditorFrontEnd


@dataclass
class ActiveRun:
    handle: RunHandle
    command: str


class Runs:
    def __init__(self, server: OrchestraServer) -> None:
        self.server = server
        self.active: dict[str, ActiveRun] = {}

    async def start(self, params: protocol.RunParams) -> protocol.RunStarted:
        request = self._request(params)
        await (await self.server.session.runner()).prepare(params.command)  # MCP prompts
        return await self._launch(params.command, lambda e, f: e.start(request, f))

    async def recover(self, run_id: str) -> protocol.RunStarted:
        """Offer again, as a review of its own, what an interrupted run left pending."""
        return await self._launch(
            f"review of {run_id}", lambda e, f: e.recover(run_id, f), recovered=True
        )

    async def resume(self, params: protocol.ResumeParams) -> protocol.RunStarted:
        """Continue a run where it stopped (or from `from_step`) in a new run."""
        return await self._launch(
            f"resume of {params.run_id}",
            lambda e, f: e.resume(params.run_id, f, from_step=params.from_step),
        )

    async def undo(self, params: protocol.UndoParams) -> protocol.RunStarted:
        """Take back what a run landed: the undo run's proposal is reviewed like any other.
        It is planned in a thread (files read, git asked), against the buffers as they
        are when the request arrives."""
        from orchestra_lsp.engine import RunRequestError

        engine = await self.server.session.runner()
        try:
            plan = await asyncio.to_thread(
                engine.plan_undo,
                params.run_id,
                step=params.step,
                file=params.file,
                buffers=dict(engine.buffers()),
            )
        except RunRequestError as error:
            raise RequestFailed(str(error)) from None
        return await self._launch(
            f"undo of {params.run_id}", lambda e, f: e.undo(params.run_id, f, plan=plan)
        )

    async def _launch(
        self,
        label: str,
        begin: Callable[[Engine, EditorFrontEnd], RunHandle],
        *,
        recovered: bool = False,
    ) -> protocol.RunStarted:
        """Start a run with its progress in the editor; a run that cannot start is a
        request error with the engine's one-line reason."""
        from orchestra_lsp.engine import RunRequestError
        from orchestra_lsp.lsp.frontend import EditorFrontEnd

        engine = await self.server.session.runner()
        holder: list[str] = []

        def stop() -> None:  # cancelling the progress: the run id is known by then
            self.cancel(holder[0])

        frontend = EditorFrontEnd(self.server, f"Orchestra: {label}", stop, recovered=recovered)
        try:
            handle = begin(engine, frontend)
        except RunRequestError as error:
            frontend.progress.end("not started")
            raise RequestFailed(str(error)) from None
        holder.append(handle.run_id)
        self.active[handle.run_id] = ActiveRun(handle, label)
        handle.task.add_done_callback(lambda _: self.active.pop(handle.run_id, None))
        return protocol.RunStarted(run_id=handle.run_id)

    def cancel(self, run_id: str) -> bool:
        run = self.active.get(run_id)
        if run is None:
            return False
        run.handle.cancel()
        return True

    def _request(self, params: protocol.RunParams) -> RunRequest:
        from orchestra_lsp.engine import RunRequest

        file = relative_path(self.server.root, params.uri) if params.uri else None
        selection = params.selection
        if selection is None and params.uri and params.range:
            selection = self._text_in(params.uri, params.range)
        return RunRequest(
            command=params.command,
            arguments=params.arguments,
            file=file,
            selection=selection,
            diagnostics=_diagnostics_text(params.diagnostics) or None,
        )

    def _text_in(self, uri: str, selected: protocol.Range) -> str | None:
        document = self.server.documents.get(uri)
        if document is not None:
            return document.text_in(
                types.Position(line=selected.start.line, character=selected.start.character),
                types.Position(line=selected.end.line, character=selected.end.character),
            )
        text = _read(uri)
        if text is None:
            return None
        index = LineIndex(text)
        encoding = self.server.features.encoding
        start = index.offset_of(Position.model_validate(selected.start.model_dump()), encoding)
        end = index.offset_of(Position.model_validate(selected.end.model_dump()), encoding)
        return text[start:end]


def _read(uri: str) -> str | None:
    path = uri_to_path(uri)
    try:
        return path.read_text(encoding="utf-8") if path else None
    except (OSError, UnicodeDecodeError):
        return None


def _diagnostics_text(diagnostics: list[protocol.DiagnosticInfo]) -> str:
    names = {1: "error", 2: "warning", 3: "info", 4: "hint"}
    return "\n".join(
        f"{d.range.start.line + 1}:{d.range.start.character + 1}: "
        f"{names.get(d.severity or 1, 'error')}: {d.message}"
        + (f" ({d.source})" if d.source else "")
        for d in diagnostics
    )
