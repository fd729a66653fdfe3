"""Read and edit rules for every tool that reads or writes a path, decided by the one
policy on a real workspace folder: `search`'s path, MCP tool arguments that name
workspace paths (at any depth, in lists, as `file:` URIs, as plain strings that name an
existing file), read-only tools reading and other tools writing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestra_lsp.permissions import Policy, Verdict, named_paths


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name in (".env", "src/app.py", "config/prod.secret", "config/app.toml", "docs/a.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n")
    os.symlink("../.env", tmp_path / "src" / "settings")
    return tmp_path


def _policy(root: Path, **rules: list[str]) -> Policy:
    policy = Policy.from_strings(workspace=str(root), **rules)
    hints: dict[str, tuple[Verdict, str]] = {
        "mcp__fs__read_text_file": ("allow", "read-only"),
        "mcp__fs__write_file": ("ask", ""),
    }
    return policy.with_hints(hints, ["mcp__fs__read_text_file"])


def test_named_paths_finds_paths_wherever_an_mcp_call_names_them(root: Path) -> None:
    args = {
        "path": "./src/../.env",
        "options": {"files": ["docs/a.md", f"{root}/config/app.toml"]},
        "uri": f"file://{root}/src/app.py",
        "note": "src/app.py",  # an existing file, under no path-like key
        "title": "not a file",  # neither
        "remote": "https://example.com/.env",
        "outside": "/etc/passwd",
    }
    assert named_paths(args, str(root)) == [
        ".env",
        "docs/a.md",
        "config/app.toml",
        "src/app.py",
    ]


@pytest.mark.parametrize(
    ("tool", "args", "verdict"),
    [
        ("search", {"pattern": "x", "path": ".env"}, "deny"),
        ("search", {"pattern": "x", "path": "src/settings"}, "deny"),  # a link to .env
        ("search", {"pattern": "x", "path": "config/prod.secret"}, "ask"),
        ("search", {"pattern": "x", "path": "src"}, "allow"),
        ("list_files", {"path": ".env"}, "deny"),
        ("read_file", {"path": "src/settings"}, "deny"),
        ("edit", {"command": "view", "path": "./.env"}, "deny"),
        ("edit", {"command": "view", "path": "config/prod.secret"}, "ask"),
        ("edit", {"command": "str_replace", "path": "config/prod.secret"}, "ask"),
        ("edit", {"command": "view", "path": "docs/a.md"}, "allow"),
        ("mcp__fs__read_text_file", {"path": ".env"}, "deny"),
        ("mcp__fs__read_text_file", {"path": {"nested": ["file://ROOT/.env"]}}, "deny"),
        ("mcp__fs__read_text_file", {"query": "config/prod.secret"}, "ask"),
        ("mcp__fs__read_text_file", {"path": "config"}, "ask"),  # a folder holding one
        ("mcp__fs__read_text_file", {"path": "src/app.py"}, "allow"),
        ("mcp__fs__read_text_file", {"path": "docs"}, "allow"),
        ("mcp__fs__write_file", {"path": "src/app.py", "content": "y"}, "deny"),
        ("mcp__fs__write_file", {"path": ".orchestra/config.toml", "content": "y"}, "ask"),
        ("mcp__fs__write_file", {"path": "docs/b.md", "content": "y"}, "allow"),
    ],
)
def test_every_reader_and_writer_meets_the_same_rules(
    root: Path, tool: str, args: dict[str, object], verdict: str
) -> None:
    args = {k: _rooted(v, root) for k, v in args.items()}
    policy = _policy(
        root,
        allow=["read_file", "list_files", "search", "edit", "mcp__fs__*"],
        ask=["read_file(config/*.secret)"],
        deny=["read_file(.env)", "edit(src/**)"],
    )
    assert policy.decide(tool, args).verdict == verdict, policy.decide(tool, args)


def _rooted(value: object, root: Path) -> object:
    """`value` with ROOT in its strings replaced by the workspace's path."""
    if isinstance(value, str):
        return value.replace("ROOT", str(root))
    if isinstance(value, dict):
        return {k: _rooted(v, root) for k, v in value.items()}
    if isinstance(value, list):
        return [_rooted(v, root) for v in value]
    return value


def test_a_bare_read_file_ask_does_not_withhold_every_file_from_search(root: Path) -> None:
    policy = _policy(root, allow=["search"], ask=["read_file"])
    assert policy.withholds("src/app.py") is None
    assert policy.decide("search", {"pattern": "x", "path": "src/app.py"}).verdict == "allow"
    denied = _policy(root, allow=["search"], deny=["read_file"])
    assert denied.decide("search", {"pattern": "x", "path": "src/app.py"}).verdict == "deny"
