"""`search`: regular-expression search over the workspace as the run sees it.

ripgrep does the disk when it is installed (it is the fastest thing there is), a
Python scan otherwise; both honour `.gitignore`, skip binary files and give the same
answers. Files the run changed and editor buffers are searched in their overlaid
text, never in their stale disk text, whichever backend runs.

Text searched here in Python (the overlay, and the disk without ripgrep) is matched
with RE2 (`google-re2`), not `re`: like ripgrep's engine it never backtracks, so a
pattern such as `(a+)+$` takes time linear in the text instead of freezing the run.
RE2's syntax is ripgrep's (no backreferences, no look-around: both refuse them); the
one difference is that RE2's `\\d`, `\\w`, `\\s` and `\\b` are ASCII-only where ripgrep's
are Unicode-aware (`\\pL`, `\\pN` work in both). Results are sorted by path, then
line, before they are capped, so a capped answer is always the same one.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import shutil
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, cast

import re2  # type: ignore[import-untyped]
from pydantic import Field

from orchestra_lsp.changes import NotText, decode_text
from orchestra_lsp.tools.base import ToolArgs, ToolContext, ToolResult, parse_args, schema_for
from orchestra_lsp.tools.errors import ToolError
from orchestra_lsp.tools.files import in_git_repository, workspace_files
from orchestra_lsp.tools.globs import glob_matches
from orchestra_lsp.tools.text import clip
from orchestra_lsp.tools.workspace import WorkspaceView

MAX_MATCHES = 200
MAX_MATCH_CHARS = 300

Backend = Literal["auto", "ripgrep", "python"]


class Regex(Protocol):
    """The part of a compiled RE2 pattern this module uses."""

    def search(self, text: str) -> object | None: ...


@dataclass(frozen=True, order=True)
class Match:
    """One matching line (1-based line number, text without its terminator)."""

    path: str
    line: int
    text: str


@dataclass(frozen=True)
class SearchOutcome:
    """Matches sorted by path and line; `truncated` when more existed than `limit`."""

    matches: list[Match]
    truncated: bool
    withheld: int = 0
    """Files in the search's scope the permission rules keep from being read: not
    searched (counted whether or not they would have matched, so the count says
    nothing about their content)."""


@dataclass(frozen=True)
class SearchQuery:
    """What to look for and where; `under` is a resolved workspace-relative path."""

    pattern: str
    under: str = "."
    glob: str | None = None
    case_insensitive: bool = False
    withheld: Callable[[str], bool] | None = None
    """Paths the permission rules keep from being read (see `ToolContext.withheld`)."""

    def covers(self, path: str) -> bool:
        """True when `path` is inside `under`, passes the glob (a `!glob` excludes) and
        may be read."""
        if not self.in_scope(path):
            return False
        return self.withheld is None or not self.withheld(path)

    def in_scope(self, path: str) -> bool:
        """True when `path` is inside `under` and passes the glob."""
        if self.under != "." and path != self.under and not path.startswith(self.under + "/"):
            return False
        if not self.glob:
            return True
        if self.glob.startswith("!"):
            return not glob_matches(self.glob[1:], path)
        return glob_matches(self.glob, path)


async def search_workspace(
    view: WorkspaceView, query: SearchQuery, backend: Backend = "auto", limit: int = MAX_MATCHES
) -> SearchOutcome:
    """Search disk (minus overlaid files) with the backend, and overlaid files in Python."""
    use_ripgrep = backend == "ripgrep" or (backend == "auto" and shutil.which("rg") is not None)
    overlay = {path: text for path, text in view.overlay().items() if query.covers(path)}
    live = {path: text for path, text in overlay.items() if text is not None}
    target = view.disk_path(query.under)  # os.path: False for any error, as pathlib is not
    if query.under != "." and not live and not os.path.exists(target):
        raise ToolError(f"{query.under} does not exist")
    if os.path.exists(target) and not (os.path.isdir(target) or os.path.isfile(target)):
        # ripgrep reads a FIFO it is pointed at, and would wait for a writer forever.
        raise ToolError(f"{query.under} is not a regular file or a folder")
    if use_ripgrep:
        regex = _compile(query) if live else None  # a pattern RE2 refuses fails first
        found = await _ripgrep_search(view.root, query, overlay.keys(), limit)
    else:
        regex = _compile(query)
        found = await asyncio.to_thread(
            _python_search, view.root, query, regex, overlay.keys(), limit
        )
    if live:
        assert regex is not None
        found.extend(await asyncio.to_thread(_overlay_matches, live, regex))
    found.sort()
    withheld = 0
    if query.withheld is not None:
        listed = await asyncio.to_thread(workspace_files, view.root, query.under)
        scope = {p for p in (*listed, *live) if query.in_scope(p)}
        withheld = sum(1 for path in scope if query.withheld(path))
    return SearchOutcome(matches=found[:limit], truncated=len(found) > limit, withheld=withheld)


def _compile(query: SearchQuery) -> Regex:
    """The pattern as RE2 with `^` and `$` at line ends, or a `ToolError` saying why not."""
    options = re2.Options()
    options.log_errors = False  # the error comes back to the model instead
    options.case_sensitive = not query.case_insensitive
    try:
        return cast(Regex, re2.compile("(?m)" + query.pattern, options=options))
    except re2.error as error:
        reason = error.args[0] if error.args else error
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ToolError(
            f"invalid regular expression {query.pattern!r}: {reason} (the syntax is "
            "ripgrep's: no backreferences or look-around)"
        ) from None


def _matches_in(path: str, text: str, regex: Regex) -> Iterator[Match]:
    """Matching lines of one text; the whole-text test first skips most files cheaply."""
    if regex.search(text) is None:
        return
    lines = text.split("\n")  # lines end at `\n` only, as ripgrep reads them
    if lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if regex.search(line):
            yield Match(path, number, line.removesuffix("\r"))


def _overlay_matches(texts: dict[str, str], regex: Regex) -> list[Match]:
    """Matches in the overlaid texts; in a thread, as a large proposal takes a while."""
    return [match for path, text in texts.items() for match in _matches_in(path, text, regex)]


def _python_search(
    root: Path, query: SearchQuery, regex: Regex, skip: Collection[str], limit: int
) -> list[Match]:
    """The fallback: scan the files git (or the `.gitignore` walk) lists, in order."""
    found: list[Match] = []
    for path in workspace_files(root, query.under):
        if path in skip or not query.covers(path):
            continue
        try:
            data = (root / path).read_bytes()
        except OSError:
            continue
        text = _searchable_text(data)
        if text is None:
            continue
        found.extend(_matches_in(path, text, regex))
        if len(found) > limit:
            break
    return found


def _searchable_text(data: bytes) -> str | None:
    """A file's text as ripgrep searches it: a byte-order mark (UTF-8, UTF-16) decides
    the decoding and is dropped; other bytes are read as UTF-8; NUL bytes otherwise
    make the file binary (None)."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return decode_text(data)[0]
        except NotText:
            return None
    if b"\0" in data:
        return None
    return data.decode("utf-8", "replace")


async def _ripgrep_search(
    root: Path, query: SearchQuery, skip: Collection[str], limit: int
) -> list[Match]:
    """Read all of `rg`'s output, keeping the first `limit + 1` matches by path and line.

    ripgrep searches files in parallel and prints them in whatever order they finish,
    so stopping early would keep a different subset each time; `--max-count` bounds
    what one file can print instead. The glob is applied here rather than with `rg
    --glob`, because ripgrep lets a glob override `.gitignore` and an ignored file
    must stay ignored.
    """
    try:
        process = await asyncio.create_subprocess_exec(
            *_ripgrep_command(root, query, limit),
            cwd=root,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError:
        raise ToolError("search backend ripgrep (rg) is not installed") from None
    assert process.stdout is not None and process.stderr is not None
    found: list[Match] = []
    try:
        pending = b""
        while True:
            chunk = await process.stdout.read(1 << 16)
            if not chunk:
                break
            *records, pending = (pending + chunk).split(b"\n")
            for match in map(_parse_record, records):
                if match and match.path not in skip and query.covers(match.path):
                    found.append(match)
            if len(found) > 4 * (limit + 1):
                found = sorted(found)[: limit + 1]
        errors = await process.stderr.read()
        message = errors.decode("utf-8", "replace").strip()
        # Exit 2 with nothing said (`--no-messages`): no file was left to search.
        if await process.wait() == 2 and not found and message:
            raise ToolError(f"search failed: {message}")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return found


def _ripgrep_command(root: Path, query: SearchQuery, limit: int) -> list[str]:
    """rg flags that make it list the same files as `files.workspace_files`."""
    command = [
        "rg", "--no-config", "--null", "--with-filename", "--line-number", "--no-heading",
        "--color=never", "--no-messages", "--hidden", "--glob=!.git", "--no-ignore-dot",
    ]  # fmt: skip
    if not in_git_repository(root):
        command += ["--no-require-git", "--no-ignore-parent", "--no-ignore-global"]
    command.append(f"--max-count={limit + 1}")
    if query.case_insensitive:
        command.append("--ignore-case")
    command += ["--regexp", query.pattern]
    if query.under != ".":
        command += ["--", query.under]
    return command


def _parse_record(record: bytes) -> Match | None:
    """`path NUL line:text` as `rg --null --line-number` prints it; None for anything
    else (rg's "binary file matches" notice for a binary file named explicitly)."""
    path, _, rest = record.partition(b"\0")
    number, _, text = rest.partition(b":")
    if not number.isdigit():
        return None
    return Match(
        path.decode("utf-8", "surrogateescape"),
        int(number),
        text.decode("utf-8", "replace").removesuffix("\r"),
    )


class SearchArgs(ToolArgs):
    """Arguments of `search`."""

    tool_name = "search"

    pattern: str = Field(
        description="Regular expression (ripgrep's syntax: no backreferences or look-around), "
        "matched per line."
    )
    path: str | None = Field(default=None, description="File or folder to search. Default: all.")
    glob: str | None = Field(
        default=None,
        description="Only files matching this glob (`*.py`, `src/**/*.ts`); `!glob` excludes.",
    )
    case_insensitive: bool = Field(default=False, description="Ignore case.")


class SearchTool:
    """The `search` tool; `backend` forces ripgrep or the Python scan (tests, benches)."""

    name = "search"
    description = (
        "Search the workspace for a regular expression, line by line, skipping files that "
        ".gitignore ignores and binary files. Sees your own edits and the user's unsaved "
        f"changes. Prints `path:line:text`, sorted; at most {MAX_MATCHES} matches."
    )
    input_schema: dict[str, Any] = schema_for(SearchArgs)

    def __init__(self, backend: Backend = "auto") -> None:
        self.backend: Backend = backend

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Search and format the matches for the model."""
        try:
            parsed = parse_args(SearchArgs, args)
            if "\0" in parsed.pattern:  # no command line can carry it to ripgrep
                raise ToolError("the pattern holds a NUL character; write it as \\x00")
            query = SearchQuery(
                pattern=parsed.pattern,
                under=ctx.view.resolve(parsed.path or "."),
                glob=parsed.glob,
                case_insensitive=parsed.case_insensitive,
                withheld=ctx.withheld,
            )
            outcome = await search_workspace(ctx.view, query, self.backend)
        except ToolError as error:
            return ToolResult(text=str(error), is_error=True)
        note = (
            f"\n\n[{outcome.withheld} file(s) were left out by the permission policy "
            "(its rules keep them from being read): not searched.]"
            if outcome.withheld
            else ""
        )
        if not outcome.matches:
            return ToolResult(text=f"No matches for {parsed.pattern!r}.{note}")
        text = "\n".join(
            f"{m.path}:{m.line}:{clip(m.text, MAX_MATCH_CHARS)}" for m in outcome.matches
        )
        if outcome.truncated:
            text += (
                f"\n\n[more than {MAX_MATCHES} matches; {MAX_MATCHES} of them are shown. "
                "Narrow the pattern, path or glob.]"
            )
        return ToolResult(text=text + note)
