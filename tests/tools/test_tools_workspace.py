"""Path confinement and the overlay: disk < editor buffer < changeset."""

from __future__ import annotations

from pathlib import Path

import pytest
from tool_helpers import TreeMaker, context

from orchestra_lsp.tools import BUILTIN_TOOLS, ToolError, WorkspaceView


def test_resolve_refuses_escapes_with_a_readable_message(
    make_tree: TreeMaker, tmp_path: Path
) -> None:
    root = make_tree({"src/a.py": "x\n"})
    (tmp_path / "outside").mkdir()
    (root / "out").symlink_to(tmp_path / "outside")
    view = WorkspaceView(root)
    with pytest.raises(ToolError, match=r"path \.\./x is outside the workspace"):
        view.resolve("../x")
    with pytest.raises(ToolError, match="outside the workspace"):
        view.resolve("/etc/passwd")
    with pytest.raises(ToolError, match="symlink"):
        view.resolve("out/secret.txt")
    assert view.resolve("src/../src/a.py") == "src/a.py"
    assert view.resolve(str(root / "src" / "a.py")) == "src/a.py"


@pytest.mark.parametrize("tool", ["read_file", "edit", "list_files", "search"])
@pytest.mark.parametrize("path", ["../secret.txt", "/etc/passwd", "out/secret.txt"])
async def test_every_tool_refuses_paths_outside(
    make_tree: TreeMaker, tmp_path: Path, tool: str, path: str
) -> None:
    root = make_tree({"a.txt": "a\n"})
    (tmp_path / "secret.txt").write_text("secret\n")
    (root / "out").symlink_to(tmp_path)
    args = {
        "read_file": {"path": path},
        "edit": {"command": "create", "path": path, "file_text": "pwned"},
        "list_files": {"path": path},
        "search": {"pattern": "secret", "path": path},
    }[tool]
    result = await BUILTIN_TOOLS[tool].run(args, context(root))
    assert result.is_error and "outside the workspace" in result.text
    assert (tmp_path / "secret.txt").read_text() == "secret\n"


def test_overlay_precedence_disk_then_buffer_then_changeset(make_tree: TreeMaker) -> None:
    root = make_tree({"a.txt": "disk\n", "gone.txt": "bye\n"})
    view = WorkspaceView(root)
    assert view.read("a.txt") is not None and view.read("a.txt").text == "disk\n"  # type: ignore[union-attr]
    view.buffers["a.txt"] = ("buffer\n", 5)
    snapshot = view.read("a.txt")
    assert snapshot is not None and (snapshot.text, snapshot.version, snapshot.source) == (
        "buffer\n",
        5,
        "buffer",
    )
    view.changeset.record_base("a.txt", "buffer\n", 5)
    view.changeset.propose("a.txt", "proposed\n")
    snapshot = view.read("a.txt")
    assert snapshot is not None and (snapshot.text, snapshot.source) == ("proposed\n", "changeset")
    unchanged = view.read_unchanged("a.txt")
    assert unchanged is not None and unchanged.text == "buffer\n"

    view.changeset.record_base("gone.txt", "bye\n")
    view.changeset.delete("gone.txt")
    assert view.read("gone.txt") is None
    view.changeset.record_base("new.txt", None)
    view.changeset.propose("new.txt", "fresh\n")
    assert view.files() == ["a.txt", "new.txt"]


def test_binary_files_are_refused_and_legacy_text_is_read(make_tree: TreeMaker) -> None:
    root = make_tree({"img.png": b"\x89PNG\r\n\x00\x00", "latin.txt": "caf\xe9".encode("latin-1")})
    view = WorkspaceView(root)
    with pytest.raises(ToolError, match=r"binary file \(it holds NUL bytes"):
        view.read("img.png")
    latin = view.read("latin.txt")
    assert latin is not None and latin.text == "caf\xe9" and latin.encoding.codec == "cp1252"
