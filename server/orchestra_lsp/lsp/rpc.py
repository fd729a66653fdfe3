"""pygls' protocol, taught Orchestra's own methods and LSP 3.17's lifecycle.

pygls turns the params of a method it does not know into namedtuples, which drops
keys that are not identifiers (`dry-run`) and the key `type_name`. Orchestra's
methods get plain dicts instead, validated by the pydantic models of
`lsp.protocol`. `initialize` also advertises them under `experimental.orchestra`,
so a client can tell this server apart from one that merely shares the command names.

Lifecycle (LSP 3.17 "Server lifecycle"), enforced here for every message before any
handler runs: before `initialize`, a request is answered `-32002` (ServerNotInitialized)
and a notification dropped; `initialize` is answered once, a second one is
`-32600` (InvalidRequest); after `shutdown`, every request is `-32600` and notifications
other than `exit` are dropped; `exit` stops the process with 0 after `shutdown`, else 1.
Once the process is stopping, nothing more is written: a run still emitting events must
not fill stderr with "I/O operation on closed file".
"""

from __future__ import annotations

import json
import logging
from collections.abc import Generator
from functools import lru_cache
from typing import Any, Literal

import attrs
from lsprotocol import types
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.protocol.json_rpc import RPCMessage, RPCNotification, RPCRequest

from orchestra_lsp.lsp import bootstrap, methods
from orchestra_lsp.lsp.documents import Documents
from orchestra_lsp.lsp.positions import Codec

SERVER_NOT_INITIALIZED = -32002
INVALID_REQUEST = -32600

logger = logging.getLogger(__name__)

State = Literal["new", "initialized", "shut down", "exiting"]


@attrs.define
class RawRequest:
    """A request whose params stay the JSON the client sent."""

    id: int | str
    method: str
    jsonrpc: str
    params: Any = None


@attrs.define
class RawNotification:
    """A notification whose params stay plain JSON (both directions)."""

    method: str
    jsonrpc: str
    params: Any = None


@attrs.define
class RawResponse:
    """The client's answer to a request of ours, its result left as plain JSON."""

    id: int | str
    jsonrpc: str
    result: Any = None


class _QuietWriter:
    """The transport's writer, silent once the client has gone (stdout closed)."""

    def __init__(self, writer: Any, protocol: OrchestraProtocol) -> None:
        self._writer = writer
        self._protocol = protocol

    def write(self, data: bytes) -> Any:
        try:
            return self._writer.write(data)
        except (BrokenPipeError, ValueError, OSError):
            self._protocol.state = "exiting"
            return None

    def close(self) -> Any:
        try:
            return self._writer.close()
        except (BrokenPipeError, ValueError, OSError):
            return None


_RAW_REQUESTS = frozenset((*methods.REQUESTS, methods.ASK))


class OrchestraProtocol(LanguageServerProtocol):
    state: State = "new"
    _answered_early: tuple[int | str, dict[str, Any]] | None = None
    """The `initialize` request `bootstrap` answered, and its answer (see `replay_initialize`)."""
    exit_code = 0
    """What the process exits with: 1 after an `exit` that no `shutdown` preceded."""

    def handle_message(self, message: RPCMessage) -> None:
        refusal = self._refusal(message)
        if refusal is None:
            super().handle_message(message)
        elif isinstance(message, RPCRequest):
            code, text = refusal
            self._send_response(message.id, error=types.ResponseError(code=code, message=text))
        else:
            logger.info("dropped %s: %s", getattr(message, "method", "?"), refusal[1])

    def _refusal(self, message: RPCMessage) -> tuple[int, str] | None:
        """Why the lifecycle forbids `message` now, or None when it may be handled."""
        if not isinstance(message, RPCRequest | RPCNotification):
            return None  # the client's answer to one of our requests
        method = message.method
        if method == types.EXIT:
            return None
        if self.state == "exiting":
            return INVALID_REQUEST, "the server is exiting"
        if self.state == "shut down":
            return INVALID_REQUEST, f"{method} after shutdown: only exit is accepted"
        if self.state == "new":
            if method == types.INITIALIZE and isinstance(message, RPCRequest):
                self.state = "initialized"
                return None
            return SERVER_NOT_INITIALIZED, f"{method} before initialize"
        if method == types.INITIALIZE:
            return INVALID_REQUEST, "initialize may be sent only once"
        if method == types.SHUTDOWN:
            self.state = "shut down"  # later requests are refused even while it runs
        return None

    def set_writer(self, writer: Any, *args: Any, **kwargs: Any) -> None:
        super().set_writer(_QuietWriter(writer, self), *args, **kwargs)

    def _send_data(self, data: Any) -> None:
        if self.state != "exiting":
            super()._send_data(data)

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Generator[Any, Any, None]:
        self.exit_code = 0 if self.state == "shut down" else 1
        self.state = "exiting"
        yield from super().lsp_exit(*args)

    @lru_cache  # noqa: B019 - as in pygls: one protocol per process, few method names
    def get_message_type(self, method: str) -> type[Any] | None:
        if method in _RAW_REQUESTS:
            return RawRequest
        if method == methods.EVENT:
            return RawNotification
        return super().get_message_type(method)

    @lru_cache  # noqa: B019
    def get_result_type(self, method: str) -> type[Any] | None:
        if method == methods.ASK:
            return RawResponse
        return super().get_result_type(method)

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(
        self, params: types.InitializeParams
    ) -> Generator[Any, Any, types.InitializeResult]:
        result: types.InitializeResult = yield from super().lsp_initialize(params)
        # What the server counts in, which `lifecycle` may set apart from pygls' choice
        # for a client known to count otherwise than it declares.
        features = getattr(self._server, "features", None)
        if features is not None:
            result.capabilities.position_encoding = types.PositionEncodingKind(features.encoding)
        if features is not None and features.completion_registration:
            # Registered at `initialized` for configuration files only (`config_names`).
            result.capabilities.completion_provider = None
        # The server's own store, by the project's line rule, replaces pygls' plain one.
        documents = getattr(self._server, "documents", None)
        codec = getattr(self._server, "codec", None)
        if isinstance(documents, Documents) and isinstance(codec, Codec) and self._workspace:
            self._workspace = documents.adopt(self._workspace, codec)
        result.capabilities.experimental = bootstrap.experimental()
        return result

    def replay_initialize(self, body: bytes, answered: dict[str, Any]) -> None:
        """Handle the `initialize` request `body` that `bootstrap` has already answered
        with `answered` (before pygls was imported): everything pygls and the features
        do for it happens now, but its answer is not sent again. Should pygls read the
        params otherwise (it never should: `bootstrap` checks their shape), the server
        still initializes, with the capabilities of a client that declares none."""
        message = json.loads(body)
        self._answered_early = (message["id"], answered)
        try:
            structured = json.loads(body, object_hook=self.structure_message)
        except Exception:
            logger.exception("initialize answered early, then unreadable by pygls")
            params = message["params"]
            bare = {k: params.get(k) for k in ("processId", "rootUri", "workspaceFolders")}
            fallback = {**message, "params": {**bare, "capabilities": {}}}
            structured = json.loads(json.dumps(fallback), object_hook=self.structure_message)
        self.handle_message(structured)

    def _send_response(
        self, msg_id: Any, result: Any | None = None, error: types.ResponseError | None = None
    ) -> None:
        early = getattr(self, "_answered_early", None)
        if early is None or msg_id != early[0]:
            super()._send_response(msg_id, result, error)
            return
        # The client already has bootstrap's answer: pygls' own is only checked.
        self._answered_early = None
        if error is not None:
            logger.error("initialize answered early, then failed in pygls: %s", error.message)
        elif (computed := self._converter.unstructure(result)) != early[1]:
            logger.warning(
                "initialize answered early differs from pygls': sent %s, pygls %s",
                json.dumps(early[1]),
                json.dumps(computed),
            )
