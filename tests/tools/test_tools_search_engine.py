"""search never freezes a run: the overlay is matched by RE2 (no backtracking), a pattern
RE2 refuses is a clear tool error, and capped results are always the same ones."""

from __future__ import annotations

import asyncio
import codecs
import os

import pytest
from tool_helpers import TreeMaker, context

from orchestra_lsp.tools import EditTool, SearchQuery, SearchTool, WorkspaceView, search_workspace
from orchestra_lsp.tools.search import MAX_MATCHES

# A line that takes a backtracking engine 2^n steps to reject for `(a+)+$`.
EVIL_LINE = "a" * 5000 + "!"
HANG_GUARD = 60  # seconds; a backtracking engine would take longer than the universe


@pytest.mark.parametrize("backend", ["ripgrep", "python"])
async def test_a_backtracking_pattern_over_a_large_proposed_file_returns(
    make_tree: TreeMaker, backend: str
) -> None:
    root = make_tree({"small.txt": "aaa\n"})
    ctx = context(root)
    big = "\n".join([EVIL_LINE] * 2000) + "\naaaa\n"
    created = await EditTool().run({"command": "create", "path": "big.txt", "file_text": big}, ctx)
    assert not created.is_error, created.text
    tool = SearchTool(backend)  # type: ignore[arg-type]
    result = await asyncio.wait_for(tool.run({"pattern": "(a+)+$"}, ctx), HANG_GUARD)
    assert not result.is_error, result.text
    assert result.text.splitlines() == ["big.txt:2001:aaaa", "small.txt:1:aaa"]


async def test_the_event_loop_keeps_running_while_the_overlay_is_searched(
    make_tree: TreeMaker,
) -> None:
    root = make_tree({})
    ctx = context(root)
    ctx.view.changeset.record_base("big.txt", None)
    ctx.view.changeset.propose("big.txt", ("x" * 200 + "\n") * 100_000)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    try:
        result = await asyncio.wait_for(SearchTool().run({"pattern": "y"}, ctx), HANG_GUARD)
    finally:
        ticker.cancel()
    assert result.text.startswith("No matches")
    assert ticks > 1  # the search ran off the loop


@pytest.mark.parametrize("pattern", [r"(a)\1", r"foo(?=bar)", r"(?<!x)y"])
@pytest.mark.parametrize("backend", ["ripgrep", "python"])
async def test_a_pattern_the_engine_refuses_is_a_clear_error(
    make_tree: TreeMaker, backend: str, pattern: str
) -> None:
    root = make_tree({"a.txt": "aa foobar y\n"})
    ctx = context(root)
    await EditTool().run({"command": "create", "path": "b.txt", "file_text": "aa\n"}, ctx)
    result = await SearchTool(backend).run({"pattern": pattern}, ctx)  # type: ignore[arg-type]
    assert result.is_error
    assert "invalid regular expression" in result.text or "search failed" in result.text
    assert "Traceback" not in result.text


@pytest.mark.parametrize("backend", ["ripgrep", "python"])
async def test_capped_results_are_the_first_by_path_and_line(
    make_tree: TreeMaker, backend: str
) -> None:
    """Many files, searched in parallel by ripgrep, with more hits than the cap: the
    answer is the first MAX_MATCHES by path and line, every time."""
    files: dict[str, str | bytes] = {f"d{n % 7}/f{n:03}.txt": "hit\n" * 3 for n in range(150)}
    files["z-overlay.txt"] = "hit\n"
    root = make_tree(files)
    view = WorkspaceView(root)
    view.changeset.record_base("a-first.txt", None)
    view.changeset.propose("a-first.txt", "hit\nmiss\nhit\n")
    expected = sorted(
        [("a-first.txt", 1), ("a-first.txt", 3)]
        + [(path, line) for path in files for line in (1, 2, 3) if path != "z-overlay.txt"]
        + [("z-overlay.txt", 1)]
    )[:MAX_MATCHES]
    answers = set()
    for _ in range(5):
        outcome = await search_workspace(view, SearchQuery(pattern="hit"), backend)  # type: ignore[arg-type]
        assert outcome.truncated
        assert [(m.path, m.line) for m in outcome.matches] == expected
        answers.add(tuple(outcome.matches))
    assert len(answers) == 1


async def test_one_huge_file_does_not_flood_the_search(make_tree: TreeMaker) -> None:
    root = make_tree({"huge.txt": "hit\n" * 200_000, "a.txt": "hit\n"})
    outcome = await asyncio.wait_for(
        search_workspace(WorkspaceView(root), SearchQuery(pattern="hit"), "ripgrep"), HANG_GUARD
    )
    assert outcome.truncated and outcome.matches[0].path == "a.txt"
    assert [m.line for m in outcome.matches[1:4]] == [1, 2, 3]


async def test_both_backends_read_byte_order_marks_as_ripgrep_does(make_tree: TreeMaker) -> None:
    root = make_tree(
        {
            "bom8.txt": codecs.BOM_UTF8 + b"foo first\n",
            "wide.txt": codecs.BOM_UTF16_LE + "bar foo\r\nfoo\r\n".encode("utf-16-le"),
            "plain.txt": b"foo\n",
        }
    )
    view = WorkspaceView(root)
    for pattern in ("^foo", "foo$", "bar"):
        fast = await search_workspace(view, SearchQuery(pattern=pattern), "ripgrep")
        slow = await search_workspace(view, SearchQuery(pattern=pattern), "python")
        assert fast == slow, pattern
    found = await search_workspace(view, SearchQuery(pattern="^foo"), "python")
    assert [(m.path, m.line) for m in found.matches] == [
        ("bom8.txt", 1),
        ("plain.txt", 1),
        ("wide.txt", 2),
    ]


@pytest.mark.parametrize("backend", ["ripgrep", "python"])
async def test_a_fifo_named_as_the_path_is_refused_not_waited_on(
    make_tree: TreeMaker, backend: str
) -> None:
    root = make_tree({"a.txt": "x\n"})
    os.mkfifo(root / "pipe")
    result = await asyncio.wait_for(
        SearchTool(backend).run({"pattern": "x", "path": "pipe"}, context(root)),  # type: ignore[arg-type]
        HANG_GUARD,
    )
    assert result.is_error and "pipe is not a regular file or a folder" in result.text


async def test_a_nul_in_the_pattern_is_a_clear_error(make_tree: TreeMaker) -> None:
    result = await SearchTool().run({"pattern": "a\0b"}, context(make_tree({"a.txt": "a\n"})))
    assert result.is_error and "NUL character" in result.text
