"""mcp-atlassian (in its own virtualenv: it pins mcp<2) against a fake Jira on
127.0.0.1: `jira_get_issue` returns the ticket's fields."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from fake_jira import KEY, FakeJira, fake_jira
from mcp_test_servers import ATLASSIAN, require, stdio

from orchestra_lsp.mcp import McpPool

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOKEN = "jira-personal-token-for-tests"


@pytest.fixture(scope="module")
def jira() -> Iterator[FakeJira]:
    with fake_jira() as fake:
        yield fake


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def pool(jira: FakeJira, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[McpPool]:
    env = {
        "JIRA_URL": jira.url,
        "JIRA_PERSONAL_TOKEN": TOKEN,
        "FASTMCP_CHECK_FOR_UPDATES": "off",
        "FASTMCP_HOME": str(tmp_path_factory.mktemp("fastmcp")),
        "TOOLSETS": "all",
    }
    async with McpPool(
        {"jira": stdio("jira", require(ATLASSIAN), env=env)}, call_timeout=30
    ) as shared:
        yield shared


async def test_get_issue_returns_the_ticket_fields(pool: McpPool, jira: FakeJira) -> None:
    tools = await pool.tools_for(["mcp__jira__jira_get_*"])
    assert "mcp__jira__jira_get_issue" in {tool.name for tool in tools}
    assert all(tool.tool.startswith("jira_get_") for tool in tools)

    result = await pool.call("mcp__jira__jira_get_issue", {"issue_key": KEY})
    assert not result.is_error, result.text
    issue = json.loads(result.text)
    assert issue["key"] == KEY
    assert issue["summary"] == "Cart total ignores discount codes"
    assert issue["status"]["name"] == "In Progress"
    assert "10% code" in issue["description"]
    assert (f"/rest/api/2/issue/{KEY}", f"Bearer {TOKEN}") in jira.requests


async def test_an_unknown_ticket_is_a_tool_error(pool: McpPool) -> None:
    result = await pool.call("mcp__jira__jira_get_issue", {"issue_key": "SHOP-404"})
    assert result.is_error and "SHOP-404 not found" in result.text
