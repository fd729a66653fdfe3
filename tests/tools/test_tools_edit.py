"""edit: Claude's text-editor commands, applied to the changeset and never to disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tool_helpers import TreeMaker, context

from orchestra_lsp.tools import BUILTIN_TOOLS, ToolContext

edit = BUILTIN_TOOLS["edit"]
SOURCE = "def greet(name):\n    return 'hi ' + name\n\n\ndef main():\n    print(greet('x'))\n"


def snapshot_disk(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


async def test_edits_land_in_the_changeset_and_never_on_disk(make_tree: TreeMaker) -> None:
    root = make_tree({"app.py": SOURCE})
    before = snapshot_disk(root)
    ctx = context(root)
    replaced = await edit.run(
        {"command": "str_replace", "path": "app.py", "old_str": "'hi '", "new_str": "'hello '"},
        ctx,
    )
    assert not replaced.is_error, replaced.text
    assert "     2\t    return 'hello ' + name" in replaced.text
    inserted = await edit.run(
        {"command": "insert", "path": "app.py", "insert_line": 0, "new_str": "import sys"}, ctx
    )
    assert not inserted.is_error, inserted.text
    created = await edit.run(
        {"command": "create", "path": "pkg/new.py", "file_text": "x = 1\n"}, ctx
    )
    assert created.text == "File created successfully at: pkg/new.py"
    assert snapshot_disk(root) == before
    change = ctx.view.changeset.get("app.py")
    assert change is not None and change.base_text == SOURCE
    assert change.proposed_text == "import sys\n" + SOURCE.replace("'hi '", "'hello '")
    new = ctx.view.changeset.get("pkg/new.py")
    assert new is not None and (new.base_text, new.proposed_text) == (None, "x = 1\n")


async def test_the_base_is_the_editor_buffer_with_its_version(make_tree: TreeMaker) -> None:
    root = make_tree({"app.py": SOURCE})
    ctx = context(root)
    ctx.view.buffers["app.py"] = ("unsaved\n", 12)
    await edit.run(
        {"command": "str_replace", "path": "app.py", "old_str": "unsaved", "new_str": "x"}, ctx
    )
    change = ctx.view.changeset.get("app.py")
    assert change is not None
    assert (change.base_text, change.base_version, change.proposed_text) == ("unsaved\n", 12, "x\n")


async def test_error_messages_follow_the_anthropic_tool(make_tree: TreeMaker) -> None:
    root = make_tree({"app.py": SOURCE, "dup.txt": "a\nx\na\nx\na\n"})
    ctx = context(root)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"command": "str_replace", "path": "app.py", "old_str": "nope"}, "No match found for old_str"),
        ({"command": "str_replace", "path": "dup.txt", "old_str": "a"}, "old_str appears 3 times in dup.txt (lines 1, 3, 5)"),
        ({"command": "create", "path": "app.py", "file_text": "x"}, "File already exists at: app.py"),
        ({"command": "insert", "path": "app.py", "insert_line": 99, "new_str": "x"}, "Invalid `insert_line` parameter: 99"),
        ({"command": "str_replace", "path": "missing.py", "old_str": "a"}, "does not exist"),
        ({"command": "undo_edit", "path": "app.py"}, "No edit history found for app.py."),
        ({"command": "view", "path": "app.py", "view_range": [9, 10]}, "Invalid `view_range`"),
        ({"command": "delete", "path": "app.py"}, "invalid input for edit: command"),
    ]  # fmt: skip
    for args, message in cases:
        result = await edit.run(args, ctx)
        assert result.is_error and message in result.text, (args, result.text)
    assert ctx.view.changeset.pending() == []


async def test_view_file_range_and_folder(make_tree: TreeMaker) -> None:
    root = make_tree(
        {"app.py": SOURCE, "pkg/sub/deep/x.py": "x\n", ".gitignore": "*.log\n", "a.log": "x"}
    )
    ctx = context(root)
    ranged = await edit.run({"command": "view", "path": "app.py", "view_range": [5, -1]}, ctx)
    assert ranged.text == "     5\tdef main():\n     6\t    print(greet('x'))"
    folder = await edit.run({"command": "view", "path": "."}, ctx)
    assert folder.text.splitlines()[1:] == [".gitignore", "app.py", "pkg/", "pkg/sub/"]


async def test_insert_positions_and_line_endings(make_tree: TreeMaker) -> None:
    root = make_tree({"crlf.txt": "a\r\nb\r\n", "open.txt": "a\nb"})
    ctx = context(root)
    await edit.run(
        {"command": "insert", "path": "crlf.txt", "insert_line": 1, "new_str": "x\ny"}, ctx
    )
    await edit.run(
        {"command": "insert", "path": "open.txt", "insert_line": 2, "new_str": "c\n"}, ctx
    )
    await edit.run(
        {"command": "str_replace", "path": "crlf.txt", "old_str": "x\ny\n", "new_str": "z\n"}, ctx
    )
    assert _proposed(ctx, "crlf.txt") == "a\r\nz\r\nb\r\n"
    assert _proposed(ctx, "open.txt") == "a\nb\nc"  # still without a final newline


async def test_undo_walks_back_to_the_base(make_tree: TreeMaker) -> None:
    root = make_tree({"app.py": SOURCE})
    ctx = context(root)
    await edit.run({"command": "create", "path": "new.txt", "file_text": "n\n"}, ctx)
    await edit.run(
        {"command": "str_replace", "path": "app.py", "old_str": "main", "new_str": "run"}, ctx
    )
    await edit.run(
        {"command": "str_replace", "path": "app.py", "old_str": "greet(name)", "new_str": "g(n)"},
        ctx,
    )
    assert not (await edit.run({"command": "undo_edit", "path": "app.py"}, ctx)).is_error
    assert _proposed(ctx, "app.py") == SOURCE.replace("main", "run")
    await edit.run({"command": "undo_edit", "path": "app.py"}, ctx)
    await edit.run({"command": "undo_edit", "path": "new.txt"}, ctx)
    assert ctx.view.changeset.pending() == []


def _proposed(ctx: ToolContext, path: str) -> str | None:
    change = ctx.view.changeset.get(path)
    assert change is not None
    return change.proposed_text
