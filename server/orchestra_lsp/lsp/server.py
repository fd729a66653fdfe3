"""The Orchestra language server: pygls, with each feature in a module of its own.

`create_server` builds it and lets every feature module register its handlers
through its `setup(server)` door; the server object carries the state features
share (open documents, the client's capabilities, the engine, runs and reviews).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cached_property
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
    from orchestra_lsp.lsp.running import Runs

Hook = Callable[[], Awaitable[None]]


class OrchestraServer(LanguageServer):
    configuration: Configuration
    """Set by the `configuration` feature's setup."""

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

    # Built on first use, so that answering `initialize` imports neither the engine
    # nor pydantic: they only matter once a run starts.
    @cached_property
    def runs(self) -> Runs:
        from orchestra_lsp.lsp.running import Runs

        return Runs(self)

    @cached_property
    def gates(self) -> Gates:
        from orchestra_lsp.lsp.gates import Gates

        return Gates(self)

    @cached_property
    def reviews(self) -> Reviews:
        from orchestra_lsp.lsp.reviews import Reviews

        return Reviews(self)


def create_server(workspace: Path) -> OrchestraServer:
    """A server for `workspace` (used until the client names its root folder)."""
    from orchestra_lsp.lsp import features

    server = OrchestraServer(workspace)
    for feature in features.ALL:
        feature.setup(server)
    return server
