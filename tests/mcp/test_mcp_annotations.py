"""Tool annotations inform the default permission policy: a tool its server marks
`readOnlyHint` runs without asking; a destructive one (or one that does not say) asks,
which an unattended run (`--yes`) refuses; config.toml rules override either way."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from client_helpers import SERVERS, mcp_workspace, run_cli


def _calls(*tools: str) -> list[dict[str, Any]]:
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": f"mcp__a__{tool}", "input": {}}]}} for tool in tools
    ]
    return [*script, {"reply": {"text": "done"}}]


def _decisions(root: Path, config: str = "") -> dict[str, tuple[str, str, str]]:
    mcp_workspace(
        root,
        {"a": {"command": sys.executable, "args": [str(SERVERS / "annotated_server.py")]}},
        tools=["mcp__a__*"],
        config=config,
    )
    run = run_cli(root, _calls("peek", "wipe", "tidy", "plain"))
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    run.model.assert_no_failures()
    results = [r["content"] for r in run.tool_results()]
    assert ("WIPED" in str(results[1])) == (
        run.events("permission_decided")[1]["verdict"] == "allow"
    )
    return {
        e["tool"].removeprefix("mcp__a__"): (e["verdict"], e["by"], e["reason"])
        for e in run.events("permission_decided")
    }


def test_read_only_runs_destructive_asks(tmp_path: Path) -> None:
    decided = _decisions(tmp_path)
    assert decided["peek"][:2] == ("allow", "policy")
    assert "marks it read-only" in decided["peek"][2]
    for tool in ("wipe", "tidy", "plain"):
        assert decided[tool][:2] == ("deny", "automation"), tool  # asks; nobody to ask
    assert "marks it destructive" in decided["wipe"][2]


def test_config_rules_override_the_hints(tmp_path: Path) -> None:
    config = '[permissions]\nallow = ["mcp__a__wipe"]\ndeny = ["mcp__a__peek"]\n'
    decided = _decisions(tmp_path, config)
    assert decided["peek"][0] == "deny" and "mcp__a__peek" in decided["peek"][2]
    assert decided["wipe"][:2] == ("allow", "policy")
