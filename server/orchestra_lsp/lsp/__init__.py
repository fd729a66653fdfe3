"""The language server: Orchestra in any LSP editor (DESIGN §6, §7).

A front end over the engine, nothing more: it turns editor requests into runs and
engine questions into editor requests, and owns no orchestration logic.
"""

from orchestra_lsp.lsp.server import OrchestraServer, create_server

__all__ = ["OrchestraServer", "create_server"]
