"""pygls' protocol, taught Orchestra's own methods.

pygls turns the params of a method it does not know into namedtuples, which drops
keys that are not identifiers (`dry-run`) and the key `type_name`. Orchestra's
methods get plain dicts instead, validated by the pydantic models of
`lsp.protocol`. `initialize` also advertises them under `experimental.orchestra`,
so a client can tell this server apart from one that merely shares the command names.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import lru_cache
from typing import Any

import attrs
from lsprotocol import types
from pygls.protocol import LanguageServerProtocol, lsp_method

from orchestra_lsp.lsp import methods

PROTOCOL_VERSION = 1


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


_RAW_REQUESTS = frozenset((*methods.REQUESTS, methods.ASK))


class OrchestraProtocol(LanguageServerProtocol):
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
        result.capabilities.experimental = {
            "orchestra": {
                "version": PROTOCOL_VERSION,
                "requests": list(methods.REQUESTS),
                "notifications": [methods.EVENT],
            }
        }
        return result
