"""A path is a file or a folder, never both: the edit tool says so clearly, the
changeset refuses to hold both, and landing never crashes half-way."""

from __future__ import annotations

from pathlib import Path

import pytest
from tool_helpers import TreeMaker, context

from orchestra_lsp.changes import Changeset, FileChange, PathKindConflict, land
from orchestra_lsp.tools import EditTool, ReadFileTool, SearchTool, ToolContext

edit = EditTool()


async def create(ctx: ToolContext, path: str, text: str = "x\n") -> tuple[bool, str]:
    result = await edit.run({"command": "create", "path": path, "file_text": text}, ctx)
    return result.is_error, result.text


async def test_a_file_then_a_file_inside_it_is_refused(make_tree: TreeMaker) -> None:
    ctx = context(make_tree({}))
    assert await create(ctx, "x") == (False, "File created successfully at: x")
    failed, message = await create(ctx, "x/y.txt")
    assert failed and message.startswith("x is a file, so x/y.txt cannot be created inside it")
    failed, message = await create(ctx, "x/deeper/z.txt")
    assert failed and "x is a file" in message
    assert sorted(ctx.view.changeset.files) == ["x"]


async def test_a_file_inside_then_the_folder_as_a_file_is_refused(make_tree: TreeMaker) -> None:
    ctx = context(make_tree({}))
    assert not (await create(ctx, "x/y.txt"))[0]
    failed, message = await create(ctx, "x")
    assert failed and message.startswith("x is a folder; a file cannot be created in its place")
    assert sorted(ctx.view.changeset.files) == ["x/y.txt"]
    # The proposed folder is a folder to every command.
    listing = await edit.run({"command": "view", "path": "x"}, ctx)
    assert not listing.is_error and "x/y.txt" in listing.text
    replaced = await edit.run(
        {"command": "str_replace", "path": "x", "old_str": "a", "new_str": "b"}, ctx
    )
    assert replaced.is_error and "x is a directory" in replaced.text
    read = await ReadFileTool().run({"path": "x"}, ctx)
    assert read.is_error and "x is a directory" in read.text


@pytest.mark.parametrize(
    ("tree", "path", "expected"),
    [
        ({"src/a.py": "a\n"}, "src", "src is a folder"),
        ({"src/a.py": "a\n"}, ".", "the workspace root is a folder"),
        ({"src/a.py": "a\n"}, "src/a.py/b.py", "src/a.py is a file"),
        ({"README": "r\n"}, "README/notes.md", "README is a file"),
    ],
)
async def test_disk_paths_of_the_other_kind_are_refused(
    make_tree: TreeMaker, tree: dict[str, str | bytes], path: str, expected: str
) -> None:
    root = make_tree(tree)
    ctx = context(root)
    failed, message = await create(ctx, path)
    assert failed and message.startswith(expected), message
    assert not ctx.view.changeset.files


async def test_a_folder_whose_files_are_all_deleted_is_still_a_folder(
    make_tree: TreeMaker,
) -> None:
    """Deleting every file of `d` leaves the folder on disk: a file `d` could not land."""
    root = make_tree({"d/only.txt": "x\n"})
    ctx = context(root)
    ctx.view.changeset.record_base("d/only.txt", "x\n")
    ctx.view.changeset.delete("d/only.txt")
    failed, message = await create(ctx, "d")
    assert failed and "d is a folder" in message


async def test_a_deleted_file_cannot_become_a_folder_in_the_same_run(make_tree: TreeMaker) -> None:
    root = make_tree({"x": "file\n"})
    ctx = context(root)
    ctx.view.changeset.record_base("x", "file\n")
    ctx.view.changeset.delete("x")
    failed, message = await create(ctx, "x/y.txt")
    assert failed and "x is a file" in message


def test_the_changeset_never_holds_a_file_and_a_folder_of_one_path() -> None:
    changeset = Changeset()
    changeset.record_base("a/b", None)
    changeset.propose("a/b", "b\n")
    with pytest.raises(PathKindConflict, match="a/b cannot be a file and also the folder"):
        changeset.record_base("a/b/c.txt", None)
    with pytest.raises(PathKindConflict, match="a cannot be a file and also the folder of a/b"):
        changeset.record_base("a", None)
    changeset.record_base("a/bc", None)  # a sibling whose name starts the same is fine
    assert sorted(changeset.files) == ["a/b", "a/bc"]


def test_landing_inside_a_file_is_a_conflict_not_a_crash(tmp_path: Path) -> None:
    """Something made `x` a file after the run proposed `x/y.txt`: nothing is written,
    and the outcome says why."""
    (tmp_path / "x").write_text("a file now\n")
    change = FileChange(path="x/y.txt", base_text=None, proposed_text="y\n")
    outcome = land(tmp_path, change, {"h1"})
    assert outcome.outcome == "conflict" and "x on its path is a file" in outcome.detail
    (tmp_path / "d").mkdir()
    folder = land(tmp_path, FileChange(path="d", base_text="t\n", proposed_text="u\n"), {"h1"})
    assert folder.outcome == "conflict"
    assert (tmp_path / "x").read_text() == "a file now\n"


async def test_search_still_sees_a_proposed_folder(make_tree: TreeMaker) -> None:
    ctx = context(make_tree({}))
    assert not (await create(ctx, "pkg/mod.py", "needle = 1\n"))[0]
    found = await SearchTool().run({"pattern": "needle", "path": "pkg"}, ctx)
    assert found.text == "pkg/mod.py:1:needle = 1"


async def test_an_undone_creation_leaves_the_path_free(make_tree: TreeMaker) -> None:
    ctx = context(make_tree({}))
    assert not (await create(ctx, "x"))[0]
    undone = await edit.run({"command": "undo_edit", "path": "x"}, ctx)
    assert not undone.is_error, undone.text
    failed, message = await create(ctx, "x/y.txt")
    assert not failed, message
    assert [c.path for c in ctx.view.changeset.pending()] == ["x/y.txt"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("dir/", "ends with a slash, so it names a folder"),
        ("a\\b.txt", "holds a backslash"),
        ("new\nline.txt", "holds a control character (U+000A)"),
        ("x" * 300, "is longer than 255 bytes"),
        ("a/" + "é" * 200 + "/c.txt", "is longer than 255 bytes"),
    ],
)
async def test_names_no_file_system_could_hold_are_refused(
    make_tree: TreeMaker, path: str, expected: str
) -> None:
    ctx = context(make_tree({}))
    failed, message = await create(ctx, path)
    assert failed and expected in message, message
    assert not ctx.view.changeset.files


async def test_an_existing_file_with_a_backslash_is_refused_not_crashed(
    make_tree: TreeMaker,
) -> None:
    ctx = context(make_tree({"odd\\name.txt": "a\n"}))
    result = await edit.run(
        {"command": "str_replace", "path": "odd\\name.txt", "old_str": "a", "new_str": "b"}, ctx
    )
    assert result.is_error and "backslash" in result.text


async def test_a_name_too_long_for_the_file_system_is_an_answer_everywhere(
    make_tree: TreeMaker,
) -> None:
    ctx = context(make_tree({"a.txt": "a\n"}))
    long = "x" * 300
    for result in (
        await edit.run({"command": "view", "path": long}, ctx),
        await ReadFileTool().run({"path": long}, ctx),
        await SearchTool().run({"pattern": "a", "path": long}, ctx),
        await SearchTool("python").run({"pattern": "a", "path": long}, ctx),
    ):
        assert result.is_error and "Traceback" not in result.text, result.text
