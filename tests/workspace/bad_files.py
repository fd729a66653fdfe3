"""Generated bad input for the loader, shared by the `orchestra check` and the
language-server tests: file-system kinds (FIFOs, folders where files belong, symlink
loops, huge and deep files, fan-out imports) and hypothesis strategies for structure.

Each `Kind` breaks one place of a good workspace and can put it right again, so a test
can check both the diagnostic and the recovery after the fix.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

GOOD_CONFIG = "[model]\nmax_output_tokens = 4096\n"
GOOD_MCP = '{"mcpServers": {}}\n'
GOOD_CONTEXT = "Be brief.\n"
GOOD_AGENT = "---\nname: checker\ndescription: Checks\ntools: [read_file]\n---\nCheck.\n"


@dataclass(frozen=True)
class Kind:
    name: str
    path: str
    """The file (or folder) the diagnostic must be at, relative to the root."""
    make: Callable[[Path], object]
    good: str | None
    """The text that fixes it (None: it was the agents folder; make it again)."""

    def break_(self, root: Path) -> None:
        target = root / self.path
        _remove(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.make(target)

    def fix(self, root: Path) -> None:
        target = root / self.path
        _remove(target)
        if self.good is not None:
            target.write_text(self.good, encoding="utf-8")
        else:
            target.mkdir()
            (target / "checker.md").write_text(GOOD_AGENT, encoding="utf-8")


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file() or path.is_fifo():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _text(text: str) -> Callable[[Path], object]:
    return lambda path: path.write_text(text, encoding="utf-8")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path) -> None:
    path.mkdir()


def _fan_out_imports(path: Path) -> None:
    """20 lines importing f1, each of f1..f3 importing the next 20 times, f4 = hello."""
    root = path.parent.parent
    for level in (1, 2, 3):
        (root / f"f{level}.md").write_text(f"@f{level + 1}.md\n" * 20, encoding="utf-8")
    (root / "f4.md").write_text("hello\n", encoding="utf-8")
    path.write_text("@../f1.md\n" * 20, encoding="utf-8")


def _loop_search_path(path: Path) -> None:
    root = path.parent.parent
    loop = root / "loop"
    if loop.is_symlink():
        loop.unlink()
    loop.symlink_to("loop")
    path.write_text('search_paths = ["loop"]\n', encoding="utf-8")


def _deep_yaml_indent(path: Path) -> None:
    lines = "".join(" " * depth + "a:\n" for depth in range(400))
    path.write_text(f"---\ntools: [read_file]\nx:\n{lines}---\nBody\n", encoding="utf-8")


KINDS = [
    Kind("config-fifo", ".orchestra/config.toml", _fifo, GOOD_CONFIG),
    Kind("context-fifo", ".orchestra/CONTEXT.md", _fifo, GOOD_CONTEXT),
    Kind("agent-fifo", ".orchestra/agents/checker.md", _fifo, GOOD_AGENT),
    Kind("config-folder", ".orchestra/config.toml", _folder, GOOD_CONFIG),
    Kind("mcp-folder", ".orchestra/mcp.json", _folder, GOOD_MCP),
    Kind("claude-md-folder", "CLAUDE.md", _folder, GOOD_CONTEXT),
    Kind("mcp-deep", ".orchestra/mcp.json", _text('{"mcpServers": ' + "[" * 100_000), GOOD_MCP),
    Kind("dot-mcp-deep", ".mcp.json", _text("[" * 100_000), GOOD_MCP),
    Kind("toml-deep-array", ".orchestra/config.toml", _text("a = " + "[" * 100_000), GOOD_CONFIG),
    Kind("toml-deep-table", ".orchestra/config.toml", _text("a = " + "{b=" * 50_000), GOOD_CONFIG),
    Kind(
        "yaml-deep-flow",
        ".orchestra/agents/checker.md",
        _text("---\ntools: " + "[" * 100_000),
        GOOD_AGENT,
    ),
    Kind("yaml-deep-indent", ".orchestra/agents/checker.md", _deep_yaml_indent, GOOD_AGENT),
    Kind(
        "huge-number",
        ".orchestra/mcp.json",
        _text('{"mcpServers": {"s": {"command": "x", "timeout": ' + "9" * 5000 + "}}}"),
        GOOD_MCP,
    ),
    Kind(
        "huge-number-toml",
        ".orchestra/config.toml",
        _text("[mcp]\ncall_timeout_seconds = " + "9" * 5000 + "\n"),
        GOOD_CONFIG,
    ),
    Kind(
        "huge-number-yaml",
        ".orchestra/agents/checker.md",
        _text("---\nmax_turns: " + "9" * 5000 + "\n---\nBody\n"),
        GOOD_AGENT,
    ),
    Kind(
        "nul-search-path",
        ".orchestra/config.toml",
        _text('search_paths = ["a\\u0000b"]\n'),
        GOOD_CONFIG,
    ),
    Kind("loop-search-path", ".orchestra/config.toml", _loop_search_path, GOOD_CONFIG),
    Kind(
        "huge-file",
        ".orchestra/agents/checker.md",
        _text("---\n" + "#" * 2_000_000 + "\n---\n"),
        GOOD_AGENT,
    ),
    Kind(
        "binary",
        ".orchestra/agents/checker.md",
        lambda p: p.write_bytes(b"---\n\xff\xfe\x00"),
        GOOD_AGENT,
    ),
    Kind("fan-out-imports", ".orchestra/CONTEXT.md", _fan_out_imports, GOOD_CONTEXT),
    Kind("orchestra-agents-file", ".orchestra/agents", _text("not a folder"), None),
    Kind(
        "flow-keys",
        ".orchestra/commands/flow.md",
        _text(
            "---\ndescription: Flow\nsteps:\n  - id: t\n    agent: checker\n    prompt: x\n"
            "    output: {type: objekt}\n  - id: loop\n    repeat:\n      until: steps.nope."
            "output == 1\n      steps: [{id: a, agent: checker, prompt: y}]\n  - id: each\n"
            "    for_each: steps.t.output.x\n    steps: [{id: b, agent: checker, prompt: z}]\n---\n"
        ),
        "---\ndescription: Flow\nagent: checker\n---\nFlow.\n",
    ),
]


def by_name(name: str) -> Kind:
    return next(kind for kind in KINDS if kind.name == name)


def good_workspace(root: Path) -> Path:
    """A workspace every kind can break: config, mcp.json, context, one agent, one command."""
    orchestra = root / ".orchestra"
    (orchestra / "agents").mkdir(parents=True)
    (orchestra / "commands").mkdir()
    (orchestra / "config.toml").write_text(GOOD_CONFIG, encoding="utf-8")
    (orchestra / "mcp.json").write_text(GOOD_MCP, encoding="utf-8")
    (orchestra / "CONTEXT.md").write_text(GOOD_CONTEXT, encoding="utf-8")
    (orchestra / "agents" / "checker.md").write_text(GOOD_AGENT, encoding="utf-8")
    (orchestra / "commands" / "review.md").write_text(
        "---\ndescription: Review\nagent: checker\n---\nReview {{file}}.\n", encoding="utf-8"
    )
    return root


# -- structure: text near the formats, glued at random -------------------------------------

_YAML_FRAGMENTS = [
    "name: x\n",
    "name: [\n",
    "tools: [read_file, nosuch, mcp__none__t]\n",
    "tools: 7\n",
    "max_turns: true\n",
    "max_turns: 99999999999999999999999999\n",
    "description: {a: b}\n",
    "unknown_key: 1\n",
    "steps:\n  - id: s\n    prompt: '{{x'\n",
    "steps:\n  - id: s\n    agent: nobody\n    prompt: hi {{ticket}}\n",
    "arguments:\n  - name: a\n  - name: a\n",
    "mode: automation\n",
    "gate: approve\n",
    "steps:\n  - id: s\n    when: steps.x.output ==\n    prompt: hi\n",
    "steps:\n  - id: g\n    repeat: {until: '1 <', steps: [{id: a, prompt: x}]}\n",
    "steps:\n  - id: f\n    for_each: 3\n    steps: [{id: a, prompt: x, output: {type: 7}}]\n",
    "    parallel: [{id: p, prompt: '{{steps.f.output.x}}'}]\n",
    "    as: 1\n    max_parallel: 0\n",
    "&a [*a, *a]\n",
    "- [[[[[[\n",
    "\t\n",
    ": :\n",
    "'\n",
]
_TOML_FRAGMENTS = [
    "[model]\n",
    "max_cost_usd = 'no'\n",
    "max_output_tokens = true\n",
    'search_paths = ["nowhere", "a\\u0000b"]\n',
    "a = [[[[[[[\n",
    "[[x]]\n",
    "b = 1e999\n",
    "c = 123456789012345678901234567890\n",
    "[permissions]\nallow = ['run_shell(']\n",
    '"\n',
]
_JSON_FRAGMENTS = [
    '{"mcpServers": {',
    '"s": {"command": "x", "timeout": true}',
    '"t": {"url": 5}',
    '"s": {"command": ""}',
    "}}",
    "[[[[[",
    ",",
    '"a__b": {"command": "x"}',
    "1e999",
    '{"mcpServers": {"s": {"command": "x"}, "s": {"command": "y"}}}',
]


def _glued(fragments: list[str], extra: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(fragments) | extra, max_size=10).map("".join)


NOISE = st.text(max_size=30)
FRONT_MATTER = _glued(_YAML_FRAGMENTS, NOISE).map(lambda yaml: f"---\n{yaml}---\nBody {{{{file}}\n")
TOML = _glued(_TOML_FRAGMENTS, NOISE)
JSON = _glued(_JSON_FRAGMENTS, NOISE)

#: {relative path: text} for the files one generated workspace breaks.
STRUCTURE = st.fixed_dictionaries(
    {},
    optional={
        ".orchestra/agents/checker.md": FRONT_MATTER,
        ".orchestra/commands/review.md": FRONT_MATTER,
        ".orchestra/config.toml": TOML,
        ".orchestra/mcp.json": JSON,
        ".claude/agents/helper.md": FRONT_MATTER,
    },
).filter(bool)
