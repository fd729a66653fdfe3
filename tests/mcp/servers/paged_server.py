"""A server that splits every list into pages of two (`nextCursor`), as the MCP
specification allows for tools, prompts, resources and resource templates.

Five tools `t1`..`t5`, five prompts `p1`..`p5`, five resources `page://1`..`page://5`
and three templates `page://t1/{n}`..`page://t3/{n}`. With `--endless`, prompts/list
answers every page with the same cursor, as a broken server would.
"""

from __future__ import annotations

import sys
from typing import Any

from mcp.server.mcpserver import MCPServer

app = MCPServer("paged")
ENDLESS = "--endless" in sys.argv
#: The list methods and the field of their result that holds the items.
LISTS = {
    "tools/list": "tools",
    "prompts/list": "prompts",
    "resources/list": "resources",
    "resources/templates/list": "resourceTemplates",
}
PAGE = 2


def _register(n: int) -> None:
    def tool() -> str:
        return f"TOOL-{n}-OK"

    tool.__doc__ = f"Tool number {n}."
    app.add_tool(tool, name=f"t{n}")

    def prompt() -> str:
        return f"Prompt number {n}."

    app.prompt(name=f"p{n}", description=f"Prompt number {n}")(prompt)

    def resource() -> str:
        return f"PAGE-{n}"

    app.resource(f"page://{n}", name=f"r{n}", mime_type="text/plain")(resource)


for number in range(1, 6):
    _register(number)

for number in range(1, 4):

    def template(n: str) -> str:
        return f"TEMPLATE-{n}"

    app.resource(f"page://t{number}/{{n}}", name=f"tpl{number}", mime_type="text/plain")(template)


async def paginate(ctx: Any, call_next: Any) -> Any:
    """Answer a list request with one page of the full list, and the next page's cursor."""
    result = await call_next(ctx)
    field = LISTS.get(ctx.method)
    if field is None:
        return result
    # The handlers' result reaches middleware as the wire's JSON object.
    items = result[field]
    if ENDLESS and ctx.method == "prompts/list":
        return {**result, field: items[:PAGE], "nextCursor": "again"}
    cursor = (ctx.params or {}).get("cursor")
    start = int(cursor) if cursor else 0
    page = {**result, field: items[start : start + PAGE]}
    if start + PAGE < len(items):
        page["nextCursor"] = str(start + PAGE)
    return page


app._lowlevel_server.middleware.append(paginate)

if __name__ == "__main__":
    app.run()
