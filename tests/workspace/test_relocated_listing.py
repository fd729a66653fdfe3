"""A first start in a folder with no listing of its own reuses one stored for another
folder only when every fact of it holds, read relative to the new folder
(`workspace/result_cache.py`, relocation; `workspace/inputs.relocated`).

Real folders, the real loader and the prefetch child as the server starts it: the
child stores the listing of one folder; each test then makes another folder and asks
the cache for it. Where it is reused it must equal what the loader computes for the
new folder; where anything differs that the load consulted, it must not be reused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestra_lsp.lsp import listing
from orchestra_lsp.lsp.prefetch import CACHE_NAME
from orchestra_lsp.workspace import inputs, load_workspace, result_cache

COMMAND = """---
description: {description}
steps:
  - id: say
    agent: general-purpose
    prompt: Say hello.
---
"""
AGENT = """---
name: analyst
description: An analyst of this folder's own, with no MCP tools
tools: [read_file]
---
You analyse.
"""


class World:
    """A home folder, a user config folder, a cache folder and the folder whose listing
    the prefetch child stored (`old`), all below `base`."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.home = base / "home"
        # A sibling of the stored folder whose name starts with the folder's: a rewrite
        # that is not at path boundaries would move it too.
        self.config = base / "proj-config"
        self.cache = base / "cache"
        self.old = base / "proj"
        self.env = {
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.config),
            "XDG_CACHE_HOME": str(self.cache),
        }

    def folder(self, name: str, files: dict[str, str] | None = None) -> Path:
        root = self.base / name
        root.mkdir(parents=True, exist_ok=True)
        for relative, text in (files or {}).items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root.resolve()

    def store(self, root: Path) -> None:
        """The prefetch child, as the server starts it, run to its end on `root`."""
        done = subprocess.run(
            [sys.executable, "-c", "from orchestra_lsp.lsp.prefetch import main; main()", root],
            env={**os.environ, **self.env},
            cwd=root,
            capture_output=True,
            check=True,
            timeout=120,
        )
        assert json.loads(done.stdout)["commands"] is not None

    def relocatable(self) -> list[Path]:
        return sorted((self.cache / "orchestra" / CACHE_NAME / "relocatable").glob("*.json"))


def computed(root: Path) -> dict[str, Any] | None:
    """What the prefetch child would answer for `root`: the loader's listing."""
    workspace = load_workspace(root)
    if workspace.mcp_servers:
        return None  # the child declines: MCP prompts are commands only the engine lists
    return listing.commands_result(workspace.commands, workspace)


def reused(root: Path) -> dict[str, Any] | None:
    return result_cache.cached(CACHE_NAME, root, relocate=True)


def _world(base: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    world = World(base)
    world.home.mkdir()
    (world.config / "orchestra" / "commands").mkdir(parents=True)
    (world.config / "orchestra" / "commands" / "mine.md").write_text(
        COMMAND.format(description="The person's own"), encoding="utf-8"
    )
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    return world


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """A stored listing of `proj`, a folder with an empty `.orchestra` and a file."""
    world = _world(tmp_path, monkeypatch)
    world.store(world.folder("proj", {".orchestra/.keep": "", "app.py": "x = 1\n"}))
    assert len(world.relocatable()) == 1
    yield world


def test_a_new_folder_of_the_same_shape_reuses_the_listing_computed_for_another(
    world: World,
) -> None:
    new = world.folder("elsewhere/new", {".orchestra/.keep": "", "README.md": "# New\n"})
    stored = reused(new)
    assert stored is not None
    assert stored == computed(new)
    names = [command["name"] for command in stored["commands"]]
    assert "mine" in names and "review-changes" in names


@pytest.mark.parametrize(
    "name",
    [
        "proj2",  # the stored folder's path is a prefix of this one's
        "pro",  # this one's path is a prefix of the stored folder's
        "proj/inner",  # inside the stored folder
    ],
)
def test_folders_whose_paths_share_a_prefix_reuse_it_exactly(world: World, name: str) -> None:
    new = world.folder(name, {".orchestra/.keep": ""})
    stored = reused(new)
    assert stored is not None and stored == computed(new)


def _command(new: Path) -> None:
    (new / ".orchestra" / "commands").mkdir(parents=True)
    (new / ".orchestra" / "commands" / "here.md").write_text(COMMAND.format(description="Here"))


def _agent(new: Path) -> None:
    # Overrides the built-in analyst: implement-ticket no longer needs an MCP server.
    (new / ".orchestra" / "agents").mkdir(parents=True)
    (new / ".orchestra" / "agents" / "analyst.md").write_text(AGENT)


def _claude_command(new: Path) -> None:
    (new / ".claude" / "commands" / "deep").mkdir(parents=True)
    (new / ".claude" / "commands" / "deep" / "claude.md").write_text(
        "---\ndescription: C\n---\nX\n"
    )


def _config(new: Path) -> None:
    extra = new / "defs" / "commands"
    extra.mkdir(parents=True)
    (extra / "extra.md").write_text(COMMAND.format(description="From search_paths"))
    (new / ".orchestra" / "config.toml").write_text('search_paths = ["defs"]\n')


def _mcp_json(new: Path) -> None:
    mcp = {"mcpServers": {"tickets": {"command": "tickets-server"}}}
    (new / ".mcp.json").write_text(json.dumps(mcp))


def _copilot_prompt(new: Path) -> None:
    (new / ".github" / "prompts").mkdir(parents=True)
    (new / ".github" / "prompts" / "p.prompt.md").write_text("---\ndescription: P\n---\nDo.\n")


def _skill(new: Path) -> None:
    (new / ".claude" / "skills" / "tidy").mkdir(parents=True)
    (new / ".claude" / "skills" / "tidy" / "SKILL.md").write_text(
        "---\nname: tidy\ndescription: Tidy up\n---\nTidy.\n"
    )


def _linked_definitions(new: Path) -> None:
    # `.orchestra` a link to a folder of definitions elsewhere in the workspace (a link out
    # of it is not read: see test_definition_links.py).
    real = new / "definitions"
    (real / "commands").mkdir(parents=True)
    (real / "commands" / "linked.md").write_text(COMMAND.format(description="Linked"))
    (new / ".orchestra" / ".keep").unlink()
    (new / ".orchestra").rmdir()
    (new / ".orchestra").symlink_to(real)


#: A change to a new folder of the stored one's shape that changes its listing.
LISTING_CHANGES: dict[str, Callable[[Path], None]] = {
    "a command in .orchestra/commands": _command,
    "an agent in .orchestra/agents": _agent,
    "a command in .claude/commands": _claude_command,
    "a config.toml with search_paths": _config,
    "an .mcp.json": _mcp_json,
    "a Copilot prompt file": _copilot_prompt,
    "a Claude Code skill": _skill,
    "a symlinked .orchestra with commands": _linked_definitions,
}


@pytest.mark.parametrize("change", list(LISTING_CHANGES), ids=list(LISTING_CHANGES))
def test_a_new_folder_with_definitions_of_its_own_does_not_reuse_it(
    world: World, change: str
) -> None:
    new = world.folder("new", {".orchestra/.keep": ""})
    assert reused(new) is not None  # the same shape: reused (nothing is stored for it)
    LISTING_CHANGES[change](new)
    fresh = computed(new)
    stored = json.loads(world.relocatable()[0].read_text())["result"]
    assert fresh != stored  # reusing it would be wrong
    assert reused(new) is None


def _no_orchestra_folder(new: Path) -> None:
    (new / ".orchestra" / ".keep").unlink()
    (new / ".orchestra").rmdir()


def _claude_md(new: Path) -> None:
    (new / "CLAUDE.md").write_text("Be brief.\n")


def _dangling_agents_md(new: Path) -> None:
    (new / "AGENTS.md").symlink_to(new.parent / "nowhere.md")


def _claude_settings(new: Path) -> None:
    (new / ".claude").mkdir()
    (new / ".claude" / "settings.json").write_text('{"permissions": {"deny": ["Bash(rm:*)"]}}')


#: Differences the listing does not show, but the load consulted: still not reused.
OTHER_CHANGES: dict[str, Callable[[Path], None]] = {
    "no .orchestra folder": _no_orchestra_folder,
    "a CLAUDE.md": _claude_md,
    "an AGENTS.md linked to nothing": _dangling_agents_md,
    "a Claude Code settings file": _claude_settings,
}


@pytest.mark.parametrize("change", list(OTHER_CHANGES), ids=list(OTHER_CHANGES))
def test_a_new_folder_that_differs_in_what_the_load_consulted_does_not_reuse_it(
    world: World, change: str
) -> None:
    new = world.folder("new", {".orchestra/.keep": ""})
    OTHER_CHANGES[change](new)
    assert reused(new) is None


def test_a_symlinked_root_does_not_reuse_it(world: World) -> None:
    real = world.folder("real", {".orchestra/.keep": ""})
    link = world.base / "link"
    link.symlink_to(real)
    assert reused(real) == computed(real)
    assert reused(link) is None  # its resolution is elsewhere: not the stored shape


def test_a_prefix_sharing_folder_with_a_command_does_not_reuse_it(world: World) -> None:
    for name in ("proj2", "pro"):
        new = world.folder(name, {".orchestra/.keep": ""})
        _command(new)
        assert reused(new) is None


def test_another_home_or_user_config_folder_does_not_reuse_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = world.folder("new", {".orchestra/.keep": ""})
    other_home = world.base / "other-home"
    (other_home / ".claude" / "skills" / "groom").mkdir(parents=True)
    (other_home / ".claude" / "skills" / "groom" / "SKILL.md").write_text(
        "---\nname: groom\ndescription: My skill\n---\nDo it.\n"
    )
    monkeypatch.setenv("HOME", str(other_home))
    assert computed(new) != json.loads(world.relocatable()[0].read_text())["result"]
    assert reused(new) is None
    monkeypatch.setenv("HOME", str(world.home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(world.base / "no-config"))
    assert reused(new) is None
    monkeypatch.setenv("XDG_CONFIG_HOME", str(world.config))
    assert reused(new) == computed(new)
    (world.config / "orchestra" / "commands" / "more.md").write_text(
        COMMAND.format(description="M")
    )
    assert reused(new) is None  # the person's folder changed: as for the folder's own entry


def test_a_path_below_the_old_root_taken_from_elsewhere_is_asked_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored folder is `~/.claude` itself: the load asked for `~/.claude/skills`
    because it is the person's skills folder, not because it is below the root. A new
    folder's load asks for it too, where it is: a skill added there must be listed."""
    world = _world(tmp_path, monkeypatch)
    old = world.folder("home/.claude")
    world.store(old)
    assert len(world.relocatable()) == 1
    new = world.folder("new")
    assert reused(new) == computed(new)
    (old / "skills" / "tidy").mkdir(parents=True)
    (old / "skills" / "tidy" / "SKILL.md").write_text("---\nname: tidy\ndescription: T\n---\nT.\n")
    fresh = computed(new)
    assert fresh is not None and "tidy" in [c["name"] for c in fresh["commands"]]
    assert reused(new) is None


def test_a_variable_the_load_read_is_checked(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only MCP configuration reads variables, and with MCP servers nothing is stored:
    the fact is added to the relocatable entry as a load that read one records it."""
    new = world.folder("new", {".orchestra/.keep": ""})
    monkeypatch.setenv("LISTING_TOOL", "/bin/true")
    [path] = world.relocatable()
    entry = json.loads(path.read_text())
    entry["inputs"].append(["environment", "LISTING_TOOL", "set " + inputs.digest(b"/bin/true")])
    path.write_text(json.dumps(entry))
    assert reused(new) is not None
    monkeypatch.setenv("LISTING_TOOL", "/bin/false")
    assert reused(new) is None
    monkeypatch.delenv("LISTING_TOOL")
    assert reused(new) is None


def test_another_orchestra_does_not_reuse_it(world: World) -> None:
    new = world.folder("new", {".orchestra/.keep": ""})
    [path] = world.relocatable()
    entry = json.loads(path.read_text())
    entry["key"]["code"] = "the code of another Orchestra"
    path.write_text(json.dumps(entry))
    assert reused(new) is None


# What is kept as relocatable.


def test_a_folder_with_definitions_of_its_own_is_not_kept_for_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _world(tmp_path, monkeypatch)
    old = world.folder("proj", {".orchestra/.keep": ""})
    _command(old)
    world.store(old)
    assert world.relocatable() == []
    assert result_cache.cache_file(CACHE_NAME, old).exists()  # its own entry is
    assert reused(world.folder("new", {".orchestra/.keep": ""})) is None


@pytest.mark.parametrize(
    "where",
    ["the person's command names the folder", "the home folder is the folder"],
)
def test_a_listing_that_depends_on_where_its_folder_is_is_not_kept_for_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    world = _world(tmp_path, monkeypatch)
    old = world.folder("proj")
    if where == "the home folder is the folder":
        monkeypatch.setenv("HOME", str(old))
        world.env["HOME"] = str(old)
    else:
        (world.config / "orchestra" / "commands" / "mine.md").write_text(
            COMMAND.format(description=f"Runs in {old}")
        )
    world.store(old)
    assert result_cache.cache_file(CACHE_NAME, old).exists()
    assert world.relocatable() == []


def test_a_few_shapes_are_kept_one_each_newest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _world(tmp_path, monkeypatch)
    world.store(world.folder("a"))
    world.store(world.folder("b", {"README.md": "# B\n"}))  # a's shape: replaces it
    assert len(world.relocatable()) == 1
    # Other shapes: each has a folder the load looks for (.orchestra exists, a skills
    # folder is a folder), none has a definition.
    shapes = [
        [".orchestra/.keep"],
        [".orchestra/skills/.keep"],
        [".claude/skills/.keep"],
        [".orchestra/skills/.keep", ".claude/skills/.keep"],
    ]
    for index, files in enumerate(shapes):
        world.store(world.folder(f"shape-{index}", dict.fromkeys(files, "")))
    assert len(world.relocatable()) == result_cache.RELOCATABLE_ENTRIES  # the oldest gone
    assert reused(world.folder("plain")) is None  # a's and b's shape was the oldest
    for files in shapes:
        new = world.folder(f"new-{len(files)}-{files[0]}", dict.fromkeys(files, ""))
        assert reused(new) == computed(new) is not None


# The facts themselves (`inputs.relocated`), from real loads.


def recorded(root: Path) -> inputs.Facts:
    with inputs.recording() as recording:
        load_workspace(root)
    assert recording.incomplete == []
    return recording.facts


@pytest.mark.parametrize("name", ["proj2", "pro", "proj/inner", "other/deeper/proj"])
def test_relocated_facts_are_those_a_load_of_the_new_folder_records(
    world: World, name: str
) -> None:
    new = world.folder(name, {".orchestra/.keep": ""})
    moved = inputs.relocated(recorded(world.old), str(world.old), str(new))
    assert moved is not None
    assert moved == recorded(new)
    assert inputs.relocated(recorded(new), str(new), str(world.old)) == recorded(world.old)


def _inner_link(root: Path) -> None:
    (root / "AGENTS.md").write_text("")
    (root / "CLAUDE.md").symlink_to(root / "AGENTS.md")


#: A folder's own files the load reads, and what no relocation can say alike.
DEPENDENT: dict[str, Callable[[Path], None]] = {
    "a command": _command,
    "a CLAUDE.md read": _claude_md,
    "a symlink inside the folder": _inner_link,
    "a symlink to nothing": _dangling_agents_md,
    "a Copilot prompt (a glob that found one)": _copilot_prompt,
}


@pytest.mark.parametrize("change", list(DEPENDENT), ids=list(DEPENDENT))
def test_facts_that_depend_on_the_folder_do_not_relocate(world: World, change: str) -> None:
    old = world.folder("dependent", {".orchestra/.keep": ""})
    new = world.folder("target", {".orchestra/.keep": ""})
    assert inputs.relocated(recorded(old), str(old), str(new)) == recorded(new)
    DEPENDENT[change](old)
    assert inputs.relocated(recorded(old), str(old), str(new)) is None


def test_facts_naming_the_folder_elsewhere_do_not_relocate(world: World) -> None:
    old = str(world.old)
    facts = recorded(world.old)
    assert inputs.relocated(facts, old, "/x") is not None
    for extra in [
        (("home", ""), old),  # the home folder is the folder
        (("user-config-dir", "orchestra"), old + "/config"),  # inside it
        (("resolve", "/elsewhere/link"), "= " + old + "/target"),  # a link into it
        (("glob", json.dumps(["/elsewhere", "*.md"])), json.dumps([old + "/a.md"])),
        (("listing", json.dumps([old + "/.orchestra/commands", ".md", False])), "0" * 40),
        (("shell-glob", json.dumps([old + "/*", old])), "[]"),  # an absolute pattern
        (("a-new-probe", old), "1"),
    ]:
        assert inputs.relocated({**facts, extra[0]: extra[1]}, old, "/x") is None, extra
    # A name that only starts like the folder's names something else.
    sibling = {("home", ""): old + "-home", ("resolve", old + ".d"): "= " + old + ".d"}
    assert inputs.relocated({**facts, **sibling}, old, "/x") is not None
    assert inputs.relocated(facts, "/", "/x") is None


@pytest.mark.parametrize("value", ["elsewhere", "the folder"])
def test_a_variable_naming_the_folder_keeps_it_from_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """A load that read a variable (as MCP configuration does) whose value names the
    folder: its fact is a hash, which no relocation can rewrite."""
    world = _world(tmp_path, monkeypatch)
    old = world.folder("proj")
    monkeypatch.setenv("PROJECT_DIR", str(old / "data") if value == "the folder" else "/srv")
    with inputs.recording() as recording:
        workspace = load_workspace(old)
        assert "PROJECT_DIR" in inputs.RecordedEnvironment()
    result = listing.commands_result(workspace.commands, workspace)
    result_cache.store(CACHE_NAME, old, recording, result, relocatable=True)
    assert result_cache.cache_file(CACHE_NAME, old).exists()
    assert len(world.relocatable()) == (0 if value == "the folder" else 1)


def test_a_stored_result_naming_its_folder_is_not_reused(world: World) -> None:
    new = world.folder("new", {".orchestra/.keep": ""})
    [path] = world.relocatable()
    entry = json.loads(path.read_text())
    entry["result"]["commands"][0]["uri"] = (world.old / "x.md").as_uri()
    path.write_text(json.dumps(entry))
    assert reused(new) is None
    entry["result"]["commands"][0]["uri"] = (world.base / "proj-x.md").as_uri()
    path.write_text(json.dumps(entry))
    assert reused(new) == entry["result"]  # a sibling's name only starts like it
