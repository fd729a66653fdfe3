"""The ticket server as a real subprocess over stdio, through the mcp SDK's own client,
against a temporary copy of the example shop's tickets."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp_types import CallToolResult, TextContent

REPO = Path(__file__).resolve().parents[2]
SHOP_TICKETS = REPO / "examples" / "shop" / "tickets"


@pytest.fixture
def tickets(tmp_path: Path) -> Path:
    folder = tmp_path / "tickets"
    shutil.copytree(SHOP_TICKETS, folder)
    return folder


@asynccontextmanager
async def serving(tickets: Path) -> AsyncIterator[ClientSession]:
    """A session with the server. A context manager, not a fixture: the SDK's task
    groups must be entered and left in the same task, which async fixtures do not do."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "orchestra_lsp.tickets", "--dir", str(tickets)]
    )
    with (tickets.parent / "stderr.log").open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as client,
        ):
            await client.initialize()
            yield client


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


async def call(session: ClientSession, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    assert json.loads(text_of(result)) == result.structured_content
    return dict(result.structured_content)


async def refused(session: ClientSession, tool: str, **arguments: Any) -> str:
    result = await session.call_tool(tool, arguments)
    assert result.is_error, text_of(result)
    return text_of(result)


async def test_it_offers_the_four_tools_with_schemas(tickets: Path) -> None:
    async with serving(tickets) as session:
        listed = await session.list_tools()
        tools = {tool.name: tool for tool in listed.tools}
        assert set(tools) == {"get_ticket", "search_tickets", "add_comment", "transition"}
        assert tools["get_ticket"].input_schema["required"] == ["key"]
        assert "acceptance_criteria" in (tools["get_ticket"].output_schema or {})["properties"]
        assert "Ready for QA" in (tools["transition"].description or "")


async def test_get_ticket_returns_every_field(tickets: Path) -> None:
    async with serving(tickets) as session:
        ticket = await call(session, "get_ticket", key="SHOP-12")
        assert ticket["key"] == "SHOP-12"
        assert ticket["title"] == "Cart total ignores item quantities"
        assert ticket["status"] == "To Do"
        assert ticket["type"] == "Bug"
        assert ticket["labels"] == ["cart", "checkout"]
        assert ticket["description"].startswith("A customer put two Espresso Cups")
        assert "## Steps to reproduce" in ticket["description"]
        assert "test_total_multiplies_price_by_quantity" in ticket["description"]
        criteria = ticket["acceptance_criteria"]
        assert len(criteria) == 3
        assert criteria[0].startswith("The cart total is the sum of price × quantity")
        assert criteria[0].endswith('the cart page shows "Total: $21.00".')
        assert criteria[1] == (
            "The checkout page and the order confirmation show the same total as the cart: "
            '"Order total: $21.00" for the cart above.'
        )
        [comment] = ticket["comments"]
        assert comment["author"] == "Sam Okafor"
        assert comment["date"] == "2025-03-04"
        assert "Cart.total_cents" in comment["body"]
        assert ticket["file"] == "SHOP-12.md"


async def test_get_ticket_ignores_the_key_case(tickets: Path) -> None:
    async with serving(tickets) as session:
        ticket = await call(session, "get_ticket", key=" shop-14 ")
        assert ticket["status"] == "Ready for QA"
        assert len(ticket["acceptance_criteria"]) == 4


async def test_unknown_and_malformed_keys_are_tool_errors(tickets: Path) -> None:
    async with serving(tickets) as session:
        message = await refused(session, "get_ticket", key="SHOP-99")
        assert "ticket SHOP-99 not found (tickets: SHOP-10, SHOP-12, SHOP-14)" in message
        message = await refused(session, "get_ticket", key="../../etc/passwd")
        assert "is not a ticket key" in message


async def test_search_by_words_and_status(tickets: Path) -> None:
    async with serving(tickets) as session:
        everything = await call(session, "search_tickets")
        assert [t["key"] for t in everything["tickets"]] == ["SHOP-10", "SHOP-12", "SHOP-14"]
        assert everything["unreadable"] == []
        found = await call(session, "search_tickets", query="ESPRESSO checking")
        assert [t["key"] for t in found["tickets"]] == ["SHOP-14"]
        assert found["tickets"][0] == {
            "key": "SHOP-14",
            "title": "Cart: add two products, remove one, check out",
            "status": "Ready for QA",
            "type": "Story",
        }
        done = await call(session, "search_tickets", status="done")
        assert [t["key"] for t in done["tickets"]] == ["SHOP-10"]
        nothing = await call(session, "search_tickets", query="espresso", status="Done")
        assert nothing["tickets"] == []
        assert "unknown status 'Closed'" in await refused(
            session, "search_tickets", status="Closed"
        )


async def test_add_comment_appends_to_the_file(tickets: Path) -> None:
    async with serving(tickets) as session:
        before = (tickets / "SHOP-14.md").read_text()
        body = "QA: AC3 failed.\n## Not a heading\nSee AC3-fail-remove.png."
        added = await call(session, "add_comment", key="SHOP-14", body=body, author="QA agent")
        assert added["key"] == "SHOP-14"
        assert added["comment_count"] == 2
        assert added["comment"]["author"] == "QA agent"
        assert added["comment"]["body"] == body
        after = (tickets / "SHOP-14.md").read_text()
        assert after.startswith(before.rstrip("\n"))
        assert "\n### QA agent · " in after
        assert "\n\\## Not a heading\n" in after
        ticket = await call(session, "get_ticket", key="SHOP-14")
        assert ticket["comments"][-1]["body"] == body
        assert len(ticket["acceptance_criteria"]) == 4


async def test_add_comment_creates_the_comments_section(tickets: Path) -> None:
    async with serving(tickets) as session:
        (tickets / "SHOP-30.md").write_text(
            "---\nkey: SHOP-30\ntitle: T\nstatus: To Do\n---\nText.\n\n"
            "## Acceptance criteria\n- one\n"
        )
        added = await call(session, "add_comment", key="SHOP-30", body="First!")
        assert added["comment"]["author"] == "Orchestra"
        assert (
            (tickets / "SHOP-30.md")
            .read_text()
            .endswith("## Comments\n\n### Orchestra · " + added["comment"]["date"] + "\n\nFirst!\n")
        )
        ticket = await call(session, "get_ticket", key="SHOP-30")
        assert ticket["acceptance_criteria"] == ["one"]
        assert "empty" in await refused(session, "add_comment", key="SHOP-30", body="  \n")


async def test_transition_rewrites_only_the_status_line(tickets: Path) -> None:
    async with serving(tickets) as session:
        before = (tickets / "SHOP-12.md").read_text()
        moved = await call(session, "transition", key="SHOP-12", status="in progress")
        assert moved == {
            "key": "SHOP-12",
            "previous_status": "To Do",
            "status": "In Progress",
            "changed": True,
        }
        after = (tickets / "SHOP-12.md").read_text()
        assert after == before.replace("\nstatus: To Do\n", "\nstatus: In Progress\n")
        again = await call(session, "transition", key="SHOP-12", status="In Progress")
        assert again["changed"] is False
        message = await refused(session, "transition", key="SHOP-12", status="Won't do")
        assert "allowed: To Do, In Progress, In Review, Ready for QA, Done" in message
        assert (tickets / "SHOP-12.md").read_text() == after


async def test_a_broken_file_is_an_error_not_a_crash(tickets: Path) -> None:
    async with serving(tickets) as session:
        (tickets / "SHOP-20.md").write_text(
            "---\nkey: SHOP-20\ntitle: [unclosed\nstatus: To Do\n---\n"
        )
        (tickets / "SHOP-21.md").write_text("no front matter at all\n")
        (tickets / "SHOP-22.md").write_text("---\nkey: SHOP-23\ntitle: T\nstatus: To Do\n---\n")
        (tickets / "SHOP-24.md").write_text("---\nkey: SHOP-24\ntitle: T\nstatus: Someday\n---\n")
        (tickets / "SHOP-25.md").write_bytes(b"---\nkey: SHOP-25\ntitle: \xff\n---\n")
        (tickets / "README.md").write_text("Not a ticket: ignored.\n")

        assert "SHOP-20.md:4: front matter is not valid YAML" in await refused(
            session, "get_ticket", key="SHOP-20"
        )
        assert "SHOP-21.md:1: no YAML front matter" in await refused(
            session, "get_ticket", key="SHOP-21"
        )
        assert "does not match the file name" in await refused(session, "get_ticket", key="SHOP-22")
        assert "SHOP-24.md:4: unknown status 'Someday'" in await refused(
            session, "get_ticket", key="SHOP-24"
        )
        assert "SHOP-25.md: not UTF-8 text" in await refused(session, "get_ticket", key="SHOP-25")
        assert "no YAML front matter" in await refused(
            session, "add_comment", key="SHOP-21", body="hello"
        )
        assert (tickets / "SHOP-21.md").read_text() == "no front matter at all\n"

        listing = await call(session, "search_tickets")
        assert [t["key"] for t in listing["tickets"]] == ["SHOP-10", "SHOP-12", "SHOP-14"]
        assert [entry.split(":")[0] for entry in listing["unreadable"]] == [
            "SHOP-20.md",
            "SHOP-21.md",
            "SHOP-22.md",
            "SHOP-24.md",
            "SHOP-25.md",
        ]
        still = await call(session, "get_ticket", key="SHOP-10")
        assert still["status"] == "Done"


def test_a_missing_folder_is_reported_before_serving(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp.tickets", "--dir", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert "no such folder" in done.stderr
