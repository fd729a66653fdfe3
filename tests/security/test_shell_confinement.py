"""run_shell's deadlines and confinement, with real processes: a timeout kills the whole
tree, escaped children included, and returns on time with bounded output; the child gets
no secret from its environment; the bwrap sandbox hides Orchestra and the credentials."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "tools"))
from tool_helpers import alive, gone

from orchestra_lsp.redaction import SECRETS
from orchestra_lsp.tools import BUILTIN_TOOLS, ToolContext, WorkspaceView
from orchestra_lsp.tools.run_shell import HEAD_BYTES, TAIL_BYTES, end_leftovers

run_shell = BUILTIN_TOOLS["run_shell"]


@pytest.fixture
def root() -> Iterator[Path]:
    # Not pytest's tmp_path: other pytest sessions on the machine may rotate it away.
    with tempfile.TemporaryDirectory(prefix="orchestra-shell-") as folder:
        yield Path(folder)


def ctx(root: Path, **options: object) -> ToolContext:
    return ToolContext(view=WorkspaceView(root), **options)  # type: ignore[arg-type]


async def test_yes_is_cut_at_its_timeout_with_bounded_output(root: Path) -> None:
    started = time.monotonic()
    result = await run_shell.run({"command": "yes", "timeout": 3}, ctx(root))
    took = time.monotonic() - started
    assert 2.9 < took < 6, f"took {took:.1f} s"
    assert result.is_error and "timed out after 3 s" in result.text
    assert result.text.startswith("y\ny\n")
    assert len(result.text) < HEAD_BYTES + TAIL_BYTES + 300


# Each escapes, then the command waits until it has written its pid and ends.
WAIT = "; while [ ! -s escaped.pid ]; do sleep 0.05; done; echo started"
ESCAPES = {
    "setsid -f": "setsid -f sh -c 'echo $$ > escaped.pid; exec sleep 60'" + WAIT,
    "double fork": "(sh -c 'echo $$ > escaped.pid; exec sleep 60' &)" + WAIT,
    "nohup in a new session": (
        "setsid nohup sh -c 'echo $$ > escaped.pid; exec sleep 60' >/dev/null 2>&1 & true" + WAIT
    ),
}


@pytest.mark.parametrize("kind", list(ESCAPES))
async def test_children_that_left_the_group_do_not_outlive_the_run(root: Path, kind: str) -> None:
    context = ctx(root)
    result = await run_shell.run({"command": ESCAPES[kind], "timeout": 20}, context)
    assert "started" in result.text
    pid = int((root / "escaped.pid").read_text())
    end_leftovers(context)  # what the engine does when the run ends
    assert await gone(pid), f"{kind}: process {pid} outlived the run"


async def test_a_background_service_lives_until_the_run_ends(root: Path) -> None:
    """`shop --detach`, a dev server: started in a session of its own with its output
    elsewhere, it serves the run's later tool calls, and is killed when the run ends.
    What stays in the command's session, or holds its output, goes when it exits."""
    context = ctx(root)
    service = "setsid sh -c 'echo $$ > service.pid; exec sleep 60' >/dev/null 2>&1 < /dev/null &"
    tied = "sleep 60 & echo $! > tied.pid"
    result = await run_shell.run(
        {"command": f"{service} {tied}; while [ ! -s service.pid ]; do sleep 0.05; done"},
        context,
    )
    assert not result.is_error, result.text
    service_pid = int((root / "service.pid").read_text())
    assert await gone(int((root / "tied.pid").read_text()))
    await asyncio.sleep(0.3)
    assert alive(service_pid)
    second = await run_shell.run({"command": f"kill -0 {service_pid} && echo up"}, context)
    assert second.text.startswith("up")
    assert end_leftovers(context) >= 1
    assert await gone(service_pid)


async def test_a_grandchild_holding_the_pipe_does_not_hold_the_result(root: Path) -> None:
    # The grandchild clears its environment (no marker) and starts its own session,
    # yet keeps our stdout: the pipe sweep finds it.
    command = "setsid -f env -i /bin/sh -c 'echo $$ > holder.pid; exec sleep 60'; echo started"
    started = time.monotonic()
    result = await run_shell.run({"command": command, "timeout": 20}, ctx(root))
    assert time.monotonic() - started < 5
    assert result.text.startswith("started")
    holder = root / "holder.pid"
    # The sweep may end the grandchild before it wrote its pid: then it is gone already.
    if holder.exists() and holder.read_text().strip():
        assert await gone(int(holder.read_text()))


async def test_a_timeout_kills_the_escaped_ones_too(root: Path) -> None:
    command = "setsid -f sh -c 'echo $$ > escaped.pid; exec sleep 60'; sleep 60"
    # (the time-out is 1 s: the escaped child has long written its pid by then)
    started = time.monotonic()
    result = await run_shell.run({"command": command, "timeout": 1}, ctx(root))
    assert time.monotonic() - started < 4
    assert "timed out" in result.text
    assert await gone(int((root / "escaped.pid").read_text()))


async def test_the_child_environment_holds_no_secret(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-childenvtest-0123456789")
    monkeypatch.setenv("GITHUB_TOKEN", "plain-value-without-a-shape-1")
    monkeypatch.setenv("DEPLOY_PASSWORD", "plain-value-without-a-shape-2")
    monkeypatch.setenv("MCP_VALUE", "plain-value-from-mcp-json-3")
    monkeypatch.setenv("HARMLESS_SETTING", "kept")
    SECRETS.add(["plain-value-from-mcp-json-3"])  # what the workspace registers
    result = await run_shell.run({"command": "env"}, ctx(root))
    for value in (
        "childenvtest",
        "plain-value-without-a-shape-1",
        "plain-value-without-a-shape-2",
        "plain-value-from-mcp-json-3",
    ):
        assert value not in result.text
    assert "HARMLESS_SETTING=kept" in result.text


async def test_the_sandbox_hides_the_parent_and_guards_protected_folders(root: Path) -> None:
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    command = (
        f"ls /proc | grep -c '^[0-9]' ; test -e /proc/{os.getpid()}/environ && echo SEEN; "
        "echo ok > written.txt; echo x >> .git/config || echo GIT-READ-ONLY; "
        "touch /tmp/inside && echo TMP-OK; touch /etc/x 2>/dev/null || echo ROOT-READ-ONLY"
    )
    result = await run_shell.run({"command": command}, ctx(root, sandbox="bwrap"))
    lines = result.text.splitlines()
    assert int(lines[0]) <= 5, result.text  # only the sandbox's own processes
    assert "SEEN" not in result.text
    assert (root / "written.txt").read_text() == "ok\n"
    assert "GIT-READ-ONLY" in result.text and (root / ".git" / "config").read_text() == "[core]\n"
    assert "TMP-OK" in result.text and not Path("/tmp/inside").exists()
    assert "ROOT-READ-ONLY" in result.text


async def test_the_sandbox_cuts_the_network_when_asked(root: Path) -> None:
    result = await run_shell.run(
        {"command": "cat /proc/net/dev | grep -c ':'"},
        ctx(root, sandbox="bwrap", sandbox_network=False),
    )
    assert result.text.splitlines()[0] == "1", result.text  # the loopback only
