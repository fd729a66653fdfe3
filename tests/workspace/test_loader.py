"""The loader against real files: what loads, what is reported, and where."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from orchestra_lsp.retirement import deprecated_models
from orchestra_lsp.workspace import Layer, Severity, Workspace, load_workspace
from orchestra_lsp.workspace.builtins import builtins_dir

WriteFiles = Callable[[dict[str, str]], Path]


def load(root: Path, user_dir: Path, **kwargs: object) -> Workspace:
    return load_workspace(root, user_dir=user_dir, **kwargs)  # type: ignore[arg-type]


def problems(ws: Workspace, name: str) -> list[tuple[int, int, str, str]]:
    """(1-based line, 1-based column, severity, message) of one file's diagnostics."""
    return sorted(
        (d.line + 1, d.column + 1, d.severity.value, d.message)
        for d in ws.diagnostics
        if d.path.name == name
    )


AGENT = """---
name: tester
description: Tests things.
tools: [read_file, search]
---
You test things.
"""


def test_builtins_load_without_problems(write_files: WriteFiles, user_dir: Path) -> None:
    ws = load(write_files({}), user_dir)
    assert ws.diagnostics == []
    assert set(ws.agents) == {
        "analyst",
        "architect",
        "developer",
        "reviewer",
        "qa",
        "general-purpose",
    }
    assert set(ws.commands) == {
        "implement-ticket",
        "qa-ticket",
        "review-changes",
        "fix-diagnostic",
        "explain-selection",
    }
    implement = ws.commands["implement-ticket"]
    assert [(s.id, s.agent, s.gate) for s in implement.steps] == [
        ("requirements", "analyst", None),
        ("design", "architect", "approve"),
        ("implement", "developer", "review"),
        ("review", "reviewer", None),
    ]
    assert ws.commands["fix-diagnostic"].code_action is not None
    assert all(a.source.layer is Layer.BUILTIN for a in ws.agents.values())


def test_valid_repository_files(write_files: WriteFiles, user_dir: Path) -> None:
    root = write_files(
        {
            ".orchestra/agents/tester.md": AGENT,
            ".orchestra/commands/check-it.md": """---
description: Check a thing
arguments:
  - {name: thing, required: true}
steps:
  - id: look
    agent: tester
    prompt: Look at {{thing}} in {{file}}.
  - id: judge
    agent: tester
    prompt: |
      Judge what you saw:
      {{steps.look.output}}
    gate: approve
---
Be brief.
""",
            ".orchestra/config.toml": '[model]\nname = "claude-haiku-4-5"\n',
            ".orchestra/CONTEXT.md": "# Shop\nWe sell things.\n",
        }
    )
    ws = load(root, user_dir)
    assert ws.errors == []
    assert ws.config.model.name == "claude-haiku-4-5"
    command = ws.commands["check-it"]
    assert command.instructions == "Be brief."
    assert command.steps[1].gate == "approve"
    assert ws.agents["tester"].tools == ["read_file", "search"]
    assert "We sell things." in ws.context.text


# A command with three wrong steps (an unknown agent, a misspelt argument, a later
# step's output); its tests add a fourth problem after it, at line 15 or 16.
BAD_STEPS = """description: Bad
arguments:
  - {name: ticket}
steps:
  - id: one
    agent: nobody
    prompt: Read {{tiket}} now.
  - id: two
    agent: good
    prompt: "Use {{steps.three.output}} and {{steps.one.output}}"
  - id: three
    agent: good
    prompt: x
"""


def test_broken_files_are_reported_at_their_place(write_files: WriteFiles, user_dir: Path) -> None:
    root = write_files(
        {
            ".orchestra/agents/good.md": AGENT.replace("tester", "good"),
            ".orchestra/agents/typo.md": "---\nname: typo\ndescrption: oops\ntools: [read_file]\n---\nBody\n",
            ".orchestra/agents/badyaml.md": "---\nname: [unclosed\ntools: x\n---\nBody\n",
            ".orchestra/agents/badtools.md": (
                "---\ntools:\n  - read_fil\n  - mcp__jira__get_issue\n  - '*zz*'\n---\nBody\n"
            ),
            ".orchestra/agents/turns.md": "---\nmax_turns: ten\n---\nBody\n",
            ".orchestra/commands/bad.md": f"---\n{BAD_STEPS}    gate: sometimes\n---\n",
            ".orchestra/config.toml": "[model]\nname = 'x'\nmax_cost = 3\n",
            ".orchestra/mcp.json": '{"mcpServers": {"tickets": {"command": "x",}}}',
        }
    )
    ws = load(root, user_dir)
    assert "good" in ws.agents  # one broken file never hides the others
    assert "typo" not in ws.agents
    assert problems(ws, "typo.md") == [
        (
            3,
            1,
            "error",
            "unknown field 'descrption' in agent front matter; did you mean 'description'? "
            "(known: name, description, model, tools, max_turns)",
        )
    ]
    [(line, _column, severity, message)] = problems(ws, "badyaml.md")
    assert (line, severity) == (2, "error") and message.startswith("YAML syntax error")
    badtools = problems(ws, "badtools.md")
    assert badtools[0][:3] == (3, 5, "error")
    assert "unknown tool 'read_fil'; did you mean 'read_file'?" in badtools[0][3]
    assert badtools[1][:3] == (4, 5, "error")
    assert "no MCP server 'jira' is configured" in badtools[1][3]
    assert badtools[2][:3] == (5, 5, "error") and "matches no built-in tool" in badtools[2][3]
    [turns] = problems(ws, "turns.md")
    assert turns[:3] == (2, 12, "error") and "max_turns" in turns[3] and "'ten'" in turns[3]

    # Every problem of the file at once: the bad gate does not hide the others.
    bad = problems(ws, "bad.md")
    assert [p[:2] for p in bad] == [(7, 12), (8, 18), (11, 18), (15, 11)]
    assert "agent 'nobody'" in bad[0][3] and "'{{tiket}}'" in bad[1][3]
    assert "no earlier step 'three'" in bad[2][3] and "gate" in bad[3][3]
    assert "bad" not in ws.commands  # a file in error is never put in force
    # The unknown field does not hide the unknown model either.
    [model, config] = problems(ws, "config.toml")
    assert model[:3] == (2, 8, "warning") and "'x'" in model[3]
    assert config[:3] == (3, 1, "error") and "unknown field 'max_cost'" in config[3]
    assert "did you mean 'max_cost_usd'" in config[3]
    [mcp] = problems(ws, "mcp.json")
    assert mcp[:3] == (1, 43, "error") and "a comma before '}'" in mcp[3]  # at the comma


def underlined(ws: Workspace, name: str) -> list[tuple[str, str]]:
    """(the text each diagnostic of one file underlines, its message), by position."""
    found = sorted(
        (d for d in ws.diagnostics if d.path.name == name), key=lambda d: (d.line, d.column)
    )
    lines = {d.path: d.path.read_text(encoding="utf-8").splitlines() for d in found}
    said = []
    for d in found:
        span, text = d.span, lines[d.path]
        assert span.end_line == span.line, d  # every case here is on one line
        said.append((text[span.line][span.column : span.end_column], d.message))
    return said


def test_a_wrong_value_is_underlined_not_its_key(write_files: WriteFiles, user_dir: Path) -> None:
    """A positioned error points where the fix goes: at a value of the wrong type, out
    of range or not among the choices, in YAML, JSON and TOML alike; at the key when
    the key is what is wrong (unknown) or the value is a whole mapping."""
    root = write_files(
        {
            ".orchestra/agents/turns.md": '---\nmax_turns: "ten"\nmodle: x\n---\nBody\n',
            ".orchestra/commands/gates.md": (
                "---\ndescription: x\nmode: sometimes\nsteps:\n  - id: one\n"
                "    agent: developer\n    prompt: hi\n    gate: [approve]\n---\n"
            ),
            ".orchestra/mcp.json": (
                '{"mcpServers": {"tickets": {"command": "x", "timeout": "ten"},\n'
                '  "pages": {"command": "y", "timeout": -1}}}'
            ),
            ".orchestra/config.toml": "[mcp]\ncall_timeout_seconds = 'ten'\n[model]\nmax_cost = 3\n",
        }
    )
    ws = load(root, user_dir)
    turns = underlined(ws, "turns.md")
    assert [shown for shown, _ in turns] == ['"ten"', "modle"], turns
    assert "max_turns" in turns[0][1] and "unknown field 'modle'" in turns[1][1]
    gates = underlined(ws, "gates.md")
    assert [shown for shown, _ in gates] == ["sometimes", "[approve]"], gates
    mcp = underlined(ws, "mcp.json")
    assert [shown for shown, _ in mcp] == ['"ten"', "-1"], mcp
    config = underlined(ws, "config.toml")
    assert [shown for shown, _ in config] == ["'ten'", "max_cost"], config
    assert "unknown field 'max_cost'" in config[1][1]


def test_cross_file_problems(write_files: WriteFiles, user_dir: Path) -> None:
    root = write_files(
        {
            ".orchestra/agents/good.md": AGENT.replace("tester", "good"),
            ".orchestra/commands/bad.md": (
                f"---\n{BAD_STEPS}---\nShared {{{{ticket}}}} and {{{{steps.one.output}}}}.\n"
            ),
        }
    )
    ws = load(root, user_dir)
    found = problems(ws, "bad.md")
    assert [(line, col) for line, col, _, _ in found] == [(7, 12), (8, 18), (11, 18), (16, 23)]
    assert "agent 'nobody', which is not defined" in found[0][3]
    assert "unknown template name '{{tiket}}'; did you mean '{{ticket}}'?" in found[1][3]
    assert "no earlier step 'three'" in found[2][3]
    assert "the body is added to every step" in found[3][3]


def test_automation_mode_rules(write_files: WriteFiles, user_dir: Path) -> None:
    root = write_files(
        {
            ".orchestra/agents/asker.md": "---\ntools: [read_file, ask_user]\n---\nAsk.\n",
            ".orchestra/agents/globber.md": "---\ntools: ['ask_*']\n---\nAsk.\n",
            ".orchestra/commands/ci.md": """---
mode: automation
steps:
  - id: a
    agent: asker
    prompt: x
  - id: b
    agent: developer
    prompt: y
    gate: approve
  - id: c
    agent: globber
    prompt: z
    gate: review
---
""",
        }
    )
    found = problems(load(root, user_dir), "ci.md")
    assert [(line, col) for line, col, _, _ in found] == [(5, 12), (10, 11), (12, 12)]
    assert "may use ask_user" in found[0][3] and "may use ask_user" in found[2][3]
    assert "approve gate" in found[1][3]


def test_claude_code_repository_just_works(write_files: WriteFiles, user_dir: Path) -> None:
    root = write_files(
        {
            "CLAUDE.md": "Always run `make test`.\n",
            ".claude/agents/x.md": (
                "---\nname: x\ndescription: Reviews code\ntools: Read, Grep, Bash, WebFetch\n"
                "model: sonnet\ncolor: blue\n---\nYou review code.\n"
            ),
            ".claude/commands/y.md": (
                "---\ndescription: Fix an issue\nargument-hint: [issue-number] [priority]\n"
                "allowed-tools: Bash(git diff:*), Read\n---\nFix issue $ARGUMENTS carefully.\n"
            ),
            ".mcp.json": (
                '{"mcpServers": {"db": {"type": "stdio", "command": "db-mcp",'
                ' "env": {"TOKEN": "${DB_TOKEN:-dev}"}}}}'
            ),
        }
    )
    ws = load(root, user_dir, environ={})
    assert ws.errors == []
    agent = ws.agents["x"]
    assert agent.tools == ["read_file", "search", "run_shell"]
    assert agent.model == "claude-sonnet-5-5"
    assert agent.source.layer is Layer.COMPAT
    command = ws.commands["y"]
    assert command.steps[0].prompt == "Fix issue $ARGUMENTS carefully."
    assert command.allowed_tools == ["run_shell(git diff *)", "read_file"]
    assert command.arguments[0].description == "[issue-number] [priority]"
    server = ws.mcp_servers["db"]
    assert server.spec.env == {"TOKEN": "dev"}  # type: ignore[union-attr]
    assert "Always run `make test`." in ws.context.text
    severities = {(d.path.name, d.severity) for d in ws.diagnostics}
    # `color` is Claude Code's (`/agents` writes one), accepted silently; `sonnet` its alias.
    assert ("x.md", Severity.WARNING) not in severities
    assert ("x.md", Severity.INFO) in severities  # WebFetch has no equivalent


def test_precedence_and_duplicates(write_files: WriteFiles, user_dir: Path, tmp_path: Path) -> None:
    (user_dir / "agents").mkdir()
    (user_dir / "agents" / "developer.md").write_text("---\n---\nUser's developer.\n")
    root = write_files(
        {
            ".claude/agents/developer.md": "---\nname: developer\n---\nClaude's developer.\n",
            ".orchestra/agents/developer.md": "---\n---\nRepository developer.\n",
            ".orchestra/agents/a.md": "---\nname: same\n---\nA\n",
            ".orchestra/agents/b.md": "---\nname: same\n---\nB\n",
        }
    )
    ws = load(root, user_dir)
    assert ws.agents["developer"].prompt == "Repository developer."
    assert ws.agents["same"].prompt == "A"
    [duplicate] = problems(ws, "b.md")
    assert duplicate[2] == "error" and "also defined in" in duplicate[3]
    overrides = [d.message for d in ws.diagnostics if d.severity is Severity.INFO]
    assert any("overrides the user config one" in m for m in overrides)
    assert any("overrides the built-in one" in m for m in overrides)


def test_context_imports(write_files: WriteFiles, user_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.md").write_text("outside")
    root = write_files(
        {
            ".orchestra/CONTEXT.md": (
                "Top\n@docs/rules.md\n```\n@not/an/import.md\n```\n@../../secret.md\n@missing.md\n"
            ),
            ".orchestra/docs/rules.md": "Rules\n@../loop/a.md\n",
            ".orchestra/loop/a.md": "A\n@b.md\n",
            ".orchestra/loop/b.md": "B\n@a.md\n",
        }
    )
    ws = load(root, user_dir)
    text = ws.context.text
    assert "Rules" in text and "A" in text and "B" in text and "outside" not in text
    assert "@not/an/import.md" in text
    context = problems(ws, "CONTEXT.md")
    assert [(line, message.split(" ")[0]) for line, _, _, message in context] == [
        (6, "import"),
        (7, "imported"),
    ]
    assert "leaves the workspace" in context[0][3]
    [cycle] = problems(ws, "b.md")
    assert (
        cycle[0] == 2 and "import cycle: CONTEXT.md -> rules.md -> a.md -> b.md -> a.md" in cycle[3]
    )


def test_import_depth_is_bounded(write_files: WriteFiles, user_dir: Path) -> None:
    files = {".orchestra/CONTEXT.md": "L0\n@d1.md\n"}
    for level in range(1, 7):
        files[f".orchestra/d{level}.md"] = f"L{level}\n@d{level + 1}.md\n"
    ws = load(write_files(files), user_dir)
    # Claude Code's documented limit: five hops
    assert "L5" in ws.context.text and "L6" not in ws.context.text
    [deep] = problems(ws, "d5.md")
    assert "deeper than 5 levels" in deep[3]


def test_mcp_json_shapes_and_variables(write_files: WriteFiles, user_dir: Path) -> None:
    root = write_files(
        {
            ".orchestra/mcp.json": """{
  "mcpServers": {
    "tickets": {"command": "python", "args": ["-m", "tickets", "${TICKETS_DIR:-tickets}"]},
    "jira": {"type": "http", "url": "${JIRA_URL}/mcp", "headers": {"Authorization": "Bearer ${JIRA_TOKEN}"}},
    "broken": {"type": "http"},
    "odd": {"command": "x", "arg": []}
  }
}
""",
        }
    )
    ws = load(root, user_dir, environ={"JIRA_URL": "http://127.0.0.1:9"})
    assert set(ws.mcp_servers) == {"tickets", "jira"}
    assert ws.mcp_servers["tickets"].spec.args == ["-m", "tickets", "tickets"]  # type: ignore[union-attr]
    jira = ws.mcp_servers["jira"].spec
    assert jira.url == "http://127.0.0.1:9/mcp"  # type: ignore[union-attr]
    found = problems(ws, "mcp.json")
    assert [(line, severity) for line, _, severity, _ in found] == [
        (4, "warning"),
        (5, "error"),
        (6, "error"),
    ]
    assert "JIRA_TOKEN is not set" in found[0][3]
    assert "needs the field 'url'" in found[1][3]
    assert "unknown field 'arg'" in found[2][3] and "did you mean 'args'" in found[2][3]
    assert ws.secrets() == ["Bearer "] or "Bearer " in ws.secrets()


def test_permission_rules_are_checked(write_files: WriteFiles, user_dir: Path) -> None:
    root = write_files(
        {
            ".orchestra/config.toml": (
                "[permissions]\nallow = [\n  'read_file',\n  'run_shell(npm test*',\n"
                "  'mcp__nowhere__*',\n]\ndeny = ['edit(.env*)']\n"
            )
        }
    )
    found = problems(load(root, user_dir), "config.toml")
    assert [(line, col, severity) for line, col, severity, _ in found] == [
        (4, 13, "error"),  # at the unclosed parenthesis
        (5, 3, "warning"),
    ]
    assert found[0][3].startswith("malformed rule 'run_shell(npm test*'")
    assert "no MCP server 'nowhere'" in found[1][3] and "never applies" in found[1][3]


def test_unsaved_buffers_win_over_disk(write_files: WriteFiles, user_dir: Path) -> None:
    root = write_files({".orchestra/agents/tester.md": AGENT})
    path = root / ".orchestra/agents/tester.md"
    ws = load(root, user_dir, overlays={path: "---\ntoolz: []\n---\nx\n"})
    assert "tester" not in ws.agents
    assert problems(ws, "tester.md")[0][:2] == (2, 1)


def test_not_utf8_is_reported(write_files: WriteFiles, user_dir: Path) -> None:
    root = write_files({})
    bad = root / ".orchestra" / "agents" / "latin.md"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"---\nname: x\n---\ncaf\xe9\n")
    [problem] = problems(load(root, user_dir), "latin.md")
    assert problem[:3] == (4, 4, "error") and "not UTF-8" in problem[3]


def test_builtins_dir_is_the_repository_in_a_checkout() -> None:
    assert (builtins_dir() / "agents" / "qa.md").is_file()


def test_a_deprecated_model_is_a_warning_where_it_is_named(
    write_files: WriteFiles, user_dir: Path
) -> None:
    # Two models of the installed SDK's table (it changes with the SDK's releases).
    retiring = sorted(deprecated_models().items())
    (config_model, day), (agent_model, _) = retiring[0], retiring[-1]
    root = write_files(
        {
            ".orchestra/config.toml": '[agents]\ndefault = "developer"\n\n[model]\n'
            f'name = "{config_model}"\n',
            ".orchestra/agents/old.md": AGENT.replace("tester", "old").replace(
                "tools:", f"model: {agent_model}\ntools:"
            ),
            ".orchestra/agents/new.md": AGENT.replace("tester", "new").replace(
                "tools:", "model: claude-opus-5-5\ntools:"
            ),
        }
    )
    ws = load(root, user_dir)
    assert ws.errors == []
    [(line, column, severity, message)] = problems(ws, "config.toml")
    assert (line, severity) == (5, "warning")
    assert message == (
        f"model {config_model} is deprecated and reaches end of life on {day}; name a newer one"
    )
    [(line, column, severity, message)] = problems(ws, "old.md")
    assert (line, column, severity) == (4, 8, "warning")
    assert f"{agent_model} is deprecated" in message
    assert problems(ws, "new.md") == []


def test_the_allocator_option_for_yaml_rs_is_not_inherited() -> None:
    """yaml_positions sets mimalloc's option for yaml_rs' import only: a process the
    loader's process starts later (an MCP server, a tool) never sees it, and a value
    the person set is theirs to keep."""
    name = "MIMALLOC_ARENA_EAGER_COMMIT"
    child = "import os, sys; print(os.environ.get(sys.argv[1]))"
    script = f"""
import os, subprocess, sys
import orchestra_lsp.workspace.yaml_positions
child = subprocess.run([sys.executable, "-c", {child!r}, {name!r}], capture_output=True)
print(os.environ.get({name!r}), child.stdout.decode().strip())
"""
    environ = {key: value for key, value in os.environ.items() if key != name}
    run = [sys.executable, "-c", script]
    assert subprocess.run(run, env=environ, capture_output=True, text=True).stdout == "None None\n"
    mine = subprocess.run(run, env={**environ, name: "1"}, capture_output=True, text=True)
    assert mine.stdout == "1 1\n"
