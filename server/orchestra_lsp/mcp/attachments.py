"""`@server:uri` in a command's prompt or arguments: the resource is read from that MCP
server and attached to the prompt, as Claude Code attaches `@server:protocol://path`.

Only names of configured servers count (an e-mail address or `@scope/pkg` is left
alone); the mention stays where it was written and the resource's text follows the
prompt, headed by the mention, so the model can tell which is which.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from orchestra_lsp.mcp.pool import McpPool

#: `@server:scheme:rest`, the URI running to the next blank; trailing punctuation of
#: the sentence is not part of it.
MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_-]+):([A-Za-z][A-Za-z0-9+.-]*:\S+)")
_TRAILING = ".,;:!?)]}'\""


class Attached(BaseModel):
    """One resource attached to a prompt (for the journal)."""

    server: str
    uri: str
    chars: int
    error: str | None = None


def mentions(text: str, servers: Collection[str]) -> list[tuple[str, str]]:
    """The (server, uri) pairs `text` mentions, in order, each once."""
    found: dict[tuple[str, str], None] = {}
    for match in MENTION.finditer(text):
        server, uri = match[1], match[2].rstrip(_TRAILING)
        if server in servers and uri:
            found[(server, uri)] = None
    return list(found)


async def attach(text: str, pool: McpPool, servers: Collection[str]) -> tuple[str, list[Attached]]:
    """`text` followed by every mentioned resource's content; what was attached."""
    parts = [text]
    attached: list[Attached] = []
    for server, uri in mentions(text, servers):
        result = await pool.read_resource(server, uri)
        if result.is_error:
            parts.append(f"[@{server}:{uri} could not be read: {result.text}]")
            attached.append(Attached(server=server, uri=uri, chars=0, error=result.text))
            continue
        parts.append(f"[@{server}:{uri}]\n{result.text}")
        attached.append(Attached(server=server, uri=uri, chars=len(result.text)))
    return "\n\n".join(parts), attached
