"""A local ticket tracker served over MCP: the embedded stand-in for Jira.

Tickets are Markdown files in one folder, so an example repository (or a team that
wants no tracker at all) carries its tickets next to its code, reviewed like code.
The same agents and commands work against `mcp-atlassian` by swapping `mcp.json`.

Run it over stdio::

    python3 -m orchestra_lsp.tickets --dir tickets

One file per ticket, named after its key (``SHOP-12.md``)::

    ---
    key: SHOP-12
    title: Cart total ignores item quantities
    status: To Do
    type: Bug              # optional, like priority, assignee, reporter, labels
    ---
    Free text: the description. Other `##` sections (steps to reproduce, notes)
    belong to the description too.

    ## Acceptance criteria
    1. One criterion per list item (`1.`, `-`, `*` or `- [ ]`); indented lines
       continue the item.

    ## Comments
    ### Dana Reyes · 2025-03-03
    A comment: a `###` heading with the author and the date, then its text.

Tools: ``get_ticket``, ``search_tickets``, ``add_comment``, ``transition`` (see
:mod:`orchestra_lsp.tickets.server`). A file that cannot be read as a ticket gives a
tool error naming the file and the line, never a crashed server.
"""

from orchestra_lsp.tickets.model import STATUSES, Comment, SearchResult, Ticket, TicketSummary
from orchestra_lsp.tickets.parse import TicketFileError, parse_ticket
from orchestra_lsp.tickets.store import TicketError, TicketStore

__all__ = [
    "STATUSES",
    "Comment",
    "SearchResult",
    "Ticket",
    "TicketError",
    "TicketFileError",
    "TicketStore",
    "TicketSummary",
    "parse_ticket",
]
