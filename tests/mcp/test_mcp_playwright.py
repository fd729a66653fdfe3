"""@playwright/mcp driving Debian's Chromium (no browser download) through the pool:
navigate to a page served on 127.0.0.1, fill a form, click, read the snapshot."""

from __future__ import annotations

import re
import threading
from collections.abc import AsyncIterator, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import pytest_asyncio
from mcp_test_servers import CHROMIUM, PLAYWRIGHT, require, stdio

from orchestra_lsp.mcp import McpPool

pytestmark = pytest.mark.asyncio(loop_scope="module")

PAGE = """<!doctype html>
<html><head><title>Shop login</title><link rel="icon" href="data:,"></head><body>
<h1>Log in</h1>
<form id="login"><label>Name <input id="name"></label> <button type="submit">Log in</button></form>
<p id="greeting"></p>
<script>
document.getElementById("login").addEventListener("submit", (event) => {
  event.preventDefault();
  document.getElementById("greeting").textContent =
    "Welcome, " + document.getElementById("name").value + "!";
});
</script>
</body></html>
"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text(PAGE)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def pool(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[McpPool]:
    work: Path = tmp_path_factory.mktemp("playwright")
    browser = stdio(
        "browser",
        "node",
        require(PLAYWRIGHT),
        "--browser", "chromium",
        "--executable-path", require(CHROMIUM),
        "--headless", "--no-sandbox", "--isolated",
        "--output-dir", work / "out",
        env={"XDG_CACHE_HOME": str(work / "cache")},
    )  # fmt: skip
    async with McpPool({"browser": browser}, call_timeout=60) as shared:
        yield shared


def ref(snapshot: str, role: str, name: str) -> str:
    match = re.search(rf'{role} "{re.escape(name)}"[^\n]*\[ref=(\w+)\]', snapshot)
    assert match, f"no {role} {name!r} in:\n{snapshot}"
    return match.group(1)


async def test_fill_a_form_click_and_read_the_result(pool: McpPool, site: str) -> None:
    allowed = await pool.tools_for(
        [
            "mcp__browser__browser_navigate",
            "mcp__browser__browser_snapshot",
            "mcp__browser__browser_type",
            "mcp__browser__browser_click",
        ]
    )
    assert len(allowed) == 4
    navigated = await pool.call("mcp__browser__browser_navigate", {"url": site})
    assert not navigated.is_error, navigated.text
    assert "Page Title: Shop login" in navigated.text

    page = (await pool.call("mcp__browser__browser_snapshot", {})).text
    name_box = ref(page, "textbox", "Name")
    button = ref(page, "button", "Log in")
    typed = await pool.call(
        "mcp__browser__browser_type", {"element": "Name field", "target": name_box, "text": "Ada"}
    )
    assert not typed.is_error, typed.text
    clicked = await pool.call(
        "mcp__browser__browser_click", {"element": "Log in button", "target": button}
    )
    assert not clicked.is_error, clicked.text

    after = await pool.call("mcp__browser__browser_snapshot", {})
    assert "Welcome, Ada!" in after.text


async def test_a_bad_reference_is_a_tool_error(pool: McpPool, site: str) -> None:
    await pool.call("mcp__browser__browser_navigate", {"url": site})
    result = await pool.call(
        "mcp__browser__browser_click", {"element": "nothing", "target": "e9999"}
    )
    assert result.is_error
