"""Front matter as Claude Code reads it: unquoted values with `: ` load with a
warning (and a quick fix), real YAML errors point where the construct opened."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from orchestra_lsp.workspace import Severity, load_workspace
from orchestra_lsp.workspace.lenient_front_matter import UNQUOTED_VALUE, quote, repair

WriteFiles = Callable[[dict[str, str]], Path]

# The shape `/agents` generates: one long unquoted line of examples, full of `: `.
REVIEWER = """---
name: pr-reviewer
description: Use this agent when a pull request is ready or code was just written. Examples: <example>Context: The user finished the billing module. user: "Done with invoices, can you look?" assistant: "I'll launch the pr-reviewer agent now." <commentary>Fresh code: use the pr-reviewer agent.</commentary></example> <example>Context: a refactor. user: 'check src/db.ts' </example>
tools: Read, Grep, Glob, Bash
model: inherit
color: orange
---
You are a meticulous reviewer. Report problems by severity.
"""

ODD_START = """---
description: @docs writer: keeps the docs in step with the code
---
Write docs.
"""


def test_generated_agent_with_examples_loads_with_a_warning(
    write_files: WriteFiles, user_dir: Path
) -> None:
    root = write_files({".claude/agents/pr-reviewer.md": REVIEWER})
    ws = load_workspace(root, user_dir=user_dir)

    agent = ws.agents["pr-reviewer"]
    assert agent.description.startswith("Use this agent when a pull request is ready")
    assert agent.description.endswith("user: 'check src/db.ts' </example>")
    assert agent.prompt == "You are a meticulous reviewer. Report problems by severity."
    assert ws.errors == []
    [warning] = [d for d in ws.diagnostics if d.code == UNQUOTED_VALUE]
    assert warning.severity is Severity.WARNING
    line = REVIEWER.splitlines()[warning.line]
    assert line.startswith("description: ")
    assert (warning.span.column, warning.span.end_column) == (len("description: "), len(line))


def test_value_starting_with_a_reserved_character_loads(
    write_files: WriteFiles, user_dir: Path
) -> None:
    root = write_files({".claude/commands/docs.md": ODD_START})
    ws = load_workspace(root, user_dir=user_dir)
    assert ws.commands["docs"].description == "@docs writer: keeps the docs in step with the code"
    assert [d.code for d in ws.diagnostics if d.path.name == "docs.md"] == [UNQUOTED_VALUE]


def test_the_quoted_value_reads_as_the_same_text() -> None:
    values = ["a: b 'c' \"d\" \\n e", "x:", "`cmd` runs: yes", "it's: fine"]
    for value in values:
        assert yaml.safe_load(f"k: {quote(value)}") == {"k": value}
    fixed, repairs = repair("name: ok\ndescription: a: b\ntools: [Read]\n")
    assert [r.key for r in repairs] == ["description"]
    assert yaml.safe_load(fixed)["description"] == "a: b"


def test_orchestra_files_are_read_as_leniently(write_files: WriteFiles, user_dir: Path) -> None:
    agent = "---\ndescription: Checks one thing: the build\ntools: [read_file]\n---\nCheck.\n"
    root = write_files({".orchestra/agents/checker.md": agent})
    ws = load_workspace(root, user_dir=user_dir)
    assert ws.agents["checker"].description == "Checks one thing: the build"
    assert [d.severity for d in ws.diagnostics if d.path.name == "checker.md"] == [Severity.WARNING]


def test_an_unclosed_flow_collection_is_reported_where_it_opened(
    write_files: WriteFiles, user_dir: Path
) -> None:
    root = write_files(
        {
            ".claude/agents/a.md": "---\nname: a\ndescription: [unclosed\nmodel: sonnet\n---\nx\n",
            ".claude/commands/b.md": "---\ndescription: ok\nallowed-tools: {Bash: yes\n---\nx\n",
            ".claude/agents/c.md": '---\ndescription: "never closed\nname: c\n---\nx\n',
        }
    )
    ws = load_workspace(root, user_dir=user_dir)
    where = {d.path.name: (d.line, d.column, d.message) for d in ws.errors}
    assert where["a.md"][:2] == (2, len("description: "))
    assert "flow sequence opened here is not closed" in where["a.md"][2]
    assert where["b.md"][:2] == (2, len("allowed-tools: "))
    assert "flow mapping" in where["b.md"][2]
    assert where["c.md"][:2] == (1, len("description: "))
    assert {"a", "c"}.isdisjoint(ws.agents) and "b" not in ws.commands


def test_a_broken_mapping_that_quoting_cannot_save_stays_an_error(
    write_files: WriteFiles, user_dir: Path
) -> None:
    root = write_files({".claude/agents/d.md": "---\nname: d\n  bad indent: x: y\n---\nx\n"})
    ws = load_workspace(root, user_dir=user_dir)
    assert "d" not in ws.agents
    assert [d.severity for d in ws.diagnostics if d.path.name == "d.md"] == [Severity.ERROR]
