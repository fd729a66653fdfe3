"""Read deny rules hold for every tool that reads, through the real CLI.

A workspace's `.claude/settings.json` denies `Read(./.env)` and `Read(./secrets/**)`,
as a Claude Code user writes them; `.claude/settings.local.json` allows the real MCP
filesystem server (`mcp__fs`), whose reading tools it marks read-only, and `rg` and `cat`
(`Bash(rg:*)`). A scripted model asks `orchestra run --yes` for the secrets every way a
reading tool can: `search` with a path, `search` across the workspace and under a
folder, `list_files`, `edit`'s `view` of a folder, a symbolic link to `.env`, the
server's `read_text_file`, `read_multiple_files` and folder-wide tools with relative,
absolute and `file:` paths, and shell commands allowed by prefix that read the files
they name or whole folders (`grep -r`, `rg`, `cat secrets/*`, `find -exec cat`, `tar c`,
`cp -r`). None of the secret reaches the model, nor a withheld file's name; the files
that may be read still are, and the model is told that files were left out, or which
withheld file a refused command would have read.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from attack_helpers import committed, person_runs, run_events, tool_results

from orchestra_lsp.testing import ScriptedServer

FILESYSTEM = (
    Path(__file__).resolve().parents[1]
    / "mcp/node/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js"
)
STRIPE = "sk_live_51HiddenStripeSecret0042"
VAULT = "vault-password-9f8e7d6c5b4a"

AGENT = """\
---
name: reader
description: Reads things.
tools: [read_file, list_files, search, edit, run_shell, mcp__fs__*]
max_turns: 4
---
You read.
"""

COMMAND = """\
---
description: read
steps: [{"id": "read", "agent": "reader", "prompt": "Read."}]
---
"""


@pytest.fixture
def repo() -> Iterator[Path]:
    assert FILESYSTEM.exists(), f"{FILESYSTEM} is missing: run `make mcp-test-servers`"
    with tempfile.TemporaryDirectory(prefix="orchestra-read-rules-") as folder:
        root = Path(folder) / "repo"
        files = {
            ".orchestra/agents/reader.md": AGENT,
            ".orchestra/commands/read.md": COMMAND,
            ".orchestra/config.toml": '[model]\nname = "claude-sonnet-4-6"\n'
            '[permissions]\nallow = ["read_file", "list_files", "search", "edit", '
            '"run_shell(grep *)", "run_shell(find *)", "run_shell(head *)", '
            '"run_shell(tar *)", "run_shell(cp *)", "run_shell(git grep *)"]\n',
            ".orchestra/mcp.json": json.dumps(
                {"mcpServers": {"fs": {"command": "node", "args": [str(FILESYSTEM), str(root)]}}}
            ),
            ".claude/settings.json": json.dumps(
                {"permissions": {"deny": ["Read(./.env)", "Read(./secrets/**)"]}}
            ),
            ".claude/settings.local.json": json.dumps(
                {"permissions": {"allow": ["mcp__fs", "Bash(rg:*)", "Bash(cat:*)", "Bash(cd:*)"]}}
            ),
            ".env": f"STRIPE_KEY={STRIPE}\n",
            "secrets/prod.txt": f"STRIPE_VAULT={VAULT}\n",
            "src/app.py": "STRIPE_PUBLIC = 'pk_test_public'\n",
            ".gitignore": ".orchestra/runs/\n",
        }
        yield committed(root, files, links={"env-link": ".env"})


def _run(
    root: Path, script: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], str, dict[str, str]]:
    """The run's journal, everything the model received, and what it was told of each
    tool call (by call id)."""
    with ScriptedServer(script) as model:
        person_runs(root, "run", "read", "--yes", model_url=model.base_url)
        model.assert_no_failures()
        model.assert_all_consumed()
        sent = "\n".join(r.raw.decode("utf-8", "replace") for r in model.requests)
        told = tool_results(model)
    return run_events(root), sent, told


def _results(events: list[dict[str, Any]]) -> dict[str, tuple[bool, str]]:
    """(is_error, summary) of each call, by call id."""
    return {
        str(e["call_id"]): (bool(e["is_error"]), str(e["summary"]))
        for e in events
        if e["type"] == "tool_call_finished"
    }


def test_read_deny_rules_hold_for_search_list_files_and_mcp_tools(repo: Path) -> None:
    refused = {
        "search-env": ("search", {"pattern": "STRIPE", "path": ".env"}),
        "search-dot-env": ("search", {"pattern": "sk_", "path": "./src/../.env"}),
        "search-secret": ("search", {"pattern": "VAULT", "path": "secrets/prod.txt"}),
        "search-link": ("search", {"pattern": "STRIPE", "path": "env-link"}),
        "read-link": ("read_file", {"path": "env-link"}),
        "edit-view-env": ("edit", {"command": "view", "path": ".env"}),
        "edit-view-secret": ("edit", {"command": "view", "path": "secrets/prod.txt"}),
        "edit-secret": (
            "edit",
            {"command": "str_replace", "path": "secrets/prod.txt", "old_str": "S", "new_str": "S"},
        ),
        "mcp-env": ("mcp__fs__read_text_file", {"path": str(repo / ".env")}),
        "mcp-rel": ("mcp__fs__read_text_file", {"path": "secrets/prod.txt"}),
        "mcp-uri": ("mcp__fs__read_text_file", {"path": f"file://{repo}/.env"}),
        "mcp-many": (
            "mcp__fs__read_multiple_files",
            {"paths": [str(repo / "src/app.py"), str(repo / ".env")]},
        ),
        "mcp-folder": ("mcp__fs__directory_tree", {"path": str(repo / "secrets")}),
        "mcp-search": ("mcp__fs__search_files", {"path": str(repo), "pattern": "*"}),
    }
    allowed = {
        "search-all": ("search", {"pattern": "STRIPE|VAULT|sk_live"}),
        "search-folder": ("search", {"pattern": "VAULT", "path": "secrets"}),
        "list-all": ("list_files", {}),
        "list-secrets": ("list_files", {"path": "secrets"}),
        "view-root": ("edit", {"command": "view", "path": "."}),
        "view-secrets": ("edit", {"command": "view", "path": "secrets"}),
        "mcp-app": ("mcp__fs__read_text_file", {"path": str(repo / "src/app.py")}),
        "mcp-src": ("mcp__fs__list_directory", {"path": str(repo / "src")}),
    }
    calls = [
        {"id": call_id, "name": name, "input": args}
        for call_id, (name, args) in {**refused, **allowed}.items()
    ]
    script = [
        {"name": "read", "reply": {"tool_use": calls}},
        {"name": "done", "reply": {"text": "Done."}},
    ]
    events, sent, told = _run(repo, script)
    results = _results(events)
    for secret in (STRIPE, VAULT):
        assert secret not in sent, "a denied file's text reached the model"
    for call_id in refused:
        is_error, summary = results[call_id]
        assert is_error and "was not made" in summary, (call_id, summary)
    assert "`read_file(.env)`" in results["search-env"][1]
    assert "folder `.` holds `" in results["mcp-search"][1], results["mcp-search"]
    assert "folder `secrets` holds `secrets/prod.txt`" in results["mcp-folder"][1]
    for call_id in allowed:
        assert not results[call_id][0], (call_id, results[call_id])
    found = results["search-all"][1]
    assert "src/app.py:1:STRIPE_PUBLIC" in found and ".env" not in found, found
    assert "2 file(s) were left out by the permission policy" in found, found
    assert "1 file(s) were left out" in results["search-folder"][1]
    listed = results["list-all"][1]
    assert "src/app.py" in listed and "secrets/prod.txt" not in listed, listed
    assert ".env\n" not in listed and not listed.startswith(".env"), listed
    assert "left out by the permission policy" in results["list-secrets"][1]
    viewed = told["view-root"]
    assert "src/app.py" in viewed and "secrets/prod.txt" not in viewed, viewed
    assert "\n.env\n" not in f"{viewed}\n" and "secrets/" not in viewed, viewed
    assert "2 file(s) were left out by the permission policy" in viewed, viewed
    assert "1 file(s) were left out" in told["view-secrets"], told["view-secrets"]
    assert "pk_test_public" in results["mcp-app"][1]
    assert "app.py" in results["mcp-src"][1]


def test_read_deny_rules_hold_for_shell_commands_that_read_a_withheld_file(repo: Path) -> None:
    """Each refused command names the withheld file it would have read, and the rule."""
    refused = {
        "grep-root": ("grep -rn STRIPE .", "`.env`"),
        "grep-here": ("grep -r VAULT", "`"),
        "rg-here": ("rg VAULT", "`secrets/prod.txt`"),
        "rg-hidden": ("rg --hidden STRIPE src .env", "`.env`"),
        "cat-glob": ("cat secrets/*", "`secrets/prod.txt`"),
        "cat-link": ("cat env-link", "`.env`"),
        "cat-climb": ("cat src/../secrets/prod.txt", "`secrets/prod.txt`"),
        "head": ("head -n 5 secrets/prod.txt", "`secrets/prod.txt`"),
        "find-exec": ("find . -name '*.txt' -exec cat {} +", "`"),
        "tar": ("tar c . | cat", "`"),
        "cp-folder": ("cp -r secrets public", "`secrets/prod.txt`"),
        "piped": ("cat src/app.py | grep -r STRIPE - secrets", "`secrets/prod.txt`"),
        "cd-cat": ("cd secrets && cat prod.txt", "`secrets/prod.txt`"),
        # `git show` is allowed by default; a revision's file is that file
        "git-show": ("git show HEAD:secrets/prod.txt", "`secrets/prod.txt`"),
        "git-grep": ("git grep -n VAULT HEAD -- secrets", "`secrets/prod.txt`"),
    }
    allowed = {
        "grep-src": "grep -rn STRIPE_PUBLIC src",
        "rg-root": "rg -n STRIPE_PUBLIC src",
        "cat-app": "cat src/app.py",
        "git-show-app": "git show HEAD:src/app.py",
        "grep-name": "grep -rn .env src",  # a pattern that spells a withheld name
    }
    calls = [
        {"id": call_id, "name": "run_shell", "input": {"command": command}}
        for call_id, command in [*((k, c) for k, (c, _) in refused.items()), *allowed.items()]
    ]
    script = [
        {"name": "read", "reply": {"tool_use": calls}},
        {"name": "done", "reply": {"text": "Done."}},
    ]
    events, sent, told = _run(repo, script)
    for secret in (STRIPE, VAULT):
        assert secret not in sent, "a withheld file's text reached the model"
    assert not (repo / "public").exists()
    denied = [
        str(e["reason"])
        for e in events
        if e["type"] == "permission_decided" and e["verdict"] == "deny"
    ]
    assert len(denied) == len(refused), denied
    for call_id, (command, path) in refused.items():
        result = told[call_id]
        assert "was not made" in result, (command, result)
        assert f"holds {path}" in result or f"reads {path}" in result, (command, result)
        rule = "`read_file(.env)`" if path == "`.env`" else "`read_file("
        assert rule in result, (command, result)  # Claude Code's `Read(./.env)`, mapped
    for call_id, command in allowed.items():
        assert "was not made" not in told[call_id], (command, told[call_id])
    assert "STRIPE_PUBLIC" in told["grep-src"] and "STRIPE_PUBLIC" in told["rg-root"]
    assert "pk_test_public" in told["git-show-app"], told["git-show-app"]
