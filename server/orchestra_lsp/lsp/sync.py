"""Keeping `server.documents` in step with the editor (full and incremental sync)."""

from __future__ import annotations

from lsprotocol import types

from orchestra_lsp.lsp.server import OrchestraServer


def setup(server: OrchestraServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: OrchestraServer, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        ls.documents.open(document.uri, document.text, document.version)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: OrchestraServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.documents.change(
            params.text_document.uri,
            params.text_document.version,
            list(params.content_changes),
            ls.features.encoding,
        )

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: OrchestraServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.documents.close(params.text_document.uri)
