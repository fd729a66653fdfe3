"""`orchestra/runPage`: a run's self-contained HTML page (see `orchestra_lsp.reports`),
written beside its journal for the editor to show (VS Code: a webview; any other
client: `window/showDocument` of the file, or a browser)."""

from __future__ import annotations

import asyncio
from typing import Any

from orchestra_lsp.lsp import methods
from orchestra_lsp.lsp.errors import RequestFailed, parse
from orchestra_lsp.lsp.server import OrchestraServer


def setup(server: OrchestraServer) -> None:
    @server.feature(methods.RUN_PAGE)
    async def run_page(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        from orchestra_lsp.journal import RunNotFoundError
        from orchestra_lsp.lsp import protocol
        from orchestra_lsp.lsp.paths import file_uri
        from orchestra_lsp.reports import write_page_of_run

        request = parse(protocol.RunRef, params)
        try:
            page = await asyncio.to_thread(write_page_of_run, ls.root, request.run_id)
        except RunNotFoundError as error:
            raise RequestFailed(str(error)) from None
        report = page.with_name("report.md")
        relative = page.relative_to(ls.root).as_posix()
        return protocol.RunPageResult(
            run_id=request.run_id,
            uri=file_uri(ls.root, relative),
            report_uri=(
                file_uri(ls.root, report.relative_to(ls.root).as_posix())
                if report.is_file()
                else None
            ),
        ).wire()
