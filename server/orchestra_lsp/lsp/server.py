"""The Orchestra language server: pygls, with each feature in a module of its own.

`create_server` builds it and lets every feature module register its handlers
through its `setup(server)` door; the server object carries the state features
share (open documents, the client's capabilities, the engine, runs and reviews).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from orchestra_lsp import __version__
from orchestra_lsp.lsp.client import DEFAULT, ClientFeatures
from orchestra_lsp.lsp.documents import Documents
from orchestra_lsp.lsp.rpc import OrchestraProtocol
from orchestra_lsp.lsp.session import Session

if TYPE_CHECKING:
    from orchestra_lsp.lsp.configuration import Configuration
    from orchestra_lsp.lsp.gates import Gates
    from orchestra_lsp.lsp.reviews import Reviews
    from orchestra_lsp.lsp.runs import Runs

Hook = Callable[[], Awaitable[None]]


class OrchestraServer(LanguageServer):
    # Shared state, each set by the `setup` of the feature that owns it.
    configuration: Configuration
    runs: Runs
    gates: Gates
    reviews: Reviews

    def __init__(self, workspace: Path) -> None:
        super().__init__(
            "orchestra",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=OrchestraProtocol,
        )
        self.session = Session(workspace)
        """Where the root is; the engine once `initialized` has arrived."""
        self.documents = Documents()
        self.features: ClientFeatures = DEFAULT
        """What the client can do; set from its `initialize` capabilities."""
        self.on_initialized: list[Hook] = []
        """Run in order once the client says `initialized` and the engine is being built."""
        self.on_shutdown: list[Hook] = []

    @property
    def root(self) -> Path:
        return self.session.root


def create_server(workspace: Path) -> OrchestraServer:
    """A server for `workspace` (used until the client names its root folder)."""
    from orchestra_lsp.lsp import features

    server = OrchestraServer(workspace)
    for feature in features.ALL:
        feature.setup(server)
    return server
