"""A small Jira Server REST v2 stand-in on 127.0.0.1: only what mcp-atlassian's
`jira_get_issue` calls, answering one ticket, and recording every request."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

KEY = "SHOP-12"
_WHEN = "2026-01-05T10:00:00.000+0000"
_PERSON = {
    "name": "ada",
    "key": "ada",
    "displayName": "Ada Lovelace",
    "emailAddress": "ada@example.invalid",
    "active": True,
}

ISSUE: dict[str, Any] = {
    "id": "10012",
    "key": KEY,
    "fields": {
        "summary": "Cart total ignores discount codes",
        "description": "Given a cart with a 10% code, the total must show the discount.",
        "status": {
            "name": "In Progress",
            "statusCategory": {"key": "indeterminate", "name": "In Progress"},
        },
        "issuetype": {"name": "Story"},
        "priority": {"name": "High"},
        "assignee": _PERSON,
        "reporter": _PERSON,
        "labels": ["cart", "pricing"],
        "created": _WHEN,
        "updated": _WHEN,
        "project": {"key": "SHOP", "name": "Shop"},
        "comment": {"comments": [], "total": 0, "maxResults": 0, "startAt": 0},
    },
}
COMMENTS = {
    "comments": [
        {
            "id": "1",
            "author": _PERSON,
            "body": "Reproduced on staging.",
            "created": _WHEN,
            "updated": _WHEN,
        }
    ],
    "total": 1,
    "maxResults": 50,
    "startAt": 0,
}
FIELDS = [
    {
        "id": "summary",
        "name": "Summary",
        "custom": False,
        "schema": {"type": "string", "system": "summary"},
    },
    {
        "id": "description",
        "name": "Description",
        "custom": False,
        "schema": {"type": "string", "system": "description"},
    },
    {
        "id": "status",
        "name": "Status",
        "custom": False,
        "schema": {"type": "status", "system": "status"},
    },
    {
        "id": "labels",
        "name": "Labels",
        "custom": False,
        "schema": {"type": "array", "items": "string", "system": "labels"},
    },
]
SERVER_INFO = {
    "version": "9.12.0",
    "versionNumbers": [9, 12, 0],
    "deploymentType": "Server",
    "serverTitle": "Fake Jira",
}


@dataclass
class FakeJira:
    url: str
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    """(path, Authorization header) of every request, in order."""


ROUTES: dict[str, Any] = {
    f"/rest/api/2/issue/{KEY}": ISSUE,
    f"/rest/api/2/issue/{KEY}/comment": COMMENTS,
    "/rest/api/2/field": FIELDS,
    "/rest/api/2/search": {"issues": [], "total": 0, "startAt": 0, "maxResults": 50},
    "/rest/api/2/serverInfo": SERVER_INFO,
}

#: Called for each GET with its path and Authorization header.
Recorder = Callable[[str, str | None], None]


@contextmanager
def serve_routes(routes: Mapping[str, Any], record: Recorder) -> Iterator[str]:
    """Answer GETs of the given paths with their JSON (404 otherwise) on 127.0.0.1;
    yield the base URL. Shared by every fake Jira of the tests."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            record(path, self.headers.get("Authorization"))
            if path in routes:
                status, body = 200, routes[path]
            else:
                status, body = 404, {"errorMessages": [f"not in the fake: {path}"], "errors": {}}
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def fake_jira() -> Iterator[FakeJira]:
    fake = FakeJira(url="")
    with serve_routes(ROUTES, lambda path, auth: fake.requests.append((path, auth))) as url:
        fake.url = url
        yield fake
