"""`initialize`, `initialized`, `shutdown` and workspace folder changes.

`initialize` only records the folders and the client's capabilities, so it is answered
at once; the engine is built after `initialized`.

Folders: the server serves one folder at a time, with one engine: the first of the
client's workspace folders that is an existing absolute folder here (else `rootUri`,
else `--workspace`). Commands, agents, runs and the journal are that folder's. When
`workspace/didChangeWorkspaceFolders` removes the served folder, the next remaining one
(or the first added) is served instead: its engine is built, the old one's runs are
stopped, and the commands offered become the new folder's. A folder that is not an
existing absolute folder on this machine (`file:///c%3A/Users/dev/proj` on Linux) is
never served: it is reported with `window/showMessage`, and when the client names no
other folder, `initialize` fails with that message.
"""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from orchestra_lsp.lsp import bootstrap
from orchestra_lsp.lsp.client import ClientFeatures
from orchestra_lsp.lsp.paths import local_folder
from orchestra_lsp.lsp.server import Hook, OrchestraServer

logger = logging.getLogger(__name__)


def setup(server: OrchestraServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: OrchestraServer, params: types.InitializeParams) -> None:
        named = _named_folders(params)
        folders = [path for uri in named if (path := local_folder(uri)) is not None]
        refused = [uri for uri in named if local_folder(uri) is None]
        if named and not folders:
            raise JsonRpcInvalidParams(_refusal(refused))
        if refused:
            ls.pending_messages.append(_refusal(refused))
        if folders:
            ls.session.root = folders[0]
        ls.folders = folders or [ls.session.root]
        general = params.capabilities.general
        encoding = bootstrap.position_encoding(
            general.position_encodings if general else None,
            params.client_info.name if params.client_info else None,
        )
        ls.features = ClientFeatures.read(
            params.capabilities, encoding, params.initialization_options
        )
        if ls.features.warning:
            ls.pending_messages.append(ls.features.warning)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: OrchestraServer, params: types.InitializedParams) -> None:
        for message in ls.pending_messages:
            ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=message)
            )
        ls.pending_messages.clear()
        logger.info("serving the folder %s", ls.session.root)
        ls.session.start(ls.session.root, lambda: ls.documents.buffers(ls.session.root))
        for hook in ls.on_initialized:
            await _guarded(hook)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: OrchestraServer, params: None) -> None:
        for hook in ls.on_shutdown:
            await _guarded(hook)
        await ls.session.aclose()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def folders_changed(
        ls: OrchestraServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        removed = {path for f in params.event.removed if (path := local_folder(f.uri))}
        added = [path for f in params.event.added if (path := local_folder(f.uri))]
        refused = [f.uri for f in params.event.added if local_folder(f.uri) is None]
        if refused:
            ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=_refusal(refused))
            )
        ls.folders = [f for f in ls.folders if f not in removed]
        ls.folders += [f for f in added if f not in ls.folders]
        if ls.folders and ls.folders[0] != ls.session.root:
            await ls.session.switch(ls.folders[0], lambda: ls.documents.buffers(ls.session.root))
            ls.configuration.latest = None
            await ls.configuration.check()


def _named_folders(params: types.InitializeParams) -> list[str]:
    """The client's workspace folders, else its root URI, else its root path, as URIs."""
    if params.workspace_folders:
        return [folder.uri for folder in params.workspace_folders]
    if params.root_uri:
        return [params.root_uri]
    if params.root_path:  # deprecated, plain path: a relative one is refused as such
        root = Path(params.root_path)
        return [root.as_uri() if root.is_absolute() else f"file:{params.root_path}"]
    return []


def _refusal(uris: list[str]) -> str:
    names = ", ".join(uris)
    return (
        f"Orchestra cannot serve {names}: not an existing absolute folder on this machine "
        "(a path from another system?). Open the folder where it lives here."
    )


async def _guarded(hook: Hook) -> None:
    """One feature failing to start must not keep the others from starting."""
    try:
        await hook()
    except Exception:
        logger.exception("%s failed", getattr(hook, "__qualname__", hook))
