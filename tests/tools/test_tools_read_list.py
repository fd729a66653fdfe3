"""read_file and list_files on real folders."""

from __future__ import annotations

from typing import Any

from tool_helpers import TreeMaker, context, git_init

from orchestra_lsp.tools import BUILTIN_TOOLS

read_file = BUILTIN_TOOLS["read_file"]
list_files = BUILTIN_TOOLS["list_files"]


async def test_read_file_numbers_lines_and_pages(make_tree: TreeMaker) -> None:
    root = make_tree({"a.txt": "".join(f"line {n}\r\n" for n in range(1, 3001))})
    result = await read_file.run({"path": "a.txt"}, context(root))
    lines = result.text.splitlines()
    assert lines[0] == "     1\tline 1"
    assert "  2000\tline 2000" in result.text and "2001\t" not in result.text
    assert "showing lines 1-2000 of 3000; continue with offset=2001" in result.text
    page = await read_file.run({"path": "a.txt", "offset": 2999, "limit": 5}, context(root))
    assert page.text == "  2999\tline 2999\n  3000\tline 3000"


async def test_read_file_bounds_bytes_and_long_lines(make_tree: TreeMaker) -> None:
    root = make_tree({"wide.txt": ("x" * 5000 + "\n") * 100})
    result = await read_file.run({"path": "wide.txt"}, context(root))
    assert "… [3000 more characters]" in result.text
    assert "continue with offset=" in result.text  # 100 lines of 5 KB exceed 100 KB


async def test_read_file_errors_are_results(make_tree: TreeMaker) -> None:
    root = make_tree({"bin": b"\x00\x01", "dir/x": "x"})
    cases: list[tuple[dict[str, Any], str]] = [
        ({"path": "missing.txt"}, "does not exist"),
        ({"path": "bin"}, "binary"),
        ({"path": "dir"}, "is a directory"),
        ({"path": "bin", "offset": 0}, "invalid input for read_file: offset"),
        ({"paht": "x"}, "invalid input"),
    ]
    for args, expected in cases:
        result = await read_file.run(args, context(root))
        assert result.is_error and expected in result.text, (args, result.text)


async def test_read_file_sees_buffers(make_tree: TreeMaker) -> None:
    root = make_tree({"a.txt": "disk\n"})
    ctx = context(root)
    ctx.view.buffers["a.txt"] = ("unsaved\n", 9)
    assert (await read_file.run({"path": "a.txt"}, ctx)).text == "     1\tunsaved"


TREE: dict[str, str | bytes] = {
    ".gitignore": "build/\n*.log\n!keep.log\n",
    "src/a.py": "print('a')\n",
    "src/sub/b.py": "print('b')\n",
    "src/sub/.gitignore": "generated.py\n",
    "src/sub/generated.py": "x\n",
    "build/out.js": "x\n",
    "debug.log": "x\n",
    "keep.log": "x\n",
    ".github/ci.yml": "x\n",
    "README.md": "x\n",
}
VISIBLE = [
    ".github/ci.yml",
    ".gitignore",
    "README.md",
    "keep.log",
    "src/a.py",
    "src/sub/.gitignore",
    "src/sub/b.py",
]


async def test_list_files_honours_gitignore_without_git(make_tree: TreeMaker) -> None:
    root = make_tree(TREE)
    assert (await list_files.run({}, context(root))).text.splitlines() == VISIBLE


async def test_list_files_honours_gitignore_in_a_git_repo(make_tree: TreeMaker) -> None:
    root = make_tree(TREE)
    git_init(root)
    (root / "untracked.txt").write_text("new\n")
    (root / "ignored.log").write_text("x\n")
    assert (await list_files.run({}, context(root))).text.splitlines() == sorted(
        [*VISIBLE, "untracked.txt"]
    )


async def test_list_files_path_pattern_and_overlay(make_tree: TreeMaker) -> None:
    root = make_tree(TREE)
    ctx = context(root)
    ctx.view.changeset.record_base("src/new.py", None)
    ctx.view.changeset.propose("src/new.py", "x\n")
    ctx.view.changeset.record_base("src/a.py", "print('a')\n")
    ctx.view.changeset.delete("src/a.py")
    assert (await list_files.run({"path": "src", "pattern": "*.py"}, ctx)).text.splitlines() == [
        "src/new.py",
        "src/sub/b.py",
    ]
    assert (await list_files.run({"pattern": "src/*.py"}, ctx)).text == "src/new.py"
    assert (await list_files.run({"path": "nowhere"}, ctx)).text == "No files found under nowhere."
