"""search: ripgrep and the Python fallback agree, honour .gitignore and see the overlay."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tool_helpers import TreeMaker, context, git_init

from orchestra_lsp.tools import SearchQuery, SearchTool, WorkspaceView, search_workspace
from orchestra_lsp.tools.search import MAX_MATCHES

pytestmark = pytest.mark.skipif(shutil.which("rg") is None, reason="ripgrep is not installed")

TREE: dict[str, str | bytes] = {
    ".gitignore": "build/\n*.log\n",
    "src/app.py": "def main():\n    return TODO_value\n# todo: later\r\n",
    "src/util/strings.py": "TODO = 1\nvalue = 'TODO'\n",
    "src/util/.gitignore": "secret.py\n",
    "src/util/secret.py": "TODO hidden by nested gitignore\n",
    "build/gen.py": "TODO ignored\n",
    "trace.log": "TODO ignored\n",
    "image.bin": b"TODO\x00\x01binary",
    ".github/workflow.yml": "run: TODO\n",
    "docs/readme.md": "Nothing here\nTODO: write docs",
    "uni.txt": "naïve 😀 TODO\n",
}
EXPECTED = [
    (".github/workflow.yml", 1),
    ("docs/readme.md", 2),
    ("src/app.py", 2),
    ("src/util/strings.py", 1),
    ("src/util/strings.py", 2),
    ("uni.txt", 1),
]


async def both(view: WorkspaceView, query: SearchQuery) -> list[tuple[str, int, str]]:
    """Search with both backends, check they agree, return the matches."""
    fast = await search_workspace(view, query, "ripgrep")
    slow = await search_workspace(view, query, "python")
    assert fast == slow
    return [(m.path, m.line, m.text) for m in fast.matches]


@pytest.mark.parametrize("with_git", [False, True])
async def test_backends_agree_and_honour_gitignore(make_tree: TreeMaker, with_git: bool) -> None:
    root = make_tree(TREE)
    if with_git:
        git_init(root)
    view = WorkspaceView(root)
    found = await both(view, SearchQuery(pattern="TODO"))
    assert [(path, line) for path, line, _ in found] == EXPECTED
    assert ("uni.txt", 1, "naïve 😀 TODO") in found


async def test_case_path_and_glob(make_tree: TreeMaker) -> None:
    view = WorkspaceView(make_tree(TREE))
    found = await both(view, SearchQuery(pattern="todo", case_insensitive=True, under="src"))
    assert [(p, n) for p, n, _ in found] == [
        ("src/app.py", 2),
        ("src/app.py", 3),
        ("src/util/strings.py", 1),
        ("src/util/strings.py", 2),
    ]
    assert ("src/app.py", 3, "# todo: later") in found  # CRLF stripped
    assert [p for p, _, _ in await both(view, SearchQuery(pattern="TODO", glob="*.md"))] == [
        "docs/readme.md"
    ]
    anchored = await both(view, SearchQuery(pattern="TODO", glob="src/*.py"))
    assert [p for p, _, _ in anchored] == ["src/app.py"]  # `*` stays in one folder, as in rg
    assert {p for p, _, _ in await both(view, SearchQuery(pattern="TODO", glob="src/**/*.py"))} == {
        "src/app.py",
        "src/util/strings.py",
    }
    excluded = await both(view, SearchQuery(pattern="TODO", glob="!*.py"))
    assert {p for p, _, _ in excluded} == {".github/workflow.yml", "docs/readme.md", "uni.txt"}
    single = await both(view, SearchQuery(pattern=r"^value", under="src/util/strings.py"))
    assert single == [("src/util/strings.py", 2, "value = 'TODO'")]
    assert await both(view, SearchQuery(pattern="TODO", under="image.bin")) == []


async def test_overlay_text_is_searched_not_the_disk(make_tree: TreeMaker) -> None:
    root = make_tree(TREE)
    view = WorkspaceView(root)
    view.changeset.record_base("src/app.py", TREE["src/app.py"])  # type: ignore[arg-type]
    view.changeset.propose("src/app.py", "nothing to see\nFIXME now\n")
    view.changeset.record_base("uni.txt", "naïve 😀 TODO\n")
    view.changeset.delete("uni.txt")
    view.changeset.record_base("src/new.py", None)
    view.changeset.propose("src/new.py", "x = 'TODO created'\n")
    view.buffers["docs/readme.md"] = ("unsaved TODO\n", 3)
    found = await both(view, SearchQuery(pattern="TODO|FIXME"))
    assert [(p, n) for p, n, _ in found] == [
        (".github/workflow.yml", 1),
        ("docs/readme.md", 1),
        ("src/app.py", 2),
        ("src/new.py", 1),
        ("src/util/strings.py", 1),
        ("src/util/strings.py", 2),
    ]


async def test_results_are_bounded(make_tree: TreeMaker) -> None:
    root = make_tree({f"f{n:03}.txt": "hit\n" * 5 for n in range(60)})
    view = WorkspaceView(root)
    for backend in ("ripgrep", "python"):
        outcome = await search_workspace(view, SearchQuery(pattern="hit"), backend)
        assert len(outcome.matches) == MAX_MATCHES and outcome.truncated
    result = await SearchTool().run({"pattern": "hit"}, context(root))
    assert f"more than {MAX_MATCHES} matches" in result.text


async def test_tool_output_and_errors(make_tree: TreeMaker) -> None:
    root = make_tree(TREE)
    for backend in ("ripgrep", "python"):
        tool = SearchTool(backend)
        result = await tool.run({"pattern": "write docs"}, context(root))
        assert result.text == "docs/readme.md:2:TODO: write docs"
        missing = await tool.run({"pattern": "no such text"}, context(root))
        assert not missing.is_error and missing.text.startswith("No matches")
        broken = await tool.run({"pattern": "(unclosed"}, context(root))
        assert broken.is_error, backend
        nowhere = await tool.run({"pattern": "x", "path": "nowhere"}, context(root))
        assert nowhere.is_error and nowhere.text == "nowhere does not exist"


async def test_symlinks_are_not_followed(make_tree: TreeMaker, tmp_path: Path) -> None:
    root = make_tree({"a.txt": "x\n"})
    (tmp_path / "outside.txt").write_text("TODO secret\n")
    (root / "link.txt").symlink_to(tmp_path / "outside.txt")
    assert await both(WorkspaceView(root), SearchQuery(pattern="TODO")) == []


async def test_auto_falls_back_to_python_without_ripgrep_on_path(
    make_tree: TreeMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_tree(TREE)
    expected = (await SearchTool("ripgrep").run({"pattern": "TODO"}, context(root))).text
    monkeypatch.setenv("PATH", str(root / "no-such-bin"))
    assert shutil.which("rg") is None
    assert (await SearchTool().run({"pattern": "TODO"}, context(root))).text == expected
