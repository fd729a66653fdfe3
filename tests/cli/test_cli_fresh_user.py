"""What a person coming from Claude Code meets first in `orchestra check` (a real
subprocess on real files): a misspelt model or MCP server name is a positioned warning
with the closest right name; a permission mode that is nobody's is named as invalid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from orchestra_lsp.retirement import CLAUDE_MODEL_ALIASES, known_models


def check(root: Path) -> list[str]:
    """`orchestra check`'s problem lines (`path:line:column: severity: message`)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC")},
        "HOME": str(root / "home"),
        "XDG_CONFIG_HOME": str(root / "home" / "xdg"),
        "XDG_CACHE_HOME": str(root / "home" / "cache"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "check"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return [line for line in done.stdout.splitlines() if ": " in line]


def write(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def agent(model: str, extra: str = "") -> str:
    # `name` last, so the positions the tests expect stay; one of its own per text (Claude
    # Code reads an agent only with a name).
    name = f"reviewer-{zlib.crc32((model + extra).encode()):08x}"
    return (
        f"---\ndescription: Reviews.\nmodel: {model}\n{extra}name: {name}\n---\n"
        "Review the change.\n"
    )


#: (written, the suggestion): aliases and ids of the installed SDK, misspelt.
MISSPELT = [
    ("sonet", "sonnet"),
    ("opuss", "opus"),
    ("Haiku", "haiku"),
    ("inherrit", "inherit"),
    ("claude-sonet-5-5", "claude-sonnet-5-5"),
    ("claude-opus-4.7", "claude-opus-4-7"),
    # Ids made like the SDK's but older than its list are suggested by their words.
    ("claude-sonet-4-5", "claude-sonnet-4-5"),
    ("Claude_Haiku_3_5", "claude-haiku-3-5"),
]


@pytest.mark.parametrize(("written", "meant"), MISSPELT)
def test_a_misspelt_model_in_a_claude_agent_is_warned_where_written(
    tmp_path: Path, written: str, meant: str
) -> None:
    root = write(tmp_path, {".claude/agents/critic.md": agent(written)})
    [line] = [line for line in check(root) if "critic.md" in line]
    assert line.startswith(".claude/agents/critic.md:3:8: warning: ")
    assert f"unknown model '{written}'; did you mean '{meant}'?" in line


def test_every_model_claude_code_takes_is_quiet(tmp_path: Path) -> None:
    models = [*CLAUDE_MODEL_ALIASES, *sorted(known_models())]
    files = {f".claude/agents/a{i}.md": agent(model) for i, model in enumerate(models)}
    files[".claude/agents/dated.md"] = agent("claude-sonnet-5-5-20260101")
    # Made like the SDK's ids: older or newer than its list, not misspelt.
    files[".claude/agents/older.md"] = agent("claude-3-5-sonnet-20241022")
    files[".claude/agents/other.md"] = agent("claude-opus-4-1")
    # Shaped like an id and near none: maybe newer than the SDK, so not called unknown.
    files[".claude/agents/newer.md"] = agent("claude-zephyr-9")
    root = write(tmp_path, files)
    assert [line for line in check(root) if "model" in line and "deprecated" not in line] == []


def test_model_fields_everywhere_are_checked(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".orchestra/agents/worker.md": agent("claude-sonnet-55", "tools: [read_file]\n"),
            # Claude Code's aliases are its files' words; `.orchestra` files take ids.
            ".orchestra/agents/aliased.md": agent("opus", "tools: [read_file]\n"),
            ".orchestra/config.toml": '[model]\nname = "claude-haiku-55"\n',
            ".claude/commands/fix.md": "---\nmodel: sonnett\n---\nFix it.\n",
            ".claude/skills/lint/SKILL.md": "---\ndescription: L\nmodel: opsu\n---\nLint.\n",
        },
    )
    lines = check(root)
    assert any(
        line.startswith(
            ".orchestra/agents/worker.md:3:8: warning: unknown model "
            "'claude-sonnet-55'; did you mean 'claude-sonnet-5-5'?"
        )
        for line in lines
    ), lines
    assert any(
        line.startswith(
            ".orchestra/agents/aliased.md:3:8: warning: model 'opus' is Claude Code's alias"
        )
        and "'claude-opus-5-5'" in line
        for line in lines
    ), lines
    assert any(
        line.startswith(".orchestra/config.toml:2:8: warning: unknown model 'claude-haiku-55'")
        for line in lines
    ), lines
    assert any(
        line.startswith(
            ".claude/commands/fix.md:2:8: warning: unknown model 'sonnett'; did you mean 'sonnet'?"
        )
        for line in lines
    ), lines
    assert any(
        line.startswith(".claude/skills/lint/SKILL.md:3:8: warning: unknown model 'opsu'")
        for line in lines
    ), lines


MCP = json.dumps({"mcpServers": {"echo": {"command": "echo"}, "tickets": {"command": "true"}}})


def test_an_mcp_server_no_file_defines_is_warned_at_its_name(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".mcp.json": MCP,
            ".orchestra/mcp.json": json.dumps({"mcpServers": {"github": {"command": "true"}}}),
            # Every tool, so the server's tools would be offered if it existed.
            ".claude/agents/flow.md": agent("sonnet", "mcpServers: [echoo, tickets]\n"),
            # Some tools listed: the unknown server used to go unsaid.
            ".claude/agents/listed.md": agent(
                "sonnet", "tools: Read, Grep\nmcpServers:\n  - github\n  - tikets\n"
            ),
            ".claude/agents/written.md": agent("sonnet", "mcpServers: gihtub\n"),
            ".claude/agents/far.md": agent("sonnet", "mcpServers: [jira]\n"),
        },
    )
    lines = [line for line in check(root) if "MCP server" in line]
    assert lines == [
        ".claude/agents/far.md:4:14: warning: MCP server 'jira' is not defined in .mcp.json or "
        ".orchestra/mcp.json (defined: echo, github, tickets); the agent gets no tools from it",
        ".claude/agents/flow.md:4:14: warning: MCP server 'echoo' is not defined in .mcp.json "
        "or .orchestra/mcp.json (did you mean 'echo'?); the agent gets no tools from it",
        ".claude/agents/listed.md:7:5: warning: MCP server 'tikets' is not defined in .mcp.json "
        "or .orchestra/mcp.json (did you mean 'tickets'?); the agent gets no tools from it",
        ".claude/agents/written.md:4:13: warning: MCP server 'gihtub' is not defined in "
        ".mcp.json or .orchestra/mcp.json (did you mean 'github'?); the agent gets no tools "
        "from it",
    ]


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        (
            "yolo",
            "defaultMode 'yolo' is not a valid permission mode; valid: default, "
            "acceptEdits, plan, bypassPermissions, dontAsk; ignored",
        ),
        (
            "acceptedits",
            "defaultMode 'acceptedits' is not a valid permission mode (did you "
            "mean 'acceptEdits'?); valid: default, acceptEdits, plan, bypassPermissions, "
            "dontAsk; ignored",
        ),
        # Claude Code's own modes that Orchestra has no use for are said as such.
        ("plan", "defaultMode 'plan': it has no meaning in Orchestra; ignored"),
    ],
)
def test_a_permission_mode_that_is_nobodys_is_called_invalid(
    tmp_path: Path, mode: str, said: str
) -> None:
    settings = {"permissions": {"defaultMode": mode}}
    root = write(tmp_path, {".claude/settings.json": json.dumps(settings, indent=2)})
    assert f".claude/settings.json:3:20: warning: {said}" in check(root)


def test_a_misspelt_hook_event_is_not_called_a_claude_code_one(tmp_path: Path) -> None:
    hooks: dict[str, dict[str, list[object]]] = {"hooks": {"PreToolUs": [], "Notification": []}}
    root = write(tmp_path, {".claude/settings.json": json.dumps(hooks, indent=2)})
    lines = [line for line in check(root) if "hook event" in line]
    assert lines == [
        ".claude/settings.json:3:5: warning: hook event 'PreToolUs' is not a Claude Code hook "
        "event (did you mean 'PreToolUse'?); ignored",
        ".claude/settings.json:4:5: warning: hook event 'Notification' has no meaning in "
        "Orchestra (it runs PreToolUse, PostToolUse, UserPromptSubmit, Stop, SubagentStop, "
        "SessionStart); ignored",
    ]


def test_an_mcp_tool_of_a_misspelt_server_names_the_closest(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".mcp.json": MCP,
            ".orchestra/agents/worker.md": agent(
                "claude-sonnet-5-5", "tools: [read_file, mcp__tikets__get_ticket]\n"
            ),
            ".orchestra/config.toml": '[permissions]\nallow = ["mcp__ecoh__*"]\n',
        },
    )
    lines = [line for line in check(root) if "no MCP server" in line]
    assert lines == [
        ".orchestra/agents/worker.md:4:20: error: no MCP server 'tikets' is configured in "
        "mcp.json (did you mean 'tickets'?) (configured: echo, tickets)",
        ".orchestra/config.toml:2:10: warning: no MCP server 'ecoh' is configured in mcp.json "
        "(did you mean 'echo'?) (configured: echo, tickets); this rule never applies",
    ], lines


def test_a_misspelt_preloaded_skill_names_the_closest(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".claude/skills/release-notes/SKILL.md": "---\ndescription: R\n---\nWrite them.\n",
            ".claude/agents/writer.md": agent("sonnet", "skills: [release-note]\n"),
        },
    )
    lines = [line for line in check(root) if "skill 'release-note'" in line]
    assert lines == [
        ".claude/agents/writer.md:4:10: warning: skill 'release-note' is not defined (did you "
        "mean 'release-notes'?) (skills: release-notes); it is not preloaded"
    ], lines
