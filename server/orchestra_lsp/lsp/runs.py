"""`orchestra/run`, `orchestra/cancel`, and the same as `workspace/executeCommand`
commands (`orchestra.run`, `orchestra.cancel`); the work is `running.Runs`'."""

from __future__ import annotations

from typing import Any

from orchestra_lsp.lsp import methods
from orchestra_lsp.lsp.errors import parse
from orchestra_lsp.lsp.server import OrchestraServer


def setup(server: OrchestraServer) -> None:
    @server.feature(methods.RUN)
    async def run(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import protocol

        return (await ls.runs.start(parse(protocol.RunParams, params))).wire()

    @server.feature(methods.CANCEL)
    def cancel(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import protocol

        request = parse(protocol.RunRef, params)
        return protocol.CancelResult(cancelled=ls.runs.cancel(request.run_id)).wire()

    @server.command(methods.RUN_COMMAND)
    async def run_command(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import protocol

        return (await ls.runs.start(parse(protocol.RunParams, params))).wire()

    @server.command(methods.CANCEL_COMMAND)
    def cancel_command(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import protocol

        run_id = params if isinstance(params, str) else parse(protocol.RunRef, params).run_id
        return protocol.CancelResult(cancelled=ls.runs.cancel(run_id)).wire()
