"""Property: no bytes in Claude Code's, Copilot's or the skills' files make the loader
fail, and each problem is a positioned diagnostic, never an internal error."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestra_lsp.workspace import load_workspace
from orchestra_lsp.workspace.lenient_front_matter import repair
from orchestra_lsp.workspace.tool_names import split_tool_list

FILES = [
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".claude/skills/s/SKILL.md",
    ".claude/skills/s/ref.md",
    ".claude/agents/a.md",
    ".claude/commands/c.md",
    ".github/agents/g.agent.md",
    ".github/prompts/p.prompt.md",
    ".github/copilot-instructions.md",
    "AGENTS.md",
    "sub/AGENTS.md",
]

FRAGMENTS = st.sampled_from(
    [
        b"---\n",
        b'description: Use it when: <example>user: "x"</example>\n',
        b"tools: Read, Bash(git diff:*) Grep\n",
        b"disallowedTools: [Edit, 'Bash(rm:*)']\n",
        b"permissionMode: plan\n",
        b"mcpServers: {x: {command: y}}\n",
        b"skills: [s, nope]\n",
        b"allowed-tools: Bash(git log:*) Read\n",
        b"argument-hint: [pr] [prio]\n",
        b"tools: ['search/codebase', 'fetch']\n",
        b"Explain ${input:topic:hint} in ${file}\n",
        b'{"permissions": {"allow": ["Bash(ls:*)", "Read(~/x)", 3], "deny": "x"}}',
        b'{"hooks": {"PreToolUse": [{"matcher": "(", "hooks": [{"type": "x"}]}]}, "env": 1}',
        b'{"hooks": {"Stop": "no"}, "permissions": {"defaultMode": "bypassPermissions"}}',
        b"@~/notes.md\n",
        b"@~/../../etc/passwd\n",
        b"````\n```\n@x.md\n",
        b"!`echo hi`\n",
        b"\xff\xfe",
        b"\x00",
        b"- [\n",
    ]
)
CONTENT = st.one_of(
    st.binary(max_size=200), st.lists(FRAGMENTS | st.binary(max_size=20), max_size=10).map(b"".join)
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(FILES), CONTENT, min_size=1))
def test_loader_never_fails_on_claude_files(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "repo"
        home = Path(folder) / "home"
        (home / ".claude").mkdir(parents=True)
        for relative, data in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        workspace = load_workspace(
            root, user_dir=Path(folder) / "user", environ={}, claude_home=home / ".claude"
        )
        assert workspace.complete
        for diagnostic in workspace.diagnostics:
            assert "internal error" not in diagnostic.message, diagnostic
            assert diagnostic.line >= 0 and diagnostic.column >= 0


@given(st.text(max_size=200))
def test_repair_and_split_never_raise(text: str) -> None:
    fixed, repairs = repair(text)
    assert len(fixed) >= len(text)
    for found in repairs:
        assert found.column < found.end_column
    assert all(entry.strip() for entry in split_tool_list(text))
