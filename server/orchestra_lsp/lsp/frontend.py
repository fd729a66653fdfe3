"""`EditorFrontEnd`: the engine's `FrontEnd`, answered by the editor.

Events go out as `orchestra/event` notifications and into the run's progress;
gates and questions go to `gates`; reviews go through one annotated
`workspace/applyEdit` when the client declares it confirms them (the VS Code extension),
else through `reviews` (a message request per file, and `orchestra/proposal` +
`orchestra/decide`). It returns decisions, or the buffers the editor changed, read
back; the engine lands and names them (ARCHITECTURE.md §front-ends). One per run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from lsprotocol import types

from orchestra_lsp.changes import Changeset
from orchestra_lsp.engine import events
from orchestra_lsp.engine.frontend import (
    ApprovalDecision,
    ApprovalRequest,
    FileDecision,
    PermissionRequest,
    Question,
    ReviewDecision,
    ReviewRequest,
)
from orchestra_lsp.lsp import mcp_login, methods
from orchestra_lsp.lsp.applying import deliver, plan, read_back, send_edit
from orchestra_lsp.lsp.edits import FilePlan
from orchestra_lsp.lsp.paths import file_uri
from orchestra_lsp.lsp.progress import RunProgress
from orchestra_lsp.lsp.server import OrchestraServer

logger = logging.getLogger(__name__)


class EditorFrontEnd:
    def __init__(
        self,
        server: OrchestraServer,
        title: str,
        on_cancel: Callable[[], None],
        *,
        recovered: bool = False,
    ) -> None:
        self.server = server
        self.recovered = recovered
        """The review of an interrupted run's proposal (`orchestra/proposal` says so)."""
        self.progress = RunProgress(server, title, on_cancel)
        self._created: set[str] = set()
        self._reports: list[str] = []

    def emit(self, event: events.Event) -> None:
        self.progress.update(event)
        self._track_reports(event)
        if (
            isinstance(event, events.Notice)
            and event.level != "info"
            and not mcp_login.offer(self.server, event.message)
        ):
            kind = types.MessageType.Error if event.level == "error" else types.MessageType.Warning
            self._message(kind, f"Orchestra: {event.message}")
        if isinstance(event, events.RunFinished | events.RunFailed | events.RunCancelled):
            self._finish(event)  # reports shown before the client hears the run ended
        if self.server.features.events:
            self.server.protocol.notify(methods.EVENT, event.model_dump(mode="json"))

    async def approve(self, request: ApprovalRequest) -> ApprovalDecision:
        return await self.server.gates.approve(request)

    async def permission(self, request: PermissionRequest) -> bool:
        return await self.server.gates.permission(request)

    async def ask(self, question: Question) -> str:
        return await self.server.gates.ask(question)

    async def review(self, request: ReviewRequest, changeset: Changeset) -> ReviewDecision:
        """The person's decisions, or what the editor applied, read back; the engine
        lands the rest and names every outcome."""
        label = f"{request.agent} · {request.step_id}"
        if request.auto_accept:  # automation: policy accepted it all, nobody is asked
            decisions = [
                FileDecision(path=f.path, accepted=[h.id for h in f.hunks]) for f in request.files
            ]
        elif self.server.features.review == "applyEdit":
            return await self._in_preview(request, changeset, label)
        else:
            ask = self.server.features.review == "message"
            decided = await self.server.reviews.wait(
                request, changeset, recovered=self.recovered, ask=ask
            )
            decisions = decided.files
        return ReviewDecision(files=await deliver(self.server, changeset, decisions, label))

    async def _in_preview(
        self, request: ReviewRequest, changeset: Changeset, label: str
    ) -> ReviewDecision:
        """One annotated edit: the person ticks hunks in the editor's preview (VS Code's
        Refactor Preview); what the editor then holds is what was accepted."""
        decided: dict[str, FileDecision] = {}
        plans: list[FilePlan] = []
        for review in request.files:
            planned = plan(self.server, changeset.files[review.path])
            if isinstance(planned, FilePlan):
                plans.append(planned)
            else:
                decided[review.path] = planned
        if plans:
            applied, reason = await send_edit(self.server, plans, label, annotate=True)
            if applied:
                states = await read_back(self.server, plans, until_saved=True)
                for p in plans:
                    decided[p.path] = FileDecision(
                        path=p.path, accepted=None, editor=states[p.path]
                    )
            else:
                for p in plans:
                    decided[p.path] = FileDecision(path=p.path, accepted=[])
                if reason:
                    self._message(types.MessageType.Info, f"Orchestra: not applied: {reason}")
        self._warn_conflicts(decided.values())
        return ReviewDecision(files=[decided[f.path] for f in request.files])

    def _track_reports(self, event: events.Event) -> None:
        """Markdown files a run creates and the person accepts are its reports."""
        if isinstance(event, events.ProposalReady):
            self._created |= {f.path for f in event.files if f.kind == "create"}
        elif (
            isinstance(event, events.ProposalDecided)
            and event.outcome in ("applied", "applied_in_editor")
            and event.path in self._created
            and event.path.endswith(".md")
        ):
            self._reports.append(event.path)

    def _finish(self, event: events.RunFinished | events.RunFailed | events.RunCancelled) -> None:
        if isinstance(event, events.RunFinished):
            self.progress.end(f"done · ${event.cost_usd:.4f}")
            for report in self._reports:
                self._show(report)
            if event.report and not self._reports:
                self._show(event.report)
        elif isinstance(event, events.RunFailed):
            self.progress.end("failed")
            self._message(
                types.MessageType.Error, f"Orchestra: run {event.run_id} failed: {event.error}"
            )
        else:
            self.progress.end("cancelled")

    def _show(self, path: str) -> None:
        """Open a report: a workspace-relative path, or an absolute one (the journal's)."""
        absolute = Path(path)
        uri = absolute.as_uri() if absolute.is_absolute() else file_uri(self.server.root, path)
        if self.server.features.show_document:
            self.server.window_show_document(types.ShowDocumentParams(uri=uri, take_focus=False))
        else:
            self._message(types.MessageType.Info, f"Orchestra: report written to {path}")

    def _warn_conflicts(self, decisions: Iterable[FileDecision]) -> None:
        for decision in decisions:
            if decision.refused is not None:
                self._message(
                    types.MessageType.Warning,
                    f"Orchestra: {decision.path} was not changed: {decision.refused}",
                )

    def _message(self, kind: types.MessageType, message: str) -> None:
        self.server.window_show_message(types.ShowMessageParams(type=kind, message=message))
