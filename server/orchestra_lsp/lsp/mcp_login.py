"""`orchestra/mcpLogin` (and the `orchestra.mcpLogin` command): OAuth with an HTTP MCP
server, the authorization page opened by the editor.

The page goes to `window/showDocument` with `external: true`, so the editor opens it
in the person's own browser (where they are signed in), not a browser this server
starts; a client that cannot show documents, or fails to, gets the address in
`window/showMessage`. The SDK's provider does the flow; tokens go to the user's store
(`mcp.oauth.TokenStore`), never to the client or the journal.
"""

from __future__ import annotations

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
