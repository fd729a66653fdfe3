"""`initialize`, `initialized` and `shutdown`: where the session begins and ends.

`initialize` only records the root folder and the client's capabilities, so it is
answered at once; the engine is built after `initialized`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types

from orchestra_lsp.lsp.client import ClientFeatures
from orchestra_lsp.lsp.paths import uri_to_path
from orchestra_lsp.lsp.server import Hook, OrchestraServer

logger = logging.getLogger(__name__)


def setup(server: OrchestraServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: OrchestraServer, params: types.InitializeParams) -> None:
        root = _root(params)
        if root is not None:
            ls.session.root = root.resolve()
        ls.features = ClientFeatures.read(
            params.capabilities,
            str(ls.workspace.position_encoding),
            params.initialization_options,
        )

    @server.feature(types.INITIALIZED)
    async def initialized(ls: OrchestraServer, params: types.InitializedParams) -> None:
        ls.session.start(ls.session.root, lambda: ls.documents.buffers(ls.session.root))
        for hook in ls.on_initialized:
            await _guarded(hook)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: OrchestraServer, params: None) -> None:
        for hook in ls.on_shutdown:
            await _guarded(hook)
        await ls.session.aclose()


async def _guarded(hook: Hook) -> None:
    """One feature failing to start must not keep the others from starting."""
    try:
        await hook()
    except Exception:
        logger.exception("%s failed", getattr(hook, "__qualname__", hook))


def _root(params: types.InitializeParams) -> Path | None:
    """The client's first workspace folder, else its root URI, else its root path."""
    for folder in params.workspace_folders or []:
        path = uri_to_path(folder.uri)
        if path is not None:
            return path
    if params.root_uri:
        return uri_to_path(params.root_uri)
    return Path(params.root_path) if params.root_path else None
