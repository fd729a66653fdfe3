"""Every page of an MCP list request (`tools/list`, `prompts/list`, `resources/list`,
`resources/templates/list`): the specification lets a server split any of them with
`nextCursor`, and a client that reads only the first page silently loses the rest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import mcp_types as types
from mcp.client.session import ClientSession

Item = TypeVar("Item")
Page = TypeVar("Page")

#: Pages read at most: a server that keeps answering with new cursors is broken, and a
#: listing must end (10,000 items at the smallest page a real server uses, 10).
MAX_PAGES = 1000


class EndlessListing(Exception):
    """The server's cursors did not end: one came back twice, or MAX_PAGES passed."""


async def every_page(
    fetch: Callable[[types.PaginatedRequestParams | None], Awaitable[Page]],
    items: Callable[[Page], Sequence[Item]],
    cursor_of: Callable[[Page], str | None],
) -> list[Item]:
    """The items of every page, in the server's order. Raises EndlessListing when the
    server repeats a cursor or sends more than MAX_PAGES pages, and whatever `fetch`
    raises (a failed request stays the caller's to report)."""
    found: list[Item] = []
    seen: set[str] = set()
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await fetch(types.PaginatedRequestParams(cursor=cursor) if cursor else None)
        found.extend(items(page))
        cursor = cursor_of(page)
        if not cursor:
            return found
        if cursor in seen:
            raise EndlessListing(f"the server sent the cursor {cursor!r} twice")
        seen.add(cursor)
    raise EndlessListing(f"the listing had more than {MAX_PAGES} pages")


async def all_tools(session: ClientSession) -> list[types.Tool]:
    return await every_page(
        lambda p: session.list_tools(params=p), lambda r: r.tools, lambda r: r.next_cursor
    )


async def all_prompts(session: ClientSession) -> list[types.Prompt]:
    return await every_page(
        lambda p: session.list_prompts(params=p), lambda r: r.prompts, lambda r: r.next_cursor
    )


async def all_resources(session: ClientSession) -> list[types.Resource]:
    return await every_page(
        lambda p: session.list_resources(params=p), lambda r: r.resources, lambda r: r.next_cursor
    )


async def all_resource_templates(session: ClientSession) -> list[types.ResourceTemplate]:
    return await every_page(
        lambda p: session.list_resource_templates(params=p),
        lambda r: r.resource_templates,
        lambda r: r.next_cursor,
    )
