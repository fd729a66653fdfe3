"""`list_files`: the files of the workspace (or a folder of it), honouring `.gitignore`."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import Field

from orchestra_lsp.tools.base import ToolArgs, ToolContext, ToolResult, parse_args, schema_for
from orchestra_lsp.tools.errors import ToolError
from orchestra_lsp.tools.globs import glob_matches

MAX_ENTRIES = 1000


class ListFilesArgs(ToolArgs):
    """Arguments of `list_files`."""

    tool_name = "list_files"

    path: str | None = Field(
        default=None, description="Folder to list, relative to the workspace root. Default: all."
    )
    pattern: str | None = Field(
        default=None,
        description=(
            "Glob to filter paths, gitignore style: `*.py` matches at any depth, "
            "`src/**/*.ts` is anchored at the workspace root."
        ),
    )


class ListFilesTool:
    """Lists files recursively: an agent wants paths it can read, not a tree to walk."""

    name = "list_files"
    description = (
        "List the files of the workspace recursively (paths relative to the workspace "
        "root, sorted), skipping what .gitignore ignores. Includes files you created and "
        "leaves out files you deleted in this run. Optionally limit to a folder (path) "
        f"and filter with a glob (pattern). At most {MAX_ENTRIES} paths are shown."
    )
    input_schema: dict[str, Any] = schema_for(ListFilesArgs)

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """List, filter and bound."""
        try:
            parsed = parse_args(ListFilesArgs, args)
            under = ctx.view.resolve(parsed.path or ".")
        except ToolError as error:
            return ToolResult(text=str(error), is_error=True)
        paths = await asyncio.to_thread(ctx.view.files, under)
        if parsed.pattern:
            paths = [path for path in paths if glob_matches(parsed.pattern, path)]
        note = ""
        if ctx.withheld is not None:
            withheld = ctx.withheld
            shown = [path for path in paths if not withheld(path)]
            if len(shown) < len(paths):
                note = (
                    f"\n\n[{len(paths) - len(shown)} file(s) were left out by the permission "
                    "policy (its rules keep them from being read).]"
                )
            paths = shown
        if not paths:
            where = "" if under == "." else f" under {under}"
            return ToolResult(text=f"No files found{where}.{note}")
        text = "\n".join(paths[:MAX_ENTRIES])
        if len(paths) > MAX_ENTRIES:
            text += (
                f"\n\n[{len(paths)} files; only the first {MAX_ENTRIES} are shown. "
                "Narrow with path or pattern.]"
            )
        return ToolResult(text=text + note)
