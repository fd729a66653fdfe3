"""`orchestra/mcpLogin` (and the `orchestra.mcpLogin` command): OAuth with an HTTP MCP
server, the authorization page opened by the editor.

The page goes to `window/showDocument` with `external: true`, so the editor opens it
in the person's own browser (where they are signed in), not a browser this server
starts; a client that cannot show documents, or fails to, gets the address in
`window/showMessage`. The SDK's provider does the flow; tokens go to the user's store
(`mcp.oauth.TokenStore`), never to the client or the journal.

`offer` is the same without a command: when a run reports a server that failed to
start for want of a login, the person is asked (`window/showMessageRequest`, "Log
in" / "Not now") instead of only told, once per server; the run goes on without the
server, the next one has it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from orchestra_lsp.lsp import methods
from orchestra_lsp.lsp.errors import RequestFailed, parse
from orchestra_lsp.lsp.server import OrchestraServer

logger = logging.getLogger(__name__)


def setup(server: OrchestraServer) -> None:
    @server.feature(methods.MCP_LOGIN)
    async def mcp_login(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        return await _login(ls, params)

    @server.command(methods.MCP_LOGIN_COMMAND)
    async def mcp_login_command(ls: OrchestraServer, params: Any) -> dict[str, Any]:
        # Stock clients send command arguments as a list: `["name"]` or `[{"server": …}]`.
        if isinstance(params, list) and params:
            params = params[0]
        return await _login(ls, {"server": params} if isinstance(params, str) else params)


LOG_IN, NOT_NOW = "Log in", "Not now"
_offered: set[str] = set()
_offers: set[asyncio.Future[None]] = set()  # held until done (the loop keeps weak refs)


def offer(ls: OrchestraServer, message: str) -> bool:
    """Offer a login for the server `message` (a run's error notice) says needs one;
    whether the notice is taken care of (offered now or already)."""
    from orchestra_lsp.mcp.models import login_needed

    name = login_needed(message)
    if name is None:
        return False
    if name not in _offered:
        _offered.add(name)
        offering = asyncio.ensure_future(_offer(ls, name))
        _offers.add(offering)
        offering.add_done_callback(_offers.discard)
    return True


async def _offer(ls: OrchestraServer, name: str) -> None:
    try:
        picked = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Warning,
                message=f"Orchestra: MCP server '{name}' needs you to authorize Orchestra "
                "(OAuth) before it can be used.",
                actions=[types.MessageActionItem(title=t) for t in (LOG_IN, NOT_NOW)],
            )
        )
    except JsonRpcException as error:
        logger.info("the client did not show the login offer: %s", error)
        picked = None
    if picked is None or picked.title != LOG_IN:
        _offered.discard(name)  # asked again at the next failure
        return
    try:
        result = await _login(ls, {"server": name})
    except JsonRpcException as error:
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=f"Orchestra: {error}")
        )
        return
    finally:
        _offered.discard(name)
    ls.window_show_message(
        types.ShowMessageParams(
            type=types.MessageType.Info,
            message=f"Orchestra: authorized with MCP server '{name}' (tokens kept in "
            f"{result['where']}); the next run uses it.",
        )
    )


async def _login(ls: OrchestraServer, params: Any) -> dict[str, Any]:
    from orchestra_lsp.lsp import protocol
    from orchestra_lsp.mcp import McpFailure

    request = parse(protocol.McpLoginParams, params)
    engine = await ls.session.runner()
    pool = engine.pool()
    if pool is None:
        raise RequestFailed("no MCP servers are configured (.orchestra/mcp.json or .mcp.json)")

    async def open_url(url: str) -> None:
        await _open(ls, request.server, url)

    try:
        where = await pool.login(request.server, open_url)
    except McpFailure as failure:
        raise RequestFailed(str(failure)) from None
    return protocol.McpLoginResult(server=request.server, where=where).wire()


async def _open(ls: OrchestraServer, server: str, url: str) -> None:
    """Ask the editor to open the authorization page in the person's browser."""
    if ls.features.show_document:
        try:
            shown = await ls.window_show_document_async(
                types.ShowDocumentParams(uri=url, external=True)
            )
            if shown.success:
                return
        except JsonRpcException as error:
            logger.info("window/showDocument failed: %s", error)
    ls.window_show_message(
        types.ShowMessageParams(
            type=types.MessageType.Info,
            message=f"Orchestra: open this page to authorize with MCP server '{server}': {url}",
        )
    )
