"""Byte fidelity: an edit through the real `edit` tool, landed by the real
`land`, changes no byte it was not about.

The matrix: line endings (LF, CRLF, CR, mixed) x storage (UTF-8, UTF-8/16/32 with a
byte-order mark, cp1252, latin-1) x final newline (yes / no) x command (str_replace,
insert in the middle, insert at the end). Each expected result is built here from the
file's own lines and endings, never by the code under test; the file read back must
equal it byte for byte.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from tool_helpers import context

from orchestra_lsp.changes import TextEncoding, decode_text
from orchestra_lsp.changes import land as land_change
from orchestra_lsp.tools import EditTool, ReadFileTool, ToolContext
from orchestra_lsp.tools.text import NO_FINAL_NEWLINE

edit = EditTool()
read_file = ReadFileTool()

LINES = ["first café", "line two", "naïve three", "last Grüße"]
ENDINGS = {
    "lf": ["\n"] * 4,
    "crlf": ["\r\n"] * 4,
    "cr": ["\r"] * 4,
    "mixed": ["\r\n", "\n", "\r", "\r\n"],
}


@dataclass(frozen=True)
class Storage:
    codec: str
    bom: bytes = b""

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.codec)


STORAGES = {
    "utf-8": Storage("utf-8"),
    "utf-8-bom": Storage("utf-8", codecs.BOM_UTF8),
    "utf-16-le-bom": Storage("utf-16-le", codecs.BOM_UTF16_LE),
    "utf-16-be-bom": Storage("utf-16-be", codecs.BOM_UTF16_BE),
    "utf-32-le-bom": Storage("utf-32-le", codecs.BOM_UTF32_LE),
    "utf-32-be-bom": Storage("utf-32-be", codecs.BOM_UTF32_BE),
    "cp1252": Storage("cp1252"),
    "latin-1": Storage("latin-1"),
}


def build(lines: list[str], endings: list[str], final_newline: bool) -> str:
    parts = [line + ending for line, ending in zip(lines, endings, strict=True)]
    if not final_newline:
        parts[-1] = lines[-1]
    return "".join(parts)


async def land(root: Path, ctx: ToolContext, path: str) -> None:
    change = ctx.view.changeset.get(path)
    assert change is not None
    outcome = land_change(root, change, {hunk.id for hunk in change.hunks()})
    assert outcome.outcome == "applied", outcome


@pytest.mark.parametrize("final_newline", [True, False], ids=["eol", "noeol"])
@pytest.mark.parametrize("storage", list(STORAGES))
@pytest.mark.parametrize("style", list(ENDINGS))
@pytest.mark.parametrize("command", ["str_replace", "insert_middle", "insert_end"])
async def test_edits_keep_every_other_byte(
    tmp_path: Path, command: str, style: str, storage: str, final_newline: bool
) -> None:
    endings, store = ENDINGS[style], STORAGES[storage]
    original = build(LINES, endings, final_newline)
    root = tmp_path / "ws"
    root.mkdir()
    (root / "f.txt").write_bytes(store.encode(original))
    ctx = context(root)

    shown = await read_file.run({"path": "f.txt"}, ctx)
    assert not shown.is_error, shown.text
    assert "     1\tfirst café" in shown.text and "     4\tlast Grüße" in shown.text
    assert shown.text.endswith(NO_FINAL_NEWLINE) is (not final_newline)

    if command == "str_replace":
        args: dict[str, Any] = {"old_str": "line two", "new_str": "line two\nline two-b ü"}
        e = endings[1]
        expected = original.replace("line two" + e, "line two" + e + "line two-b ü" + e)
    elif command == "insert_middle":
        args = {"insert_line": 1, "new_str": "inserted é\n"}
        e = endings[0]
        expected = original.replace("first café" + e, "first café" + e + "inserted é" + e)
    else:
        args = {"insert_line": 4, "new_str": "tail é\n"}
        if final_newline:
            expected = original + "tail é" + endings[3]
        else:  # the last line gets the ending of the one before; the file still has none
            expected = original + endings[2] + "tail é"
    command_name = "str_replace" if command == "str_replace" else "insert"
    result = await edit.run({"command": command_name, "path": "f.txt", **args}, ctx)
    assert not result.is_error, result.text

    await land(root, ctx, "f.txt")
    assert (root / "f.txt").read_bytes() == store.encode(expected)
    again = await read_file.run({"path": "f.txt"}, context(root))
    assert again.text.endswith(NO_FINAL_NEWLINE) is (not final_newline)


@pytest.mark.parametrize("storage", ["cp1252", "latin-1", "utf-16-le-bom"])
async def test_a_view_keeps_its_encoding_through_several_edits_and_undo(
    tmp_path: Path, storage: str
) -> None:
    store = STORAGES[storage]
    original = build(LINES, ENDINGS["crlf"], True)
    root = tmp_path / "ws"
    root.mkdir()
    (root / "f.txt").write_bytes(store.encode(original))
    ctx = context(root)
    for args in (
        {"command": "str_replace", "path": "f.txt", "old_str": "naïve", "new_str": "NAÏVE"},
        {"command": "insert", "path": "f.txt", "insert_line": 0, "new_str": "top\n"},
        {"command": "undo_edit", "path": "f.txt"},
    ):
        result = await edit.run(args, ctx)
        assert not result.is_error, result.text
    await land(root, ctx, "f.txt")
    assert (root / "f.txt").read_bytes() == store.encode(original.replace("naïve", "NAÏVE"))


async def test_a_character_the_encoding_cannot_hold_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    data = "prix: 5 €\r\n".encode("cp1252")
    (root / "p.txt").write_bytes(data)
    ctx = context(root)
    result = await edit.run(
        {"command": "str_replace", "path": "p.txt", "old_str": "5 €", "new_str": "5 € 😀"}, ctx
    )
    assert result.is_error
    assert "cp1252" in result.text and "U+1F600" in result.text and "line 1" in result.text
    change = ctx.view.changeset.get("p.txt")
    assert change is None or change.kind == "unchanged"
    assert (root / "p.txt").read_bytes() == data


@pytest.mark.parametrize("final_newline", [True, False], ids=["eol", "noeol"])
@pytest.mark.parametrize("style", list(ENDINGS))
async def test_create_writes_exactly_what_the_model_sent(
    tmp_path: Path, style: str, final_newline: bool
) -> None:
    """A new file has no style of its own to keep: it is the model's text, in UTF-8,
    line endings and final newline as sent; read back, it shows as it was sent."""
    root = tmp_path / "ws"
    root.mkdir()
    ctx = context(root)
    text = build(LINES, ENDINGS[style], final_newline)
    result = await edit.run({"command": "create", "path": "new/f.txt", "file_text": text}, ctx)
    assert not result.is_error, result.text
    shown = await read_file.run({"path": "new/f.txt"}, ctx)
    assert shown.text.endswith(NO_FINAL_NEWLINE) is (not final_newline)
    await land(root, ctx, "new/f.txt")
    assert (root / "new/f.txt").read_bytes() == text.encode("utf-8")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("img.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL bytes"),
        ("blob.bin", bytes(range(256)) * 4, "NUL bytes"),
        ("bad16.txt", codecs.BOM_UTF16_LE + b"a\x00\x00\xd8", "UTF-16-LE byte-order mark"),
    ],
)
async def test_binary_files_are_refused_with_the_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / name).write_bytes(data)
    ctx = context(root)
    for result in (
        await read_file.run({"path": name}, ctx),
        await edit.run(
            {"command": "str_replace", "path": name, "old_str": "a", "new_str": "b"}, ctx
        ),
    ):
        assert result.is_error and "binary" in result.text and reason in result.text, result.text
    assert (root / name).read_bytes() == data


async def test_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    os.mkfifo(root / "pipe")
    result = await read_file.run({"path": "pipe"}, context(root))
    assert result.is_error and "not a regular file (a FIFO)" in result.text


# Characters every storage of the matrix can hold (latin-1 and cp1252 share these).
LINE = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF).filter(
        lambda c: not 0x7F <= ord(c) <= 0x9F
    ),
    max_size=12,
)
ASCII_LINE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)
MARK = "@@MARK@@"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(LINE, min_size=0, max_size=8),
    data=st.data(),
    storage=st.sampled_from(list(STORAGES)),
    final_newline=st.booleans(),
    new_lines=st.lists(ASCII_LINE, min_size=1, max_size=3),
)
async def test_any_file_keeps_its_bytes_around_a_replaced_line(
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[str],
    data: st.DataObject,
    storage: str,
    final_newline: bool,
    new_lines: list[str],
) -> None:
    """Random lines with a random ending each, in a random storage: replacing one
    marked line by several changes exactly that line, and in that line's ending."""
    index = data.draw(st.integers(0, len(lines)))
    lines = [*lines[:index], MARK, *lines[index:]]
    ends = data.draw(
        st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(lines), max_size=len(lines))
    )
    original = build(lines, ends, final_newline)
    # A lone CR before an empty LF line reads as one CRLF: not the file meant here.
    assume(
        all(
            not (e == "\r" and n == "" and f == "\n")
            for e, n, f in zip(ends, lines[1:], ends[1:], strict=False)
        )
    )
    if index + 1 < len(lines) or final_newline:
        local = ends[index]
    else:  # the last line has no ending: the one before it decides
        local = ends[index - 1] if index else "\n"
    expected = original.replace(MARK, local.join(new_lines))
    store = STORAGES[storage]
    root = tmp_path_factory.mktemp("ws")
    (root / "f.txt").write_bytes(store.encode(original))
    ctx = context(root)
    result = await edit.run(
        {
            "command": "str_replace",
            "path": "f.txt",
            "old_str": MARK,
            "new_str": "\n".join(new_lines),
        },
        ctx,
    )
    assert not result.is_error, result.text
    change = ctx.view.changeset.get("f.txt")
    assert change is not None
    if change.kind != "unchanged":
        await land(root, ctx, "f.txt")
    assert (root / "f.txt").read_bytes() == store.encode(expected)


def test_a_code_page_hint_never_hides_utf8_or_a_guess() -> None:
    """The encoding a file was read in is tried again first among code pages (short
    samples tie between them), but a file converted to UTF-8 meanwhile reads as UTF-8."""
    cp1250 = TextEncoding(codec="cp1250")
    data = "zażółć\n".encode("cp1250")
    assert decode_text(data, cp1250) == ("zażółć\n", cp1250)
    assert decode_text("café\n".encode(), cp1250) == ("café\n", TextEncoding())


async def test_a_file_past_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    with open(root / "huge.log", "wb") as handle:  # sparse: no disk space used
        handle.truncate(65 * 1024 * 1024)
    result = await read_file.run({"path": "huge.log"}, context(root))
    assert result.is_error and "too large (65 MB; at most 64 MB)" in result.text


async def test_old_str_spanning_mixed_line_endings_matches_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    original = "one\r\ntwo\nthree\rfour\r\n"
    (root / "m.txt").write_bytes(original.encode())
    ctx = context(root)
    result = await edit.run(
        {"command": "str_replace", "path": "m.txt", "old_str": "two\nthree", "new_str": "2\n3"},
        ctx,
    )
    assert not result.is_error, result.text
    await land(root, ctx, "m.txt")
    # The new text takes the ending of the line it starts on (`two`'s LF); the endings
    # around it are the file's own.
    assert (root / "m.txt").read_bytes() == b"one\r\n2\n3\rfour\r\n"
