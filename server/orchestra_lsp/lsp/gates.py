"""Questions for the person: approve gates, permission asks and an agent's questions.

Approvals and permissions go through `window/showMessageRequest`, which every LSP
client can show; free text (a revision's feedback, an open question) through
`orchestra/ask` when the client declares it. An approve gate can also be answered by
`orchestra/decide`, for clients that show the step's output their own way
(`orchestra/gate` gives it); the first answer wins. The person may edit the output
before approving: `orchestra/decide` with `gate.edited`, or, for clients that declare
`experimental.orchestra.edit`, the `Edit…` action, which sends `orchestra/edit`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from lsprotocol import types
from pydantic import ValidationError
from pygls.exceptions import JsonRpcException

from orchestra_lsp.engine.frontend import (
    CANNOT_ASK,
    ApprovalDecision,
    ApprovalRequest,
    PermissionRequest,
    Question,
)
from orchestra_lsp.lsp import methods, protocol
from orchestra_lsp.lsp.server import OrchestraServer

APPROVE, EDIT, REVISE, STOP = "Approve", "Edit…", "Revise", "Stop"
ALLOW, DENY = "Allow", "Deny"
logger = logging.getLogger(__name__)
MAX_SHOWN = 2000
"""Characters of a step's output or a tool's arguments shown in a message."""


class Gates:
    def __init__(self, server: OrchestraServer) -> None:
        self.server = server
        self._waiting: dict[str, asyncio.Future[ApprovalDecision]] = {}
        self._gates_open: dict[str, ApprovalRequest] = {}

    def answer(self, run_id: str, choice: protocol.GateChoice) -> bool:
        """Answer the run's open approve gate (from `orchestra/decide`)."""
        waiting = self._waiting.get(run_id)
        if waiting is None or waiting.done():
            return False
        waiting.set_result(
            ApprovalDecision(
                decision=choice.decision,
                feedback=choice.feedback,
                edited=choice.edited if choice.decision == "approve" else None,
            )
        )
        return True

    def info(self, run_id: str) -> protocol.GateInfo | None:
        """The run's open gate (`orchestra/gate`); None when none is open."""
        request = self._gates_open.get(run_id)
        if request is None:
            return None
        return protocol.GateInfo(
            run_id=request.run_id,
            step_id=request.step_id,
            agent=request.agent,
            gate=request.gate,
            output=request.output,
            format=request.format,
            editable=request.editable,
            message=request.message,
            problem=request.problem,
            output_schema=request.output_schema,
        )

    async def approve(self, request: ApprovalRequest) -> ApprovalDecision:
        future: asyncio.Future[ApprovalDecision] = asyncio.get_running_loop().create_future()
        self._waiting[request.run_id] = future
        self._gates_open[request.run_id] = request
        asked = asyncio.ensure_future(self._ask_approval(request))
        try:
            done, _ = await asyncio.wait({future, asked}, return_when=asyncio.FIRST_COMPLETED)
            return future.result() if future in done else asked.result()
        finally:
            asked.cancel()
            self._waiting.pop(request.run_id, None)
            self._gates_open.pop(request.run_id, None)

    async def permission(self, request: PermissionRequest) -> bool:
        arguments = _shorten(json.dumps(request.arguments, indent=2, ensure_ascii=False))
        message = (
            f"Orchestra ({request.step_id}) wants to call {request.tool}:\n{arguments}\n\n"
            f"{request.reason}"
        )
        # The safe choice first: some clients (eglot) pre-select the first action, and a
        # single Enter must not allow `curl … | sh`.
        return await self._choose(message, [DENY, ALLOW], types.MessageType.Warning) == ALLOW

    async def ask(self, question: Question) -> str:
        answer = await self._answer(question)
        if question.open_url and question.choices and answer == question.choices[0]:
            await self._open(question.open_url)
        return answer

    async def _answer(self, question: Question) -> str:
        if self.server.features.ask:
            answer = await self._free_text(
                question.run_id, question.step_id, question.question, question.choices
            )
            return answer if answer is not None else "(the person dismissed the question)"
        if question.choices:
            picked = await self._choose(question.question, question.choices, types.MessageType.Info)
            return picked or "(the person dismissed the question)"
        return f"{CANNOT_ASK} free-text questions in this editor; decide yourself)"

    async def _open(self, url: str) -> None:
        """Open a page the person agreed to, in their browser (the question named it,
        for an editor that cannot)."""
        if not self.server.features.show_document:
            return
        try:
            await self.server.window_show_document_async(
                types.ShowDocumentParams(uri=url, external=True)
            )
        except JsonRpcException as error:
            logger.info("window/showDocument failed: %s", error)

    async def _ask_approval(self, request: ApprovalRequest) -> ApprovalDecision:
        intro = request.message or f"Step '{request.step_id}' ({request.agent}) is done."
        if request.problem:
            intro += f" Your edit was not taken: {request.problem}"
        message = f"Orchestra: {intro}\n\n{_shorten(request.output)}"
        editing = request.editable and self.server.features.edit
        titles = [APPROVE, EDIT, REVISE, STOP] if editing else [APPROVE, REVISE, STOP]
        while True:
            picked = await self._choose(message, titles, types.MessageType.Info)
            if picked != EDIT:
                break
            edited = await self._edit(request)
            if edited is not None:
                return ApprovalDecision(decision="approve", edited=edited)
            # The person gave up the edit: the gate is open as before.
        if picked == APPROVE:
            return ApprovalDecision(decision="approve")
        if picked != REVISE:
            return ApprovalDecision(decision="stop")
        if not self.server.features.ask:
            self.server.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning,
                    message="Orchestra: this editor cannot take free-text feedback, so the run "
                    "stops; send orchestra/decide with a revise decision and feedback instead.",
                )
            )
            return ApprovalDecision(decision="stop")
        feedback = await self._free_text(
            request.run_id, request.step_id, f"What should '{request.step_id}' change?", None
        )
        if not feedback:
            return ApprovalDecision(decision="stop")
        return ApprovalDecision(decision="revise", feedback=feedback)

    async def _edit(self, request: ApprovalRequest) -> str | None:
        """The output as the person edited it in the client (`orchestra/edit`); None
        when they gave up, or the client failed to answer."""
        params = protocol.EditParams(
            run_id=request.run_id,
            step_id=request.step_id,
            agent=request.agent,
            text=request.output,
            format=request.format,
            problem=request.problem,
        )
        try:
            raw: Any = await self.server.protocol.send_request_async(methods.EDIT, params.wire())
            # pygls hands a client's answer to an unknown method over as a namedtuple.
            return protocol.EditResult.model_validate(raw or {}, from_attributes=True).text
        except (JsonRpcException, ValidationError) as error:
            logger.info("orchestra/edit was not answered: %s", error)
            return None

    async def _choose(self, message: str, titles: list[str], kind: types.MessageType) -> str | None:
        """The title the person picked; None when dismissed, and when the client cannot
        show message requests (an error answer): the caller then takes the safe way
        (deny, stop)."""
        try:
            picked = await self.server.window_show_message_request_async(
                types.ShowMessageRequestParams(
                    type=kind,
                    message=message,
                    actions=[types.MessageActionItem(title=title) for title in titles],
                )
            )
        except JsonRpcException as error:
            logger.info("the client did not show the message request: %s", error)
            return None
        return picked.title if picked is not None else None

    async def _free_text(
        self, run_id: str, step_id: str, question: str, choices: list[str] | None
    ) -> str | None:
        params = protocol.AskParams(
            run_id=run_id, step_id=step_id, question=question, choices=choices
        )
        try:
            raw: Any = await self.server.protocol.send_request_async(methods.ASK, params.wire())
            return protocol.AskResult.model_validate(raw or {}).answer
        except (JsonRpcException, ValidationError) as error:  # as if dismissed
            logger.info("orchestra/ask was not answered: %s", error)
            return None


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "\n…"
