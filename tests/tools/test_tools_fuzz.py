"""Whatever a model sends, the file tools answer with a result, never an exception:
generated arguments (odd paths, odd kinds, odd strings) against a small real tree."""

from __future__ import annotations

import asyncio
import codecs
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tool_helpers import context

from orchestra_lsp.tools import EditTool, ReadFileTool, SearchTool, ToolResult

PATHS = st.one_of(
    st.sampled_from(
        [
            "a.txt", "crlf.txt", "wide.txt", "bin.dat", "dir", "dir/", "dir/in.txt", ".",
            "", "..", "../x", "/etc/passwd", "a.txt/b", "new/deep/file.py", "pipe",
            "x" * 300, "a\\b", "nul\0byte", "dir/../a.txt", "~", " ", "new\nline",
        ]
    ),
    st.text(max_size=20),
)  # fmt: skip
VALUES = st.one_of(st.none(), st.text(max_size=30), st.integers(-3, 10), st.booleans())
EDIT_ARGS = st.fixed_dictionaries(
    {
        "command": st.sampled_from(["view", "create", "str_replace", "insert", "undo_edit", "x"]),
        "path": PATHS,
    },
    optional={
        "file_text": VALUES,
        "old_str": st.one_of(VALUES, st.sampled_from(["a\n", "one\ntwo", "\r\n", "é"])),
        "new_str": VALUES,
        "insert_line": VALUES,
        "view_range": st.one_of(st.none(), st.lists(st.integers(-2, 8), max_size=3)),
    },
)


def make_root(root: Path) -> Path:
    (root / "dir").mkdir(parents=True)
    (root / "a.txt").write_text("one\ntwo\nthree")
    (root / "crlf.txt").write_bytes("café\r\nthé\r\n".encode("cp1252"))
    (root / "wide.txt").write_bytes(codecs.BOM_UTF16_BE + "wide\n".encode("utf-16-be"))
    (root / "bin.dat").write_bytes(b"\x00\x01\x02")
    (root / "dir/in.txt").write_text("inside\n")
    os.mkfifo(root / "pipe")
    return root


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(calls=st.lists(EDIT_ARGS, min_size=1, max_size=6))
async def test_any_edit_arguments_give_a_result(
    tmp_path_factory: Any, calls: list[dict[str, Any]]
) -> None:
    root = make_root(tmp_path_factory.mktemp("ws"))
    ctx = context(root)
    for args in calls:
        result = await asyncio.wait_for(EditTool().run(args, ctx), 30)
        assert isinstance(result, ToolResult)
    for path in ctx.view.changeset.files:
        assert (
            not any(
                other.startswith(path + "/") for other in ctx.view.changeset.files if other != path
            )
            or ctx.view.changeset.files[path].proposed_text is None
        )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=PATHS,
    offset=st.one_of(st.none(), st.integers(-1, 5)),
    pattern=st.one_of(st.text(max_size=12), st.sampled_from(["(a+)+$", r"(a)\1", "[", "é|\\pL"])),
)
async def test_any_read_or_search_arguments_give_a_result(
    tmp_path_factory: Any, path: str, offset: int | None, pattern: str
) -> None:
    root = make_root(tmp_path_factory.mktemp("ws"))
    ctx = context(root)
    read = await asyncio.wait_for(ReadFileTool().run({"path": path, "offset": offset}, ctx), 30)
    found = await asyncio.wait_for(SearchTool().run({"pattern": pattern, "path": path}, ctx), 30)
    assert isinstance(read, ToolResult) and isinstance(found, ToolResult)
