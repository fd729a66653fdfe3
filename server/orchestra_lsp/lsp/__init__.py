"""The language server: Orchestra in any LSP editor (DESIGN §6, §7).

A front end over the engine, nothing more: it turns editor requests into runs and
engine questions into editor requests, and owns no orchestration logic.

The server (pygls, lsprotocol: most of the start-up cost) is imported on first use of
`OrchestraServer` or `create_server`, so the package's light modules (`methods`,
`prefetch`) can be imported, and run as a child process, without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchestra_lsp.lsp.server import OrchestraServer, create_server

__all__ = ["OrchestraServer", "create_server"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from orchestra_lsp.lsp import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
