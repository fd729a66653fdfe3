"""`qa-ticket` unchanged against Jira: the shop's mcp.json swapped for its
mcp.atlassian.json (mcp-atlassian in its own virtualenv, talking to a fake Jira Server
that serves the shop's tickets). The built-in command and agents are the same files; only
the transcript differs where the tools do (`jira_get_issue {issue_key}`,
`jira_add_comment {issue_key, comment}`)."""

from __future__ import annotations

import shutil
from typing import Any

from jira_shop import shop_jira
from workflow_helpers import (
    ATLASSIAN,
    QA_TRANSCRIPT,
    REPO,
    Shop,
    check_qa_report,
    require,
    transcript,
)

from orchestra_lsp.testing import ScriptedServer
from orchestra_lsp.workspace import load_workspace

TOKEN = "jira-token-for-the-shop-0c1d2e"


def _get_issue(turn: dict[str, Any]) -> None:
    turn["expect"]["tools"] = ["mcp__tickets__jira_get_issue", "mcp__tickets__jira_search"]
    [use] = turn["reply"]["tool_use"]
    use["name"], use["input"] = "mcp__tickets__jira_get_issue", {"issue_key": "SHOP-14"}


def _add_comment(turn: dict[str, Any]) -> None:
    turn["expect"]["tools"] = ["mcp__tickets__jira_add_comment"]
    [use] = turn["reply"]["tool_use"]
    use["name"] = "mcp__tickets__jira_add_comment"
    use["input"] = {"issue_key": "SHOP-14", "comment": use["input"]["body"]}


def _refused(turn: dict[str, Any]) -> None:
    turn["expect"]["last_tool_result_contains"] = [
        "The call to mcp__tickets__jira_add_comment was not made"
    ]


JIRA_FLAVOUR = {
    "criteria-get-ticket": _get_issue,
    "report-post": _add_comment,
    "report-answer": _refused,
}


def test_qa_ticket_runs_unchanged_against_jira(shop: Shop) -> None:
    require(ATLASSIAN)
    shutil.copy(
        shop.root / ".orchestra" / "mcp.atlassian.json", shop.root / ".orchestra" / "mcp.json"
    )
    with shop_jira(shop.root / "tickets") as jira:
        shop.env |= {
            "MCP_ATLASSIAN": str(ATLASSIAN),
            "JIRA_URL": jira.url,
            "JIRA_PERSONAL_TOKEN": TOKEN,
            "FASTMCP_HOME": str(shop.root.parent / "fastmcp"),
        }
        workspace = load_workspace(shop.root, environ=shop.env)
        assert [d.message for d in workspace.diagnostics] == []
        # The built-in command and agents, as they are: nothing Jira-specific.
        assert workspace.commands["qa-ticket"].source.path.is_relative_to(REPO / "commands")
        for agent in ("analyst", "qa"):
            assert workspace.agents[agent].source.path.is_relative_to(REPO / "agents")

        script = transcript(QA_TRANSCRIPT, shop.port, JIRA_FLAVOUR)
        with ScriptedServer(script) as model:
            done = shop.run_cli(model.base_url, "qa-ticket", "SHOP-14")
    model.assert_no_failures()
    model.assert_all_consumed()
    assert done.returncode == 0, done.stdout + done.stderr

    assert ("GET", "/rest/api/2/issue/SHOP-14", f"Bearer {TOKEN}") in jira.requests
    assert not [r for r in jira.requests if r[0] != "GET"]  # nothing posted unattended
    run_id = shop.last_run("qa-ticket")
    check_qa_report((shop.run_dir(run_id) / "report.md").read_text(), shop.run_dir(run_id))
