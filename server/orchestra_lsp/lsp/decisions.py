"""`orchestra/proposal`, `orchestra/gate` and `orchestra/decide` (also the
`orchestra.decide` command): how any client shows a run's proposal or open gate and
answers its gates and reviews."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orchestra_lsp.lsp import methods
from orchestra_lsp.lsp.errors import RequestFailed, parse
from orchestra_lsp.lsp.server import OrchestraServer

if TYPE_CHECKING:
    from orchestra_lsp.lsp import protocol


async def decide(server: OrchestraServer, params: protocol.DecideParams) -> protocol.DecideResult:
    answered = False
    if params.gate is not None:
        answered = server.gates.answer(params.run_id, params.gate)
        if not answered:
            raise RequestFailed(f"run {params.run_id} has no gate waiting")
    if not params.files and not params.final:
        from orchestra_lsp.lsp import protocol

        return protocol.DecideResult(files=[], undecided=[], gate_answered=answered)
    result = server.reviews.decide(params)
    result.gate_answered = answered
    return result


def setup(server: OrchestraServer) -> None:
    @server.feature(methods.PROPOSAL)
    def proposal(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import protocol

        return ls.reviews.proposal(parse(protocol.RunRef, params).run_id).wire()

    @server.feature(methods.GATE)
    def gate(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import protocol

        run_id = parse(protocol.RunRef, params).run_id
        info = ls.gates.info(run_id)
        if info is None:
            raise RequestFailed(f"run {run_id} has no gate waiting")
        return info.wire()

    @server.feature(methods.DECIDE)
    async def decide_request(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import protocol

        return (await decide(ls, parse(protocol.DecideParams, params))).wire()

    @server.command(methods.DECIDE_COMMAND)
    async def decide_command(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import protocol

        return (await decide(ls, parse(protocol.DecideParams, params))).wire()
