"""The first `orchestra/commands` of a server comes from the listing the server before it
stored (`lsp/prefetch.py`, `workspace/result_cache.py`) only while every input it
depends on holds.

Real servers, driven by a raw client: each invalidation test lets a server store its
listing, plants a marker command in the stored one and sees the next server answer it
(so the stored listing is in use), then changes one input: the next server's first
listing must not hold the marker, and must be the engine's own listing.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import StartRaw

from orchestra_lsp.workspace import inputs

MARKER = "planted-by-the-test"
COMMAND = """---
description: {description}
steps:
  - id: say
    agent: planner
    prompt: Say hello.
---
"""


class Setup:
    """A workspace, its own cache and config folders, and servers started on it."""

    def __init__(self, raw: StartRaw, workspace: Path, tmp_path: Path) -> None:
        self.raw = raw
        self.workspace = workspace
        self.cache = tmp_path / "cache"
        self.env = {"XDG_CACHE_HOME": str(self.cache), "XDG_CONFIG_HOME": str(tmp_path / "config")}

    async def listings(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """A server's first listing, and its engine's once built."""
        client = await self.raw(self.workspace, env=self.env)
        await client.initialize(self.workspace)
        first = await client.request("orchestra/commands", {}, timeout=60)
        await client.request("orchestra/agents", {}, timeout=60)  # the engine is built
        later = await client.request("orchestra/commands", {}, timeout=60)
        assert await client.close() == 0
        assert "Traceback" not in await client.stderr()
        return first["result"], later["result"]

    async def entry(self) -> Path:
        """The stored listing, once the prefetch child has written it (it does after
        it answered, so it may come just after the server has gone)."""
        folder = self.cache / "orchestra" / "listing"
        for _ in range(300):
            if entries := sorted(folder.glob("*.json")):
                [only] = entries
                return only
            await asyncio.sleep(0.1)
        raise AssertionError("no listing was stored")

    async def plant(self) -> None:
        """A server that stores its listing, a marker command added to the stored one,
        and a server whose first listing shows it: the stored listing is in use."""
        first, later = await self.listings()
        assert MARKER not in names(first) and first == later
        path = await self.entry()
        stored = json.loads(path.read_text())
        planted = {**stored["result"]["commands"][0], "name": MARKER}
        stored["result"]["commands"].append(planted)
        path.write_text(json.dumps(stored))
        first, later = await self.listings()
        assert MARKER in names(first)
        assert MARKER not in names(later)  # the engine's own

    async def assert_fresh(self) -> dict[str, Any]:
        """After a change: not the stored listing, and the engine's."""
        first, later = await self.listings()
        assert MARKER not in names(first)
        assert first == later
        return first


def names(listing: dict[str, Any]) -> list[str]:
    return [command["name"] for command in listing["commands"]]


@pytest.fixture
def setup(raw: StartRaw, workspace: Path, tmp_path: Path) -> Setup:
    return Setup(raw, workspace, tmp_path)


async def test_a_repeated_start_answers_the_stored_listing_without_a_child(
    setup: Setup,
) -> None:
    before = sorted(p.relative_to(setup.workspace) for p in setup.workspace.rglob("*"))
    first, later = await setup.listings()
    path = await setup.entry()
    stored = path.read_text()
    assert json.loads(stored)["result"] == first == later
    written = path.stat().st_mtime_ns
    again, engine = await setup.listings()
    assert again == first == engine
    # No child ran (it would have stored the listing again); nothing in the repository.
    assert path.read_text() == stored and path.stat().st_mtime_ns == written
    assert sorted(p.relative_to(setup.workspace) for p in setup.workspace.rglob("*")) == before


def _edit_same_size(setup: Setup) -> None:
    path = setup.workspace / ".orchestra" / "commands" / "change.md"
    status = path.stat()
    text = path.read_text()
    assert "description: " in text
    path.write_text(text.replace("description: ", "description:\t", 1))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))  # same size, same time
    assert path.stat().st_size == status.st_size


def _add_command(setup: Setup) -> None:
    path = setup.workspace / ".orchestra" / "commands" / "added.md"
    path.write_text(COMMAND.format(description="Added"), encoding="utf-8")


def _remove_command(setup: Setup) -> None:
    (setup.workspace / ".orchestra" / "commands" / "fix-here.md").unlink()


def _create_folder_looked_for(setup: Setup) -> None:
    # Claude Code's project commands: looked for, absent when the listing was stored.
    folder = setup.workspace / ".claude" / "commands"
    folder.mkdir(parents=True)
    (folder / "claude-one.md").write_text("---\ndescription: From Claude\n---\nSay hi.\n")


def _move_user_config(setup: Setup) -> None:
    # XDG_CONFIG_HOME, read by the load: the user layer is elsewhere now.
    other = Path(setup.env["XDG_CONFIG_HOME"]).parent / "other-config"
    (other / "orchestra" / "commands").mkdir(parents=True)
    (other / "orchestra" / "commands" / "mine.md").write_text(COMMAND.format(description="Mine"))
    setup.env["XDG_CONFIG_HOME"] = str(other)


def _change_orchestra_code(setup: Setup) -> None:
    path = next((setup.cache / "orchestra" / "listing").glob("*.json"))
    stored = json.loads(path.read_text())
    stored["key"]["code"] = "the code of another Orchestra"
    path.write_text(json.dumps(stored))


CHANGES: dict[str, Callable[[Setup], None]] = {
    "a command file edited to the same size and time": _edit_same_size,
    "a command file added": _add_command,
    "a command file removed": _remove_command,
    "a folder looked for and absent, created": _create_folder_looked_for,
    "the user's config folder moved (XDG_CONFIG_HOME)": _move_user_config,
    "Orchestra's code changed": _change_orchestra_code,
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
async def test_each_kind_of_change_invalidates_the_stored_listing(
    setup: Setup, change: str
) -> None:
    await setup.plant()
    CHANGES[change](setup)
    await setup.assert_fresh()


async def test_a_variable_the_load_read_changed_invalidates_it(setup: Setup) -> None:
    """A listing is stored only without MCP servers, and `${VAR}`s are only in their
    configuration: so the variable a load read is added to the stored facts here, as
    a load that expands one records it, and then changed."""
    setup.env["LISTING_TOOL"] = "/bin/true"
    await setup.plant()
    path = await setup.entry()
    stored = json.loads(path.read_text())
    fact = "set " + inputs.digest(b"/bin/true")
    stored["inputs"].append(["environment", "LISTING_TOOL", fact])
    path.write_text(json.dumps(stored))
    first, _ = await setup.listings()
    assert MARKER in names(first)  # the fact holds: still served
    setup.env["LISTING_TOOL"] = "/bin/echo"
    await setup.assert_fresh()


async def test_with_mcp_servers_nothing_is_stored(setup: Setup) -> None:
    mcp = {"mcpServers": {"tickets": {"command": "tickets-server", "disabled": True}}}
    (setup.workspace / ".mcp.json").write_text(json.dumps(mcp), encoding="utf-8")
    first, later = await setup.listings()
    assert first == later
    # The child as the server starts it, run to its end: it declines, and stores nothing.
    done = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp.lsp.prefetch", str(setup.workspace)],
        env={**os.environ, **setup.env},
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert json.loads(done.stdout)["commands"] is None
    assert not list(setup.cache.rglob("*.json"))


@pytest.mark.parametrize("garbage", [b"", b"{not json", b'{"key": 1}', b'{"inputs": [[1]]}'])
async def test_a_corrupt_stored_listing_is_ignored_and_rewritten(
    setup: Setup, garbage: bytes
) -> None:
    first, _ = await setup.listings()
    path = await setup.entry()
    path.write_bytes(garbage)
    again, engine = await setup.listings()
    assert again == engine == first
    for _ in range(300):
        if path.read_bytes() != garbage:
            break
        await asyncio.sleep(0.1)
    assert json.loads(path.read_text())["result"] == first


async def test_a_first_start_in_a_folder_that_defines_nothing_reuses_another_folders(
    setup: Setup, tmp_path: Path
) -> None:
    """Relocation: the listing stored for one folder that defines nothing answers a
    server's first `orchestra/commands` in another such folder (a marker planted in it
    shows it is in use); a folder with a command of its own gets the engine's. The
    person has a command of their own: the listing Orchestra ships (`shipped_listing`,
    for a person who defines nothing either) does not hold, and a child computes it."""
    folders = {name: tmp_path / name for name in ("first", "second", "third")}
    for folder in folders.values():
        (folder / ".orchestra").mkdir(parents=True)
    personal = tmp_path / "config" / "orchestra" / "commands"
    personal.mkdir(parents=True)
    (personal / "mine.md").write_text(COMMAND.format(description="Mine"), encoding="utf-8")
    (folders["third"] / ".orchestra" / "commands").mkdir()
    (folders["third"] / ".orchestra" / "commands" / "here.md").write_text(
        COMMAND.format(description="Here"), encoding="utf-8"
    )
    setup.workspace = folders["first"]
    first, _ = await setup.listings()
    relocatable = setup.cache / "orchestra" / "listing" / "relocatable"
    for _ in range(300):
        if stored := sorted(relocatable.glob("*.json")):
            break
        await asyncio.sleep(0.1)
    [path] = stored
    entry = json.loads(path.read_text())
    assert entry["result"] == first and "mine" in names(first)
    entry["result"]["commands"].append({**first["commands"][0], "name": MARKER})
    path.write_text(json.dumps(entry))
    setup.workspace = folders["second"]
    again, engine = await setup.listings()
    assert MARKER in names(again) and MARKER not in names(engine)
    assert [c for c in again["commands"] if c["name"] != MARKER] == engine["commands"]
    setup.workspace = folders["third"]
    assert "here" in names(await setup.assert_fresh())


async def test_a_first_start_ever_in_a_folder_that_defines_nothing_needs_no_child(
    setup: Setup, tmp_path: Path
) -> None:
    """An empty cache folder, a person who defines nothing: the first listing is the one
    Orchestra ships (`workspace/shipped_listing.py`), the engine's own; no child ran
    (none stored a listing). A command of the folder's own makes the next first start
    compute it."""
    home = tmp_path / "home"
    home.mkdir()
    setup.env = {**setup.env, "HOME": str(home)}
    setup.workspace = home / "projects" / "shop"
    (setup.workspace / "src").mkdir(parents=True)
    first, engine = await setup.listings()
    assert first == engine and {c["layer"] for c in first["commands"]} == {"built-in"}
    await asyncio.sleep(1)  # a child, had one run, stores its listing just after
    assert not list(setup.cache.rglob("*.json"))
    (setup.workspace / ".orchestra" / "commands").mkdir(parents=True)
    (setup.workspace / ".orchestra" / "commands" / "here.md").write_text(
        COMMAND.format(description="Here"), encoding="utf-8"
    )
    first, engine = await setup.listings()
    assert first == engine and "here" in names(first)
    await setup.entry()  # computed by a child, which stored it
