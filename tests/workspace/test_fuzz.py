"""Property: no bytes in any `.orchestra` file make the loader raise."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bad_files import STRUCTURE, good_workspace
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestra_lsp.workspace import load_workspace

FILES = [
    ".orchestra/CONTEXT.md",
    ".orchestra/config.toml",
    ".orchestra/mcp.json",
    ".orchestra/agents/a.md",
    ".orchestra/commands/c.md",
    ".claude/agents/x.md",
    ".claude/commands/y.md",
    ".mcp.json",
    "CLAUDE.md",
]

# Bytes near the formats find deeper paths than pure noise: fragments of front
# matter, YAML, TOML and JSON glued together at random.
FRAGMENTS = st.sampled_from(
    [
        b"---\n",
        b"name: x\n",
        b"tools: [read_file, mcp__a__*]\n",
        b"steps:\n  - id: s\n    agent: analyst\n    prompt: {{x}}\n",
        b"gate: approve\n",
        b"mode: automation\n",
        b"[model]\n",
        b"max_cost_usd = 'no'\n",
        b'{"mcpServers": {"s": {"command": 1, "url": null}}}',
        b"@../x.md\n",
        b"@a.md\n",
        b"\xff\xfe",
        b"\x00",
        b"- [\n",
        b"&a [*a]\n",
    ]
)
CONTENT = st.one_of(
    st.binary(max_size=300), st.lists(FRAGMENTS | st.binary(max_size=20), max_size=12).map(b"".join)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(FILES), CONTENT, min_size=1))
def test_loader_never_raises(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "repo"
        user = Path(folder) / "user"
        user.mkdir()
        for relative, data in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (root / ".orchestra" / "a.md").parent.mkdir(parents=True, exist_ok=True)
        (root / ".orchestra" / "a.md").write_bytes(files.get(".orchestra/CONTEXT.md", b""))
        workspace = load_workspace(root, user_dir=user, environ={})
        for diagnostic in workspace.diagnostics:
            assert diagnostic.message
            assert diagnostic.line >= 0 and diagnostic.column >= 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STRUCTURE)
def test_generated_structure_gives_positioned_single_line_problems(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = good_workspace(Path(folder) / "repo")
        user = Path(folder) / "user"
        user.mkdir()
        for relative, text in files.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text, encoding="utf-8")
        workspace = load_workspace(root, user_dir=user, environ={})
        assert workspace.complete
        for diagnostic in workspace.diagnostics:
            assert "internal error" not in diagnostic.message
            rendered = diagnostic.render(root)
            assert "\n" not in rendered and rendered.startswith(
                str(diagnostic.path.relative_to(root))
            )
