"""`edit`: Claude's text-editor tool (view / create / str_replace / insert / undo_edit).

Claude is trained on this interface, so its commands, arguments and error wording
follow Anthropic's tool. It writes only into the run's changeset, never to disk: the
first touch of a file records its base (the editor buffer with its version, else the
disk text) and its encoding, and every later command works on the proposal.

An edit changes only the bytes it is about. Text the model sends with `\n` line
endings takes the line ending of the place it goes to (CRLF, CR, LF; a mixed file
keeps its mix), unless it holds a `\r` itself; `old_str` matches whatever line endings
the file has. A last line without a newline keeps having none (`view` shows
`text.NO_FINAL_NEWLINE` after it). A character the file's encoding cannot store
(an emoji in a cp1252 file) is refused. A path is never both a file and a folder.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field

from orchestra_lsp.changes import PathKindConflict, TextEncoding
from orchestra_lsp.changes.lines import split_lines
from orchestra_lsp.tools.base import ToolArgs, ToolContext, ToolResult, parse_args, schema_for
from orchestra_lsp.tools.errors import ToolError
from orchestra_lsp.tools.read_file import MAX_LINES
from orchestra_lsp.tools.text import (
    NO_FINAL_NEWLINE,
    ends_with_newline,
    line_ending_at,
    line_number_at,
    numbered_tail,
    text_lines,
    with_line_endings,
)
from orchestra_lsp.tools.workspace import WorkspaceView

SNIPPET_CONTEXT = 4
VIEW_DEPTH = 2

Command = Literal["view", "create", "str_replace", "insert", "undo_edit"]


class EditArgs(ToolArgs):
    """Arguments of `edit`; which ones apply depends on `command`."""

    tool_name = "edit"

    command: Command = Field(description="The operation to perform.")
    path: str = Field(description="File or folder path, relative to the workspace root.")
    file_text: str | None = Field(default=None, description="`create`: the whole file content.")
    old_str: str | None = Field(
        default=None,
        description="`str_replace`: the exact text to replace; it must appear exactly once.",
    )
    new_str: str | None = Field(
        default=None,
        description="`str_replace`: replacement (default empty). `insert`: the text to insert.",
    )
    insert_line: int | None = Field(
        default=None, description="`insert`: insert after this line number (0 = at the top)."
    )
    view_range: list[int] | None = Field(
        default=None,
        min_length=2,
        max_length=2,
        description="`view`: [first, last] line numbers to show, 1-based; last -1 means the end.",
    )


class EditTool:
    """The text-editor tool over the changeset; `ctx.edit_lock` serialises edits."""

    name = "edit"
    description = (
        "View and edit text files of the workspace. Edits are proposals: they are shown "
        "to the user for review and nothing is written to disk until they accept.\n"
        "* `view`: show a file with line numbers (optionally `view_range`), or list a "
        f"folder {VIEW_DEPTH} levels deep.\n"
        "* `create`: create a new file with `file_text` (fails if the file exists).\n"
        "* `str_replace`: replace `old_str`, which must match exactly one place in the "
        "file (whitespace included), with `new_str`.\n"
        "* `insert`: insert `new_str` after line `insert_line` (0 for the top).\n"
        "* `undo_edit`: revert your last edit of `path`.\n"
        f"A last line followed by `{NO_FINAL_NEWLINE}` has no newline; edits keep it so. "
        "Write line endings as `\\n`: they are saved in the file's own style (CRLF or LF), "
        "and the file keeps its encoding."
    )
    input_schema: dict[str, Any] = schema_for(EditArgs)

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Dispatch on `command`; every expected failure becomes an error result."""
        try:
            parsed = parse_args(EditArgs, args)
            relative = ctx.view.resolve(parsed.path)
            if parsed.command == "view":
                return ToolResult(text=await _view(ctx, relative, parsed.view_range))
            async with ctx.edit_lock:
                return ToolResult(text=await _change(ctx, relative, parsed))
        except ToolError as error:
            return ToolResult(text=str(error), is_error=True)


async def _view(ctx: ToolContext, relative: str, view_range: list[int] | None) -> str:
    view = ctx.view
    if await asyncio.to_thread(view.is_dir, relative):
        return await asyncio.to_thread(_folder_listing, view, relative, ctx.withheld)
    text = await _current(view, relative)
    lines = text_lines(text)
    first, last = 1, len(lines)
    if view_range is not None:
        first, last = view_range
        if not 1 <= first <= max(len(lines), 1) or not (last == -1 or first <= last):
            raise ToolError(
                f"Invalid `view_range` {view_range}: the file has {len(lines)} lines; "
                "give [first, last] with 1 <= first <= last, or last = -1 for the end"
            )
        last = len(lines) if last == -1 else min(last, len(lines))
    shown = lines[first - 1 : min(last, first - 1 + MAX_LINES)]
    body = numbered_tail(text, shown, first)
    if first - 1 + len(shown) < last:
        body += f"\n\n[showing {len(shown)} lines; use view_range to see the rest]"
    return body


def _folder_listing(
    view: WorkspaceView, relative: str, withheld: Callable[[str], bool] | None
) -> str:
    """The files and folders under `relative`, leaving out (and counting) the files the
    permission rules keep from being read, as `list_files` does: their names are theirs."""
    prefix = "" if relative == "." else relative + "/"
    entries: set[str] = set()
    files = view.files(relative)
    shown = files if withheld is None else [path for path in files if not withheld(path)]
    for path in shown:
        parts = path[len(prefix) :].split("/")
        entries.update(
            prefix + "/".join(parts[: depth + 1]) + ("/" if depth + 1 < len(parts) else "")
            for depth in range(min(VIEW_DEPTH, len(parts)))
        )
    where = relative if relative != "." else "the workspace root"
    note = (
        f"\n\n[{len(files) - len(shown)} file(s) were left out by the permission policy "
        "(its rules keep them from being read).]"
        if len(shown) < len(files)
        else ""
    )
    listing = "\n".join(sorted(entries))
    return f"Files and folders in {where}, {VIEW_DEPTH} levels deep:\n{listing}{note}"


async def _change(ctx: ToolContext, relative: str, args: EditArgs) -> str:
    view = ctx.view
    if args.command == "undo_edit":
        history = ctx.edit_history.get(relative)
        if not history:
            raise ToolError(f"No edit history found for {relative}.")
        _propose(view, relative, history.pop())
        return f"Last edit to {relative} undone successfully."
    if args.command == "create":
        _check_file_name(args.path, relative)
        await asyncio.to_thread(_check_creatable, view, relative)
    current = await _read(view, relative)
    if args.command == "create":
        if args.file_text is None:
            raise ToolError("Parameter `file_text` is required for command: create")
        if current is not None:
            raise ToolError(
                f"File already exists at: {relative}. Cannot overwrite files using command "
                "`create`; use `str_replace` or `insert`."
            )
        new_text, message = args.file_text, f"File created successfully at: {relative}"
    elif current is None:
        raise ToolError(f"The path {relative} does not exist. Use `create` to make a new file.")
    elif args.command == "str_replace":
        new_text, message = _str_replace(relative, current, args)
    else:
        new_text, message = _insert(relative, current, args)
    encoding = await _ensure_base(view, relative)
    recorded = view.changeset.get(relative)
    if recorded is not None and recorded.proposed_text != current:
        # The base was read again and differs from what the edit was computed from:
        # another run landed in between. Proposing now would undo that run's change.
        raise ToolError(
            f"{relative} changed on disk while it was being edited; no change was made. "
            "Read it again and retry."
        )
    _check_encodable(relative, new_text, encoding)
    ctx.edit_history.setdefault(relative, []).append(current)
    _propose(view, relative, new_text)
    return message


NAME_MAX_BYTES = 255
"""The longest file name Linux, macOS and Windows file systems all accept."""


def _check_file_name(given: str, relative: str) -> None:
    """A path a file can have everywhere, and that the changeset can hold."""
    if given.rstrip().endswith(("/", "\\")):
        raise ToolError(f"{given!r} ends with a slash, so it names a folder; give a file path")
    for char in relative:
        if ord(char) < 0x20 or ord(char) == 0x7F:
            raise ToolError(f"the path {relative!r} holds a control character (U+{ord(char):04X})")
    if "\\" in relative:
        raise ToolError(f"the path {relative!r} holds a backslash; separate folders with /")
    for part in relative.split("/"):
        if len(part.encode("utf-8", "surrogateescape")) > NAME_MAX_BYTES:
            raise ToolError(
                f"the name {part[:40]}… is longer than {NAME_MAX_BYTES} bytes, more than file "
                "systems allow"
            )


def _check_creatable(view: WorkspaceView, relative: str) -> None:
    """A new file may not be a folder, nor lie inside a file (on disk or proposed)."""
    if view.kind(relative) == "folder":
        where = "the workspace root" if relative == "." else relative
        raise ToolError(
            f"{where} is a folder; a file cannot be created in its place. Give the path of "
            "a file inside it."
        )
    parts = relative.split("/")
    for depth in range(1, len(parts)):
        ancestor = "/".join(parts[:depth])
        held = view.changeset.get(ancestor)
        proposed = held is not None and (held.base_text, held.proposed_text) != (None, None)
        if proposed or view.kind(ancestor) == "file":
            raise ToolError(
                f"{ancestor} is a file, so {relative} cannot be created inside it. Choose "
                "another path."
            )


def _check_encodable(relative: str, text: str, encoding: TextEncoding) -> None:
    at = encoding.unencodable(text)
    if at is not None:
        raise ToolError(
            f"{relative} is stored as {encoding.label}, which cannot hold {text[at]!r} "
            f"(U+{ord(text[at]):04X}, line {line_number_at(text, at)}); no change was made. "
            "Use characters that encoding has (or an escape the language allows)."
        )


def _str_replace(relative: str, text: str, args: EditArgs) -> tuple[str, str]:
    if not args.old_str:
        raise ToolError("Parameter `old_str` is required for command: str_replace (not empty)")
    spans = _occurrences(text, args.old_str)
    if not spans:
        raise ToolError(
            f"No match found for old_str in {relative}: no replacement was performed. It must "
            "match the file exactly, whitespace and indentation included; view the file to check."
        )
    if len(spans) > 1:
        lines = [line_number_at(text, start) for start, _ in spans]
        raise ToolError(
            f"old_str appears {len(spans)} times in {relative} (lines "
            f"{', '.join(map(str, lines))}); no replacement was performed. Make it unique by "
            "including more surrounding lines."
        )
    [(start, end)] = spans
    new = with_line_endings(args.new_str or "", line_ending_at(text, start))
    new_text = text[:start] + new + text[end:]
    first_line = line_number_at(text, start)
    return new_text, _edited(relative, new_text, first_line, len(text_lines(new)) or 1)


def _occurrences(text: str, old: str) -> list[tuple[int, int]]:
    """Where `old` is in `text`: exactly, else with each of its line endings matching
    any line ending (the model writes `\\n`; the file may have CRLF, CR or a mix)."""
    if old in text:
        spans, at = [], text.find(old)
        while at != -1:
            spans.append((at, at + len(old)))
            at = text.find(old, at + 1)
        return spans
    pieces = re.split(r"\r\n|\r|\n", old)
    if len(pieces) == 1:
        return []
    # Escaped literals joined by a fixed alternation: no nested repetition, so no
    # catastrophic backtracking.
    pattern = re.compile(r"(?:\r\n|\r|\n)".join(map(re.escape, pieces)))
    return [(found.start(), found.end()) for found in pattern.finditer(text)]


def _insert(relative: str, text: str, args: EditArgs) -> tuple[str, str]:
    if args.insert_line is None or args.new_str is None:
        raise ToolError("Parameters `insert_line` and `new_str` are required for command: insert")
    lines = text_lines(text)
    count = len(lines)
    if not 0 <= args.insert_line <= count:
        raise ToolError(
            f"Invalid `insert_line` parameter: {args.insert_line}. It should be within the "
            f"range of lines of the file: [0, {count}]"
        )
    ending = line_ending_at(text, _start_of_line(text, max(args.insert_line - 1, 0)))
    inserted = with_line_endings(args.new_str, ending)
    if args.insert_line == count and not ends_with_newline(text):
        # After a last line that has no newline: end that line, and leave the inserted
        # text without one, so the file still ends the way it did.
        new_text = text + ending + inserted.removesuffix(ending)
    else:
        if not ends_with_newline(inserted):
            inserted += ending
        at = _start_of_line(text, args.insert_line)
        new_text = text[:at] + inserted + text[at:]
    return new_text, _edited(relative, new_text, args.insert_line + 1, len(text_lines(inserted)))


def _edited(relative: str, new_text: str, first_line: int, line_count: int) -> str:
    """Anthropic's confirmation: a numbered snippet around the change."""
    lines = text_lines(new_text)
    start = max(first_line - 1 - SNIPPET_CONTEXT, 0)
    end = min(first_line - 1 + line_count + SNIPPET_CONTEXT, len(lines))
    return (
        f"The file {relative} has been edited (proposed; not yet on disk). Here's the result "
        f"of running `cat -n` on a snippet of {relative}:\n"
        f"{numbered_tail(new_text, lines[start:end], start + 1)}\n"
        "Review the changes and make sure they are as expected. Edit the file again if necessary."
    )


def _start_of_line(text: str, number: int) -> int:
    """Offset of the start of line `number + 1` (0 for the top), i.e. just after the
    `number`-th line ending."""
    if number == 0:
        return 0
    if "\r" not in text:
        at = 0
        for _ in range(number):
            at = text.index("\n", at) + 1
        return at
    return sum(map(len, split_lines(text)[:number]))


async def _read(view: WorkspaceView, relative: str) -> str | None:
    snapshot = await asyncio.to_thread(view.read, relative)
    return None if snapshot is None else snapshot.text


async def _current(view: WorkspaceView, relative: str) -> str:
    text = await _read(view, relative)
    if text is None:
        raise ToolError(f"The path {relative} does not exist.")
    return text


async def _ensure_base(view: WorkspaceView, relative: str) -> TextEncoding:
    """Record what the file was before the run's first edit of it (buffer, else disk)
    and how it is stored; return that encoding."""
    change = view.changeset.get(relative)
    if change is not None:
        return change.encoding
    snapshot = await asyncio.to_thread(view.read_unchanged, relative)
    try:
        if snapshot is None:
            return view.changeset.record_base(relative, None).encoding
        encoding = snapshot.encoding
        if snapshot.source == "buffer":  # the editor's text: the disk says how it is stored
            encoding = await asyncio.to_thread(view.disk_encoding, relative)
        return view.changeset.record_base(
            relative, snapshot.text, snapshot.version, encoding
        ).encoding
    except PathKindConflict as error:
        raise ToolError(f"{error}; choose another path") from None
    except ValueError:  # pydantic's check of the path: a backslash in a file's name
        raise ToolError(f"{relative!r} cannot be edited: its name holds a backslash") from None


def _propose(view: WorkspaceView, relative: str, text: str | None) -> None:
    if text is None:
        view.changeset.delete(relative)
    else:
        view.changeset.propose(relative, text)
