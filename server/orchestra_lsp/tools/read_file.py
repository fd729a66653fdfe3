"""`read_file`: a file's text as the run sees it, numbered, in bounded pages."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import Field

from orchestra_lsp.tools.base import ToolArgs, ToolContext, ToolResult, parse_args, schema_for
from orchestra_lsp.tools.errors import ToolError
from orchestra_lsp.tools.text import NO_FINAL_NEWLINE, numbered_tail, text_lines

MAX_LINES = 2000
MAX_BYTES = 100_000


class ReadFileArgs(ToolArgs):
    """Arguments of `read_file`."""

    tool_name = "read_file"

    path: str = Field(description="File path, relative to the workspace root.")
    offset: int | None = Field(
        default=None, ge=1, description="Line number to start from (1-based). Default 1."
    )
    limit: int | None = Field(
        default=None, ge=1, description=f"How many lines to read. Default and maximum {MAX_LINES}."
    )


class ReadFileTool:
    """Reads from the overlay, so the agent sees its own edits and unsaved buffers."""

    name = "read_file"
    description = (
        "Read a text file of the workspace, with line numbers (`cat -n` style). "
        "Shows the file as this run sees it: including your own edits and the user's "
        f"unsaved editor changes. At most {MAX_LINES} lines or {MAX_BYTES // 1000} KB per "
        "call; use offset and limit to page through longer files. Long lines are cut. "
        f"A last line followed by `{NO_FINAL_NEWLINE}` has no newline."
    )
    input_schema: dict[str, Any] = schema_for(ReadFileArgs)

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Read and number the requested lines."""
        try:
            parsed = parse_args(ReadFileArgs, args)
            relative = ctx.view.resolve(parsed.path)
            snapshot = await asyncio.to_thread(ctx.view.read, relative)
        except ToolError as error:
            return ToolResult(text=str(error), is_error=True)
        if snapshot is None:
            return ToolResult(text=f"{relative} does not exist", is_error=True)
        return ToolResult(text=_page(relative, snapshot.text, parsed))


def _page(relative: str, text: str, args: ReadFileArgs) -> str:
    """The requested slice of lines, cut at the line and byte bounds with a note."""
    lines = text_lines(text)
    if not lines:
        return f"{relative} is empty"
    start = (args.offset or 1) - 1
    if start >= len(lines):
        return f"{relative} has only {len(lines)} lines; offset {start + 1} is past the end"
    wanted = lines[start : start + min(args.limit or MAX_LINES, MAX_LINES)]
    shown: list[str] = []
    size = 0
    for line in wanted:
        size += len(line.encode("utf-8", "surrogatepass")) + 1
        if size > MAX_BYTES and shown:
            break
        shown.append(line)
    body = numbered_tail(text, shown, start + 1)
    end = start + len(shown)
    if end < len(lines):
        body += (
            f"\n\n[{relative}: showing lines {start + 1}-{end} of {len(lines)}; "
            f"continue with offset={end + 1}]"
        )
    return body
