"""The shop's tickets served by a fake Jira Server (REST v2) on 127.0.0.1, for
mcp-atlassian: the MCP tests' fake (tests/mcp/fake_jira.py) answers one fixed issue; this
one builds each issue from a ticket file of the shop, the way a team that moved its
tickets to Jira would see them (criteria as a numbered list in the description)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflow_helpers import REPO

from orchestra_lsp.tickets.model import Ticket
from orchestra_lsp.tickets.store import TicketStore

sys.path.insert(0, str(REPO / "tests" / "mcp"))
from fake_jira import FIELDS, SERVER_INFO, serve_routes

_WHEN = "2025-03-06T10:00:00.000+0000"


def _person(name: str | None) -> dict[str, Any] | None:
    if not name:
        return None
    login = name.split()[0].lower()
    return {
        "name": login,
        "key": login,
        "displayName": name,
        "emailAddress": f"{login}@example.invalid",
        "active": True,
    }


def issue(ticket: Ticket, number: int) -> dict[str, Any]:
    """A ticket as Jira's `GET /rest/api/2/issue/KEY` gives it (wiki markup)."""
    criteria = "\n".join(f"# {criterion}" for criterion in ticket.acceptance_criteria)
    return {
        "id": str(10000 + number),
        "key": ticket.key,
        "fields": {
            "summary": ticket.title,
            "description": f"{ticket.description}\n\nh2. Acceptance criteria\n{criteria}",
            "status": {
                "name": ticket.status,
                "statusCategory": {"key": "indeterminate", "name": "In Progress"},
            },
            "issuetype": {"name": ticket.type or "Story"},
            "priority": {"name": ticket.priority or "Medium"},
            "assignee": _person(ticket.assignee),
            "reporter": _person(ticket.reporter),
            "labels": ticket.labels,
            "created": _WHEN,
            "updated": _WHEN,
            "project": {"key": ticket.key.split("-")[0], "name": "Corner Coffee"},
            "comment": {"comments": [], "total": 0, "maxResults": 0, "startAt": 0},
        },
    }


def comments(ticket: Ticket) -> dict[str, Any]:
    listed = [
        {
            "id": str(index),
            "author": _person(comment.author),
            "body": comment.body,
            "created": f"{comment.date}T10:00:00.000+0000" if comment.date else _WHEN,
            "updated": f"{comment.date}T10:00:00.000+0000" if comment.date else _WHEN,
        }
        for index, comment in enumerate(ticket.comments, 1)
    ]
    return {"comments": listed, "total": len(listed), "maxResults": 50, "startAt": 0}


@dataclass
class ShopJira:
    url: str
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    """(method, path, Authorization header) of every request, in order."""


@contextmanager
def shop_jira(tickets: Path) -> Iterator[ShopJira]:
    """Serve every ticket under `tickets` (read once, at start)."""
    store = TicketStore(tickets)
    keys = [summary.key for summary in store.search(None, None).tickets]
    routes: dict[str, Any] = {"/rest/api/2/field": FIELDS, "/rest/api/2/serverInfo": SERVER_INFO}
    for number, key in enumerate(keys, 1):
        ticket = store.get(key)
        routes[f"/rest/api/2/issue/{key}"] = issue(ticket, number)
        routes[f"/rest/api/2/issue/{key}/comment"] = comments(ticket)
    routes["/rest/api/2/search"] = {"issues": [], "total": 0, "startAt": 0, "maxResults": 50}
    fake = ShopJira(url="")

    def record(path: str, authorization: str | None) -> None:
        fake.requests.append(("GET", path, authorization))

    with serve_routes(routes, record) as url:
        fake.url = url
        yield fake
