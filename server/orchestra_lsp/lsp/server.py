"""The Orchestra language server: pygls, with each feature in a module of its own.

`create_server` builds it and lets every feature module register its handlers
through its `setup(server)` door; the server object carries the state features
share (open documents, the client's capabilities, the engine, runs and reviews).
"""

from __future__ import annotations

import asyncio
import linecache
import logging
import sys
import threading
from collections.abc import Awaitable, Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from lsprotocol import types
from pygls.io_ import StdinAsyncReader, StdoutWriter, run_async
from pygls.lsp.server import LanguageServer

from orchestra_lsp import __version__
from orchestra_lsp.lsp.client import DEFAULT, ClientFeatures
from orchestra_lsp.lsp.documents import Documents
from orchestra_lsp.lsp.paths import uri_to_path
from orchestra_lsp.lsp.positions import Codec
from orchestra_lsp.lsp.rpc import OrchestraProtocol
from orchestra_lsp.lsp.session import Session

if TYPE_CHECKING:
    from orchestra_lsp.lsp.bootstrap import Reader
    from orchestra_lsp.lsp.configuration import Configuration
    from orchestra_lsp.lsp.gates import Gates
    from orchestra_lsp.lsp.prefetch import CommandsPrefetch
    from orchestra_lsp.lsp.reviews import Reviews
    from orchestra_lsp.lsp.running import Runs

Hook = Callable[[], Awaitable[None]]

CONFIG_FILES = ("CLAUDE.md", "AGENTS.md", ".mcp.json")
"""Configuration files by name (wherever they are; `.orchestra/` and `.claude/` too)."""

logger = logging.getLogger(__name__)


class OrchestraServer(LanguageServer):
    protocol: OrchestraProtocol
    configuration: Configuration
    """Set by the `configuration` feature's setup."""

    def __init__(self, workspace: Path, prefetch: CommandsPrefetch | None = None) -> None:
        super().__init__(
            "orchestra",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=OrchestraProtocol,
        )
        self.session = Session(workspace, prefetch)
        """Where the root is; the engine once `initialized` has arrived."""
        self.documents = Documents(self.keeps)
        """pygls' document store (it becomes the protocol's workspace at `initialize`)."""
        self.features: ClientFeatures = DEFAULT
        """What the client can do; set from its `initialize` capabilities."""
        self.on_initialized: list[Hook] = []
        """Run in order once the client says `initialized` and the engine is being built."""
        self.on_shutdown: list[Hook] = []
        self.folders: list[Path] = []
        """The client's workspace folders that exist here, in its order; the first is
        served (`session.root`)."""
        self.pending_messages: list[str] = []
        """Shown once the client has said `initialized` (it may not show them before)."""

    def start_io(
        self,
        stdin: Reader | None = None,
        stdout: BinaryIO | None = None,
        *,
        initialize: tuple[bytes | None, dict[str, Any] | None] = (None, None),
    ) -> None:
        """Serve over stdio until `exit` or the end of stdin, and stop quietly.

        pygls' own loop, with two differences: `initialize`, when given (the request's
        body and the result `bootstrap` already sent), is handled first without being
        answered again; and once the client has gone (`exit`, stdin closed), the tasks
        still running (a run, a configuration check) are cancelled without a word,
        instead of each logging its traceback on the way out.
        """
        stop = self._stop_event = threading.Event()
        reader = StdinAsyncReader(stdin or sys.stdin.buffer, self.thread_pool)  # type: ignore[arg-type]
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        body, answered = initialize

        async def serve() -> None:
            asyncio.get_running_loop().set_exception_handler(self._loop_error)
            if body is not None and answered is not None:
                self.protocol.replay_initialize(body, answered)
            try:
                await run_async(
                    stop_event=stop,
                    reader=reader,
                    protocol=self.protocol,
                    logger=logger,
                    error_handler=self.report_server_error,
                )
            finally:
                self.protocol.state = "exiting"

        try:
            asyncio.run(serve())
        except (BrokenPipeError, KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.protocol.state = "exiting"
            self.shutdown()  # type: ignore[no-untyped-call]

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if self.protocol.state != "exiting":
            loop.default_exception_handler(context)

    def keeps(self, uri: str) -> bool:
        """Whether the server keeps the open document `uri` in step: files of the
        client's folders (agents read them, review reads them back) and configuration
        files anywhere; not `untitled:` buffers, other schemes, nor files elsewhere
        (a library's sources opened by go-to-definition)."""
        path = uri_to_path(uri)
        if path is None:
            return False
        if path.name in CONFIG_FILES or {".orchestra", ".claude"} & set(path.parts):
            return True
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):  # a symlink loop: not a file agents can read
            return False
        folders = self.folders or [self.session.root]
        return any(resolved.is_relative_to(folder) for folder in folders)

    @property
    def codec(self) -> Codec:
        """Positions in the encoding negotiated with this client."""
        return Codec(self.features.encoding)

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


def create_server(workspace: Path, prefetch: CommandsPrefetch | None = None) -> OrchestraServer:
    """A server for `workspace` (used until the client names its root folder); with
    `prefetch`, the first `orchestra/commands` is answered from it (`lsp/prefetch.py`)."""
    from orchestra_lsp.lsp import features

    # attrs keeps the source of every method it generates (for lsprotocol's hundreds of
    # classes) in linecache, for debuggers: about 1.5 MiB an idle server never reads.
    # Dropped now, before the engine's imports, which then reuse that memory.
    linecache.clearcache()
    server = OrchestraServer(workspace, prefetch)
    for feature in features.ALL:
        feature.setup(server)
    return server
