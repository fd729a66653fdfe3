"""The example's `.orchestra/`: it loads cleanly, its ticket server starts from mcp.json
through Orchestra's own MCP pool, its permissions say what the workflows need, and the
shop starts detached the way CONTEXT.md tells agents to start it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from shop_example import answers, free_port

from orchestra_lsp.engine import DEFAULT_ALLOW
from orchestra_lsp.mcp import McpPool
from orchestra_lsp.permissions import Policy
from orchestra_lsp.workspace import StdioServer, load_workspace


def environ(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k not in ("ORCHESTRA_PYTHON",)}
    return keep | extra


def test_the_orchestra_folder_loads_without_problems(shop_copy: Path) -> None:
    workspace = load_workspace(shop_copy, environ=environ())
    assert [d.message for d in workspace.diagnostics] == []
    assert set(workspace.mcp_servers) == {"tickets", "browser"}
    assert {"qa-ticket", "implement-ticket"} <= set(workspace.commands)
    assert workspace.context.text.startswith("# Corner Coffee — the example shop")
    tickets = workspace.mcp_servers["tickets"].spec
    assert isinstance(tickets, StdioServer)
    assert tickets.command == sys.executable  # ${ORCHESTRA_PYTHON}: the running interpreter
    assert tickets.args == ["-m", "orchestra_lsp.tickets", "--dir", "tickets"]
    browser = workspace.mcp_servers["browser"].spec
    assert isinstance(browser, StdioServer)
    assert browser.args[0] == "../../tests/mcp/node/node_modules/@playwright/mcp/cli.js"
    assert browser.args[browser.args.index("--executable-path") + 1] == "/usr/bin/chromium"


def test_the_atlassian_variant_is_a_valid_mcp_json(shop_copy: Path) -> None:
    orchestra = shop_copy / ".orchestra"
    (orchestra / "mcp.atlassian.json").replace(orchestra / "mcp.json")
    env = environ(JIRA_URL="http://127.0.0.1:9", JIRA_PERSONAL_TOKEN="token")
    workspace = load_workspace(shop_copy, environ=env)
    assert [d.message for d in workspace.diagnostics] == []
    spec = workspace.mcp_servers["tickets"].spec
    assert isinstance(spec, StdioServer)
    assert spec.command.endswith("/atlassian/bin/mcp-atlassian")
    assert spec.env["JIRA_URL"] == "http://127.0.0.1:9"
    assert "jira_get_issue" in spec.env["ENABLED_TOOLS"]
    json.loads((shop_copy / ".orchestra" / "mcp.json").read_text())


async def test_the_ticket_server_runs_from_mcp_json(shop_copy: Path) -> None:
    workspace = load_workspace(shop_copy, environ=environ(ORCHESTRA_PYTHON=sys.executable))
    servers = {"tickets": workspace.mcp_servers["tickets"]}
    async with McpPool(servers, workspace=shop_copy, call_timeout=30) as pool:
        # What the built-in analyst and QA agents are allowed to see.
        tools = await pool.tools_for(["mcp__tickets__get_ticket", "mcp__tickets__search_tickets"])
        assert sorted(tool.name for tool in tools) == [
            "mcp__tickets__get_ticket",
            "mcp__tickets__search_tickets",
        ]
        result = await pool.call("mcp__tickets__get_ticket", {"key": "SHOP-14"})
        assert not result.is_error, result.text
        ticket = json.loads(result.text)
        assert ticket["status"] == "Ready for QA"
        assert ticket["acceptance_criteria"][2].startswith('Removing "Espresso Cup" from that cart')


def test_permissions_fit_the_workflows(shop_copy: Path) -> None:
    rules = load_workspace(shop_copy, environ=environ()).config.permissions
    policy = Policy.from_strings(
        allow=[*DEFAULT_ALLOW, *rules.allow],
        ask=rules.ask,
        deny=rules.deny,
        workspace=str(shop_copy),
    )

    def verdict(tool: str, **args: str) -> str:
        return policy.decide(tool, args).verdict

    assert verdict("run_shell", command="python3 -m unittest discover -s tests") == "allow"
    assert verdict("run_shell", command="python3 -m shop --detach") == "allow"
    assert verdict("run_shell", command="python3 -m shop --stop") == "allow"
    assert verdict("run_shell", command="python3 -m shop") == "ask"  # foreground: blocks
    assert verdict("run_shell", command="rm -rf shop") == "deny"
    assert verdict("run_shell", command="python3 -m unittest && git push") == "deny"
    assert verdict("read_file", path=".env.example") == "allow"
    assert verdict("read_file", path=".env") == "deny"
    assert verdict("edit", path="shop/cart.py") == "allow"
    assert verdict("edit", path=".env.example") == "deny"
    assert verdict("edit", path="tickets/SHOP-12.md") == "deny"
    assert verdict("mcp__tickets__get_ticket", key="SHOP-12") == "allow"
    assert verdict("mcp__tickets__add_comment", key="SHOP-14", body="x") == "ask"
    assert verdict("mcp__tickets__transition", key="SHOP-14", status="Done") == "ask"
    assert verdict("mcp__browser__browser_navigate", url="http://127.0.0.1:8000") == "allow"
    assert verdict("mcp__browser__browser_install") == "deny"


def test_detach_starts_once_and_stop_stops(shop_copy: Path) -> None:
    port = str(free_port())
    url = f"http://127.0.0.1:{port}"

    def shop(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "shop", "--port", port, *args],
            cwd=shop_copy,
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )

    started = shop("--detach")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert started.stdout.startswith(f"Shop running at {url} (pid ")
        assert answers(url)
        again = shop("--detach")
        assert again.stdout.strip() == f"Shop already running at {url}"
    finally:
        stopped = shop("--stop")
    assert stopped.stdout.strip() == f"Shop on port {port} stopped"
    deadline = time.monotonic() + 10
    while answers(url) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not answers(url)
    assert shop("--stop").returncode == 1
