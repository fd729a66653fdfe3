"""`orchestra/undo`: take back what a run landed, as a run reviewed in the editor;
`orchestra/resume`: continue a run where it stopped. Both start a run of their own."""

from __future__ import annotations

from typing import Any

from orchestra_lsp.lsp import methods
from orchestra_lsp.lsp.errors import parse
from orchestra_lsp.lsp.server import OrchestraServer


def setup(server: OrchestraServer) -> None:
    @server.feature(methods.UNDO)
    async def undo(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import protocol

        request = parse(protocol.UndoParams, params)
        return (await ls.runs.undo(request)).wire()

    @server.feature(methods.RESUME)
    async def resume(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.lsp import protocol

        request = parse(protocol.ResumeParams, params)
        return (await ls.runs.resume(request)).wire()
