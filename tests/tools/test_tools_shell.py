"""run_shell: real subprocesses, time-outs and cancellation kill the whole group."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

from tool_helpers import TreeMaker, alive, context, gone

from orchestra_lsp.tools import BUILTIN_TOOLS
from orchestra_lsp.tools.run_shell import HEAD_BYTES, TAIL_BYTES

run_shell = BUILTIN_TOOLS["run_shell"]
# A background child records its pid, then the shell waits on it.
SPAWN_CHILD = "sleep 30 & echo $! > child.pid; echo started; wait"


async def wait_for_file(path: Path) -> int:
    for _ in range(200):
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        await asyncio.sleep(0.01)
    raise AssertionError(f"{path} never appeared")


async def test_output_exit_code_and_working_directory(make_tree: TreeMaker) -> None:
    root = make_tree({"marker.txt": "here\n"})
    ok = await run_shell.run({"command": "cat marker.txt; echo oops >&2"}, context(root))
    assert not ok.is_error and ok.text == "here\noops\n\n[exit code 0]"
    failed = await run_shell.run({"command": "exit 3"}, context(root))
    assert failed.is_error and failed.text == "[exit code 3]"


async def test_timeout_kills_the_command_and_its_children(make_tree: TreeMaker) -> None:
    root = make_tree({})
    started = time.monotonic()
    result = await run_shell.run({"command": SPAWN_CHILD, "timeout": 0.5}, context(root))
    assert time.monotonic() - started < 5
    assert result.is_error and "timed out after 0.5 s" in result.text and "started" in result.text
    assert await gone(int((root / "child.pid").read_text()))


async def test_cancellation_kills_the_group_within_a_second(make_tree: TreeMaker) -> None:
    root = make_tree({})
    task = asyncio.create_task(run_shell.run({"command": SPAWN_CHILD}, context(root)))
    child = await wait_for_file(root / "child.pid")
    assert alive(child)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert task.cancelled()
    assert await gone(child)


async def test_background_leftovers_do_not_hold_the_result(make_tree: TreeMaker) -> None:
    root = make_tree({})
    started = time.monotonic()
    result = await run_shell.run(
        {"command": "sleep 30 & echo $! > child.pid; echo done"}, context(root)
    )
    assert result.text.startswith("done") and time.monotonic() - started < 5
    assert await gone(int((root / "child.pid").read_text()))


async def test_long_output_keeps_head_and_tail(make_tree: TreeMaker) -> None:
    root = make_tree({})
    result = await run_shell.run({"command": "seq 1 100000"}, context(root))
    assert result.text.startswith("1\n2\n3\n")
    assert result.text.endswith("99999\n100000\n\n[exit code 0]")
    assert "bytes of output cut" in result.text
    assert len(result.text) < HEAD_BYTES + TAIL_BYTES + 200


async def test_invalid_arguments_are_results(make_tree: TreeMaker) -> None:
    root = make_tree({})
    for args in ({}, {"command": ""}, {"command": "true", "timeout": 10_000}):
        result = await run_shell.run(args, context(root))
        assert result.is_error and "invalid input for run_shell" in result.text
