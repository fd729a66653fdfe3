"""`textDocument/codeAction`: commands that declare `code_action` (see
`command_actions`), and quick fixes for `.orchestra` files (see `config_fixes`); on
those files no command is offered as a quick fix.

Cheap by design, also while runs stream: no model call, no file read, a walk over
the commands in force. Never waits for the engine's build either: until it is built,
the commands are those of the prefetched listing (`Session.prefetched_commands`, the
same answer as the engine's, dropped at the first sign that the files changed). Before
pygls runs, `early_code_actions` answers from that listing where it can.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from orchestra_lsp.lsp import bootstrap, config_fixes
from orchestra_lsp.lsp.paths import uri_to_path
from orchestra_lsp.lsp.positions import text_lines
from orchestra_lsp.lsp.server import OrchestraServer

if TYPE_CHECKING:
    from orchestra_lsp.lsp import command_actions

KINDS = [types.CodeActionKind(kind) for kind in bootstrap.CODE_ACTION_KINDS]


def setup(server: OrchestraServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=KINDS),
    )
    async def code_action(
        ls: OrchestraServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        from orchestra_lsp.lsp import command_actions

        uri = params.text_document.uri
        document = ls.documents.get(uri)
        actions: list[types.CodeAction] = []
        path = uri_to_path(uri)
        config = path is not None and ls.configuration.is_config_file(path)
        if document is not None and config:
            lines = text_lines(document.text)
            diagnostics = list(params.context.diagnostics)
            actions += config_fixes.fixes(uri, lines, diagnostics, ls.codec)
        offers = await _offers(ls)
        selected = params.range
        selection = (
            document.text_in(selected.start, selected.end)
            if document is not None and selected.start != selected.end
            else None
        )
        ran = command_actions.command_actions(offers, params, selection)
        if config:
            # A configuration diagnostic has its own exact fix (or none): an agent run
            # offered beside "Change to 'description'" would spend a model call on a word.
            ran = [a for a in ran if a.kind != types.CodeActionKind.QuickFix]
        actions += ran
        return actions or None


async def _offers(ls: OrchestraServer) -> list[command_actions.Offer]:
    """The commands in force as code actions see them: from the prefetched listing
    while the engine is being built, else the engine's."""
    from orchestra_lsp.lsp import command_actions

    listing = await ls.session.prefetched_commands()
    offers = None if listing is None else command_actions.of_listing(listing)
    if offers is not None:
        return offers
    return command_actions.of_commands((await ls.session.engine()).workspace.commands)
