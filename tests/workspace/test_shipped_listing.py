"""The listing Orchestra ships for a folder that defines nothing
(`workspace/shipped_listing.py`) is current, equals the loader's where it is used, and
is not used where anything the load consults differs.

Real folders, a real home and config folder per test, the real loader: where the
shipped listing holds it must be, byte for byte, what the loader computes for that
folder; each kind of difference a first start meets (a definition of the folder's own,
of the person's, a setting, an MCP server, a context file, places that coincide) must
make it a miss, after the same difference is shown to change what the loader reads.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orchestra_lsp.lsp import listing
from orchestra_lsp.workspace import inputs, load_workspace, shipped_listing

COMMAND = """---
description: {description}
steps:
  - id: say
    agent: general-purpose
    prompt: Say hello.
---
"""


def loaded(root: Path) -> tuple[dict[str, Any], inputs.Facts]:
    """What the loader lists for `root`, and the facts it consulted."""
    with inputs.recording() as recording:
        workspace = load_workspace(root)
        result = listing.commands_result(workspace.commands, workspace)
    return result, recording.facts


@pytest.fixture
def person(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of the test's own, with the config folder at its default place."""
    home = tmp_path / "home of a person é"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return home


def test_the_shipped_file_is_what_this_checkout_generates() -> None:
    """Stale when a built-in, the loader or the listing changed without it: run
    `python -m orchestra_lsp.workspace.shipped_listing`."""
    assert json.loads(shipped_listing.FILE.read_text(encoding="utf-8")) == (
        shipped_listing.generate()
    ), "the shipped listing is stale: python -m orchestra_lsp.workspace.shipped_listing"


@pytest.mark.parametrize("shape", shipped_listing.SHAPES)
@pytest.mark.parametrize("inside_home", [True, False])
def test_where_it_holds_it_is_the_loaders_listing(
    shape: tuple[str, ...], inside_home: bool, person: Path, tmp_path: Path
) -> None:
    """In folders of each shape, inside the home or not, with a space, a non-ASCII
    name and files that no load reads (the folder's code)."""
    root = (person if inside_home else tmp_path) / "src" / "my project ü"
    for name in shape:
        (root / name).mkdir(parents=True)
    (root / "app").mkdir(parents=True)
    (root / "app" / "main.py").write_text("print('hi')\n")
    (root / "README.md").write_text("# A project\n")
    shipped = shipped_listing.listing(root.resolve())
    assert shipped is not None
    expected, _ = loaded(root.resolve())
    assert json.dumps(shipped) == json.dumps(expected)
    assert all(c["layer"] == "built-in" for c in shipped["commands"])


def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / ".orchestra").mkdir(parents=True)
    return root.resolve()


DIFFERENCES: dict[str, Callable[[Path, Path], None]] = {
    "a command of the folder's own": lambda root, home: _write(
        root / ".orchestra" / "commands" / "here.md", COMMAND.format(description="Here")
    ),
    "a Claude Code command of the folder's": lambda root, home: _write(
        root / ".claude" / "commands" / "deploy.md", "Deploy the app.\n"
    ),
    "a command of the person's own": lambda root, home: _write(
        home / ".config" / "orchestra" / "commands" / "mine.md",
        COMMAND.format(description="Mine"),
    ),
    "the person's Claude Code settings": lambda root, home: _write(
        home / ".claude" / "settings.json", '{"permissions": {"deny": ["Bash(rm *)"]}}'
    ),
    "the folder's Claude Code settings": lambda root, home: _write(
        root / ".claude" / "settings.json", '{"model": "claude-sonnet-4-5"}'
    ),
    "an MCP server": lambda root, home: _write(
        root / ".mcp.json", '{"mcpServers": {"tickets": {"command": "tickets-server"}}}'
    ),
    "a CLAUDE.md": lambda root, home: _write(root / "CLAUDE.md", "Use tabs.\n"),
    "an AGENTS.md": lambda root, home: _write(root / "AGENTS.md", "Run make test.\n"),
    "the persistent context": lambda root, home: _write(
        root / ".orchestra" / "CONTEXT.md", "The shop.\n"
    ),
    "a Copilot prompt": lambda root, home: _write(
        root / ".github" / "prompts" / "plan.prompt.md", "Plan it.\n"
    ),
    "a skill of the person's": lambda root, home: _write(
        home / ".claude" / "skills" / "pdf" / "SKILL.md",
        "---\nname: pdf\ndescription: Read PDFs\n---\nRead them.\n",
    ),
    "Orchestra's config": lambda root, home: _write(
        root / ".orchestra" / "config.toml", 'model = "claude-sonnet-4-5"\n'
    ),
    "a symlinked home": lambda root, home: None,
}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("difference", sorted(DIFFERENCES))
def test_anything_the_load_reads_differently_is_a_miss(
    difference: str, person: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _folder(tmp_path)
    assert shipped_listing.listing(root) is not None
    _, before = loaded(root)
    if difference == "a symlinked home":
        link = tmp_path / "linked home"
        link.symlink_to(person)
        monkeypatch.setenv("HOME", str(link))
    DIFFERENCES[difference](root, person)
    _, after = loaded(root)
    assert after != before  # the loader reads the difference
    assert shipped_listing.listing(root) is None


def test_places_that_coincide_are_a_miss(person: Path, tmp_path: Path) -> None:
    """The home folder served, or a folder holding the home or the config folder: the
    generated layouts do not cover those loads."""
    assert shipped_listing.listing(person.resolve()) is None
    assert shipped_listing.listing(tmp_path.resolve()) is None
    assert shipped_listing.listing((person / "work").resolve()) is not None


def test_a_config_folder_elsewhere_is_the_one_asked(
    person: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`XDG_CONFIG_HOME` moves the person's Orchestra folder: a command there is seen."""
    root = _folder(tmp_path)
    config = tmp_path / "settings"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    assert shipped_listing.listing(root) is not None
    _write(config / "orchestra" / "commands" / "mine.md", COMMAND.format(description="Mine"))
    assert shipped_listing.listing(root) is None
    _write(person / ".config" / "orchestra" / "agents" / "x.md", "not read: not the config\n")
    (config / "orchestra" / "commands" / "mine.md").unlink()
    assert shipped_listing.listing(root) is not None
