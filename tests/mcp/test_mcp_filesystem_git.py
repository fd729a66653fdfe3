"""server-filesystem on a temporary folder and mcp-server-git on a temporary repository,
started together (in parallel) for one allow-list, as an agent's run would."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from mcp_test_servers import FILESYSTEM, GIT, require, stdio

from orchestra_lsp.mcp import McpPool, McpTool

pytestmark = pytest.mark.asyncio(loop_scope="module")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("work")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Orchestra Test")
    git(root, "config", "user.email", "test@example.invalid")
    (root / "README.md").write_text("# Shop\n")
    git(root, "add", "README.md")
    git(root, "commit", "-q", "-m", "Initial commit")
    return root


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def pool(repo: Path) -> AsyncIterator[McpPool]:
    servers = {
        "files": stdio("files", "node", require(FILESYSTEM), repo),
        "git": stdio("git", require(GIT), "--repository", repo),
    }
    async with McpPool(servers, call_timeout=20) as shared:
        yield shared


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def tools(pool: McpPool) -> dict[str, McpTool]:
    allowed = [
        "mcp__files__read_text_file",
        "mcp__files__write_file",
        "mcp__files__list_directory",
        "mcp__git__git_*",
    ]
    return {tool.name: tool for tool in await pool.tools_for(allowed)}


async def test_both_servers_start_for_one_allow_list(
    pool: McpPool, tools: dict[str, McpTool]
) -> None:
    assert {
        "mcp__files__write_file",
        "mcp__git__git_status",
        "mcp__git__git_commit",
    } <= tools.keys()
    assert "mcp__files__move_file" not in tools
    assert all(status.start_ms is not None for status in pool.status())


async def test_write_and_read_a_file(pool: McpPool, repo: Path) -> None:
    path = str(repo / "notes.md")
    written = await pool.call(
        "mcp__files__write_file", {"path": path, "content": "Ticket SHOP-12\n"}
    )
    assert not written.is_error, written.text
    assert (repo / "notes.md").read_text() == "Ticket SHOP-12\n"
    read = await pool.call("mcp__files__read_text_file", {"path": path})
    assert read.text == "Ticket SHOP-12\n"
    listing = await pool.call("mcp__files__list_directory", {"path": str(repo)})
    assert "[FILE] notes.md" in listing.text


async def test_outside_the_allowed_folder_is_a_tool_error(pool: McpPool) -> None:
    result = await pool.call("mcp__files__read_text_file", {"path": "/etc/hostname"})
    assert result.is_error and "outside allowed directories" in result.text


async def test_git_status_add_commit_log(pool: McpPool, repo: Path) -> None:
    (repo / "cart.py").write_text("TOTAL = 0\n")
    status = await pool.call("mcp__git__git_status", {"repo_path": str(repo)})
    assert "cart.py" in status.text
    added = await pool.call("mcp__git__git_add", {"repo_path": str(repo), "files": ["cart.py"]})
    assert not added.is_error, added.text
    committed = await pool.call(
        "mcp__git__git_commit", {"repo_path": str(repo), "message": "Add the cart"}
    )
    assert not committed.is_error, committed.text
    log = await pool.call("mcp__git__git_log", {"repo_path": str(repo), "max_count": 5})
    assert "Add the cart" in log.text and "Initial commit" in log.text
    assert git(repo, "log", "-1", "--format=%s").strip() == "Add the cart"
