"""Which servers and tools an agent's allow-list reaches.

Patterns are the agent file's tool entries (`mcp__tickets__*`,
`mcp__browser__browser_click`, `mcp__*`, even a bare `*`); an argument pattern such as
`mcp__jira__create_issue(project=SHOP)` scopes by its name only, since arguments are
the permission policy's business. Working this out before any server starts is what
keeps unneeded servers from being spawned at all.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence

from orchestra_lsp.workspace.tool_names import is_glob, mcp_server_of, split_pattern

PREFIX = "mcp__"


def tool_name(server: str, tool: str) -> str:
    return f"{PREFIX}{server}__{tool}"


def split_tool_name(name: str) -> tuple[str, str] | None:
    """`mcp__<server>__<tool>` -> (server, tool); None for anything else."""
    server = mcp_server_of(name)
    if server is None or is_glob(server):
        return None
    return server, name[len(PREFIX) + len(server) + 2 :]


def _names(patterns: Iterable[str]) -> list[str]:
    return [split_pattern(pattern)[0] for pattern in patterns]


def servers_reached(patterns: Sequence[str], servers: Iterable[str]) -> list[str]:
    """The servers at least one pattern can name a tool of, in the given order."""
    names = _names(patterns)
    return [server for server in servers if any(_reaches(name, server) for name in names)]


def _reaches(name: str, server: str) -> bool:
    server_part = mcp_server_of(name)
    if server_part is not None:
        return fnmatch.fnmatchcase(server, server_part)
    # A glob without the `mcp__x__` shape (`*`, `mcp__git*`) reaches a server when it
    # could match one of its tool names.
    return is_glob(name) and fnmatch.fnmatchcase(tool_name(server, ""), name)


def tool_allowed(patterns: Sequence[str], name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in _names(patterns))
