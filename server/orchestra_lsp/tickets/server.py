"""The ticket tools over MCP (the SDK's `MCPServer`), backed by a `TicketStore`.

Tool names and shapes follow what the built-in agents ask for
(`mcp__tickets__get_ticket`, `mcp__tickets__search_tickets`). Refusals and unreadable
files come back as tool errors (`is_error`) with a message the model can act on; the
server itself stays up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from orchestra_lsp.tickets.model import STATUSES, SearchResult, Ticket
from orchestra_lsp.tickets.parse import TicketFileError
from orchestra_lsp.tickets.store import CommentAdded, TicketError, TicketStore, Transition

_R = TypeVar("_R")

INSTRUCTIONS = (
    "A file-backed ticket tracker (tickets are Markdown files in the repository). "
    "Read a ticket with get_ticket; find tickets with search_tickets. add_comment and "
    f"transition change the ticket file. Statuses: {', '.join(STATUSES)}."
)

Key = Annotated[str, Field(description="Ticket key, e.g. SHOP-12")]


def _answer(call: Callable[[], _R]) -> _R:
    """Run a store call, turning its expected failures into `ToolError`s: the SDK
    reports those with their message, while any other exception would reach the model
    as a bare "Error executing tool"."""
    try:
        return call()
    except (TicketError, TicketFileError) as error:
        raise ToolError(str(error)) from None


def build_server(store: TicketStore) -> MCPServer:
    server: MCPServer = MCPServer("orchestra-tickets", instructions=INSTRUCTIONS)

    @server.tool(
        description=(
            "Read one ticket: title, status, description, acceptance criteria (a list), comments."
        )
    )
    def get_ticket(key: Key) -> Ticket:
        return _answer(lambda: store.get(key))

    @server.tool(
        description=(
            "Find tickets. query: words that must all appear (any case) in the key, title, "
            "description, criteria, labels or comments; empty lists all. status: only "
            f"tickets in this status ({', '.join(STATUSES)})."
        )
    )
    def search_tickets(query: str = "", status: str = "") -> SearchResult:
        return _answer(lambda: store.search(query or None, status or None))

    @server.tool(description="Append a comment (Markdown) to a ticket's comments.")
    def add_comment(
        key: Key,
        body: Annotated[str, Field(description="The comment's text, Markdown")],
        author: Annotated[str, Field(description="Who writes it")] = "Orchestra",
    ) -> CommentAdded:
        return _answer(lambda: store.add_comment(key, body, author))

    @server.tool(description=f"Move a ticket to another status: one of {', '.join(STATUSES)}.")
    def transition(
        key: Key, status: Annotated[str, Field(description="The new status")]
    ) -> Transition:
        return _answer(lambda: store.transition(key, status))

    return server
