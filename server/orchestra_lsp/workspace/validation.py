"""Checks across files: agents named by steps, templates, tools, MCP servers, modes.

These run after every file is parsed, so they know the final agent and server sets.
Each problem lands in the sink of the file that has to change.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from orchestra_lsp.command_bash import bash_decision, bash_lines, bash_policy
from orchestra_lsp.permissions import PolicyError, Rule, RuleError, parse_rule, unreviewed_writes
from orchestra_lsp.workspace.agents import Agent
from orchestra_lsp.workspace.commands import Command, Step
from orchestra_lsp.workspace.config import Config
from orchestra_lsp.workspace.diagnostics import DiagnosticSink, Severity, Span
from orchestra_lsp.workspace.flow_checks import (
    Visible,
    placed,
    reference_problem,
    walk_flow,
    written_at,
    written_names,
)
from orchestra_lsp.workspace.mcp_config import McpServer
from orchestra_lsp.workspace.parsers import Parsed
from orchestra_lsp.workspace.sources import Layer
from orchestra_lsp.workspace.templates import (
    CONTEXT_NAMES,
    PositionalArguments,
    find_names,
    render,
)
from orchestra_lsp.workspace.tool_names import (
    BUILTIN_TOOL_NAMES,
    did_you_mean,
    is_glob,
    matching_builtins,
    mcp_server_of,
    split_pattern,
    split_tool_list,
)
from orchestra_lsp.workspace.yaml_positions import FieldPath, PositionMap

_BRACES = re.compile(r"\{\{\s*([A-Za-z_][\w.\-]*)\s*\}\}")
#: `{{name` not followed by `}}`: a template name whose braces were never closed.
_UNCLOSED = re.compile(r"\{\{\s*([A-Za-z_][\w.\-]*)(?!\s*\}\})(?![\w.\-])")

#: Layers whose files are written for this repository, so unknown MCP servers are errors.
#: Built-ins and the user's folder are generic: they may name servers a repo lacks.
_LOCAL_LAYERS = (Layer.REPOSITORY, Layer.COMPAT, Layer.SEARCH_PATH)


def tool_problem(pattern: str, mcp_servers: Mapping[str, McpServer]) -> tuple[str, Severity] | None:
    """What is wrong with one tool pattern, if anything."""
    name, _argument = split_pattern(pattern)
    if not name:
        return "empty tool name", Severity.ERROR
    if name.startswith("mcp__"):
        server = mcp_server_of(name)
        if server is None:
            return (
                f"'{name}' is not an MCP tool name; write mcp__<server>__<tool>",
                Severity.ERROR,
            )
        if is_glob(server):
            return None
        if server not in mcp_servers:
            configured = ", ".join(sorted(mcp_servers)) or "none"
            return (
                f"no MCP server '{server}' is configured in mcp.json"
                f"{did_you_mean(server, mcp_servers)} (configured: {configured})",
                Severity.ERROR,
            )
        return None
    if is_glob(name):
        if not matching_builtins(name):
            return f"'{name}' matches no built-in tool", Severity.ERROR
        return None
    if name not in BUILTIN_TOOL_NAMES:
        close = difflib.get_close_matches(name, BUILTIN_TOOL_NAMES, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return (
            f"unknown tool '{name}'{hint} (built-in tools: {', '.join(BUILTIN_TOOL_NAMES)})",
            Severity.ERROR,
        )
    return None


def check_agent_tools(parsed: Parsed[Agent], mcp_servers: Mapping[str, McpServer]) -> None:
    agent = parsed.checked
    if agent is None:
        return
    if agent.source.layer in _LOCAL_LAYERS:
        _check_agent_servers(parsed, mcp_servers)
    for index, pattern in parsed.tool_entries:
        problem = tool_problem(pattern, mcp_servers)
        if problem is None or (index < 0 and mcp_server_of(pattern)):
            continue  # an `mcpServers` server's tools: said at its entry
        message, severity = problem
        if mcp_server_of(pattern) and agent.source.layer not in _LOCAL_LAYERS:
            continue
        span = parsed.positions.value(("tools", index)) if index >= 0 else Span()
        parsed.sink.add(message, span, severity)


def _check_agent_servers(parsed: Parsed[Agent], mcp_servers: Mapping[str, McpServer]) -> None:
    """Claude Code's `mcpServers: [name]`: a name no mcp.json defines gives the agent
    nothing, which is a warning at the name (inline definitions are warned by the parser)."""
    written = parsed.data.get("mcpServers")
    entries: list[tuple[FieldPath, str]]
    if isinstance(written, str):
        entries = [(("mcpServers",), name) for name in split_tool_list(written)]
    elif isinstance(written, list):
        entries = [(("mcpServers", i), n) for i, n in enumerate(written) if isinstance(n, str)]
    else:
        entries = []
    for where, name in entries:
        if name in mcp_servers:
            continue
        hint = did_you_mean(name, mcp_servers) or (
            f" (defined: {', '.join(sorted(mcp_servers))})" if mcp_servers else ""
        )
        parsed.sink.add(
            f"MCP server '{name}' is not defined in .mcp.json or .orchestra/mcp.json{hint}; "
            "the agent gets no tools from it",
            parsed.positions.value(where),
            Severity.WARNING,
        )


def check_default_agent(parsed: Parsed[Config], agents: Mapping[str, Agent]) -> None:
    """`[agents] default` names an agent that exists: every step that names none runs
    it. Said here once (its commands' own checks leave it to this one)."""
    config = parsed.checked
    if config is None or config.agents.default in agents:
        return
    name = config.agents.default
    close = difflib.get_close_matches(name, list(agents), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    parsed.sink.add(
        f"the default agent '{name}' is not defined (every step that names no agent runs it){hint}",
        parsed.positions.value(("agents", "default")),
    )


def check_permissions(parsed: Parsed[Config], mcp_servers: Mapping[str, McpServer]) -> None:
    """Rules naming tools that do not exist are warnings: they can never match."""
    config = parsed.checked
    if config is None:
        return
    rules = config.permissions
    for kind, patterns in (("allow", rules.allow), ("ask", rules.ask), ("deny", rules.deny)):
        for index, pattern in enumerate(patterns):
            span = parsed.positions.value(("permissions", kind, index))
            rule = parse_rule(pattern)
            if isinstance(rule, RuleError):
                # +1: the span starts at the opening quote of the TOML string.
                column = span.column + 1 + rule.offset
                parsed.sink.add(
                    f"malformed rule '{pattern}': {rule.message}",
                    Span(line=span.line, column=column, end_line=span.line, end_column=column + 1),
                )
                continue
            problem = tool_problem(pattern, mcp_servers)
            if problem is not None:
                parsed.sink.add(f"{problem[0]}; this rule never applies", span, Severity.WARNING)
            elif kind == "allow" and (writes := unreviewed_writes(pattern)) is not None:
                parsed.sink.add(f"rule '{pattern}' {writes}", span, Severity.WARNING)


def check_shadowed_allows(parsed: Parsed[Config], allows: Sequence[tuple[str, str]]) -> None:
    """A config.toml ask or deny rule that covers a narrower allow — a command's
    `allowed-tools`, a Claude Code `permissions.allow` — makes that allow ineffective
    (deny beats ask beats allow, as in Claude Code): a warning on the rule. `allows`:
    (rule as translated to ours, where it comes from)."""
    config = parsed.checked
    if config is None:
        return
    wanted = [(rule, where) for text, where in allows if isinstance(rule := parse_rule(text), Rule)]
    rules = config.permissions
    for kind, patterns in (("ask", rules.ask), ("deny", rules.deny)):
        for index, pattern in enumerate(patterns):
            wider = parse_rule(pattern)
            if not isinstance(wider, Rule):
                continue
            lost = [f"`{a.text}` ({where})" for a, where in wanted if _covers(wider, a)]
            if not lost:
                continue
            more = f" and {len(lost) - 1} more" if len(lost) > 1 else ""
            fix = (
                "narrow or remove this rule (a call no rule allows is asked about anyway)"
                if kind == "ask"
                else "narrow this rule if the allow is meant"
            )
            parsed.sink.add(
                f"{kind} rule '{pattern}' overrides {lost[0]}{more}: {kind} beats allow, so "
                f"{'those allows never take' if more else 'that allow never takes'} effect; " + fix,
                parsed.positions.value(("permissions", kind, index)),
                Severity.WARNING,
            )


def _covers(wider: Rule, narrower: Rule) -> bool:
    """Whether every call `narrower` allows matches `wider` (judged on the pattern's
    text, which is close enough for a warning)."""
    if not wider.matches_tool(narrower.tool):
        return False
    if wider.argument is None or set(wider.argument) <= {"*"}:
        return True
    return narrower.argument is not None and wider.matches(narrower.tool, narrower.argument)


_PART = re.compile(r"part `(.+?)` of the command")


def check_bash_lines(
    parsed: Parsed[Any],
    command: Command | None,
    deny: Sequence[str],
    workspace: str,
    allow: Sequence[str] = (),
) -> None:
    """A Claude Code command's (or a skill's, run as one) `` !`cmd` `` line that its
    own `allowed-tools` (or a deny rule of the person's) refuses is never run — the
    prompt gets a note instead: a warning on that line naming the rule, decided exactly
    as the engine decides it (`command_bash`). `parsed`: the file; `command`: what runs."""
    if command is None or not command.claude or "!`" not in parsed.text:
        return
    try:
        policy = bash_policy(command.allowed_tools, deny, workspace, allow=allow)
    except PolicyError:  # a malformed rule has its own error
        return
    written = parsed.data.get("allowed-tools")
    rules = written.split(",") if isinstance(written, str) else written or []
    shell = [str(rule).strip() for rule in rules if str(rule).strip().startswith("Bash")]
    body = command.source.body_line
    # The run substitutes the arguments before the shell sees the line (`$ARGUMENTS`,
    # `$1`, `$name`): decided with a plain word in their place, as a typical run is.
    sample = PositionalArguments("ARG", ["ARG"] * 10, command.argument_names)
    for bash in bash_lines(parsed.text.split("\n")[body:]):
        line_run = render(bash.command, {}, sample)
        allowed, decision, _ = bash_decision(policy, line_run)
        if allowed:
            continue
        if decision.rule is not None:
            why = (
                f"the deny rule `{decision.rule}` refuses it (deny rules win over `allowed-tools`)"
                if decision.verdict == "deny"
                else decision.reason
            )
        else:
            listed = ", ".join(f"`{rule}`" for rule in shell)
            part = _PART.match(decision.reason)
            if part is not None:  # each part of a compound line is decided on its own
                why = f"no rule of its `allowed-tools` ({listed or 'none'}) allows `{part[1]}`"
            elif shell:
                why = f"no rule of its `allowed-tools` allows it ({listed} only)"
            else:
                why = "its `allowed-tools` allow no shell command"
            if part is None and line_run == bash.command:
                why += f"; add `Bash({bash.command})` to let it run"
        line = body + bash.line
        parsed.sink.add(
            f"!`{bash.command}` will not run before the prompt: {why}",
            Span(line=line, column=bash.start, end_line=line, end_column=bash.end),
            Severity.WARNING,
        )


def check_command(
    parsed: Parsed[Command], agents: Mapping[str, Agent], broken: Mapping[str, str] = {}
) -> None:
    """Agents, automation rules, template names and the flow (`workspace.flow_checks`)
    of each step.

    Positions are looked up only for a problem found: on a clean file (nearly all of
    them) no position map is ever built.
    """
    command = parsed.checked
    if command is None:
        return
    sink, positions = parsed.sink, parsed.positions
    _check_arguments(command, positions, sink)
    known = {a.name for a in command.arguments} | set(CONTEXT_NAMES)
    has_steps = bool(parsed.data.get("steps"))
    seen: set[str] = set()
    placed_steps = _placed_steps(command.steps, ("steps",) if has_steps else (), parsed.data)
    for step_path, step in placed_steps:
        if step.id in seen:
            sink.add(f"step id '{step.id}' is used twice", positions.value((*step_path, "id")))
        seen.add(step.id)

    def check_step(step: Step, at: FieldPath, visible: Visible) -> None:
        agent = agents.get(step.agent)
        # No agent written for it: the configured default, whose absence is said once,
        # at `[agents] default` (`check_default_agent`), not at every such command.
        named = written_at(parsed.data, (*at, "agent")) if has_steps else None
        defaulted = named is None and parsed.data.get("agent") is None

        def agent_span(at: FieldPath = at) -> Span:
            return positions.value((*at, "agent")) if has_steps else positions.value(("agent",))

        if agent is None and defaulted and step.agent not in broken:
            pass
        elif agent is None and step.agent in broken:
            sink.add(
                f"step '{step.id}' uses agent '{step.agent}', whose file has errors "
                f"({broken[step.agent]})",
                agent_span(),
            )
        elif agent is None:
            close = difflib.get_close_matches(step.agent, list(agents), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            sink.add(
                f"step '{step.id}' uses agent '{step.agent}', which is not defined{hint}",
                agent_span(),
            )
        if command.mode == "automation":
            _check_automation(step.gate, agent, step.id, positions, at, agent_span, sink)
        if has_steps and _UNCLOSED.search(step.prompt):  # positions only for a problem
            _check_unclosed(parsed.lines, positions.value((*at, "prompt")), sink)
        bad = _bad_names(step.prompt, known, visible, step.id, in_body=False)
        if bad:
            spans = (
                _spans_in_value(parsed.lines, positions.value((*at, "prompt")), bad)
                if has_steps
                else _spans_in_body(command.source.body_line, step.prompt, parsed.lines, bad)
            )
            for (_, message), span in zip(bad, spans, strict=True):
                sink.add(message, span)

    # A step dropped for its own error is still written: no second message for it.
    unsure: frozenset[str] = frozenset()
    if parsed.value is None:
        kept = {name for s in command.all_steps() for name in (s.id, s.as_)}
        unsure = written_names(parsed.data.get("steps")) - kept
    walk_flow(command, has_steps, positions, parsed.lines, sink, check_step, unsure, parsed.data)
    if command.source.layer is not Layer.COMPAT:  # Claude Code's files have no templates
        _check_unclosed(
            parsed.lines, Span(line=command.source.body_line, end_line=len(parsed.lines)), sink
        )
    if command.instructions:
        bad = _bad_names(command.instructions, known, Visible(), None, in_body=True)
        spans = _spans_in_body(command.source.body_line, command.instructions, parsed.lines, bad)
        for (_, message), span in zip(bad, spans, strict=True):
            sink.add(message, span)
    _check_said_something(command, sink)


def says_nothing(command: Command) -> bool:
    """No body and no step prompt: the command still runs, and bills a model turn on
    nothing but its arguments (an empty file, or front matter alone, is a mistake)."""
    return not command.instructions.strip() and not any(
        s.prompt.strip() for s in command.agent_steps()
    )


def _check_said_something(command: Command, sink: DiagnosticSink) -> None:
    if not says_nothing(command) or command.mcp_prompt is not None:
        return
    sink.add(
        "the command has no instructions: its body is empty and no step has a prompt, so "
        "the model would be sent its arguments alone; write what it should do below the "
        "front matter",
        Span(),
        Severity.WARNING,
    )


def _placed_steps(
    steps: list[Step], at: FieldPath, written: Any
) -> Iterator[tuple[FieldPath, Step]]:
    """Every step with its field path in the front matter `written`."""
    for index, step in placed(steps, written_at(written, at) if at else None):
        here: FieldPath = (*at, index) if at else ()
        yield here, step
        inner: FieldPath = {
            "repeat": (*here, "repeat", "steps"),
            "for_each": (*here, "steps"),
            "parallel": (*here, "parallel"),
        }.get(step.kind, ())
        if step.steps:
            yield from _placed_steps(step.steps, inner, written)


def _check_arguments(command: Command, positions: PositionMap, sink: DiagnosticSink) -> None:
    """Two arguments of one name: the second could never be given."""
    first: dict[str, int] = {}
    for index, argument in enumerate(command.arguments):
        if argument.name in first:
            sink.add(
                f"argument '{argument.name}' is declared twice (first as argument "
                f"{first[argument.name] + 1}); rename one",
                positions.value(("arguments", index, "name")),
            )
        else:
            first[argument.name] = index


def _check_unclosed(lines: list[str], where: Span, sink: DiagnosticSink) -> None:
    """`{{name` with no `}}` after it on its line: the name would go to the model as
    written, braces and all. Lines from `where`'s start to its end."""
    last = where.end_line if where.end_line is not None else where.line
    for line_no in range(where.line, min(last, len(lines) - 1) + 1):
        line = lines[line_no]
        if "{{" not in line:
            continue
        start = where.column if line_no == where.line else 0
        for match in _UNCLOSED.finditer(line, start):
            sink.add(
                f"template '{{{{{match.group(1)}' is not closed; write '{{{{{match.group(1)}}}}}'",
                Span(line=line_no, column=match.start(), end_line=line_no, end_column=match.end()),
            )


def _check_automation(
    gate: str | None,
    agent: Agent | None,
    step_id: str,
    positions: PositionMap,
    at: FieldPath,
    agent_span: Callable[[], Span],
    sink: DiagnosticSink,
) -> None:
    if gate == "approve":
        sink.add(
            f"step '{step_id}' has an approve gate, but automation commands run with no one to "
            "approve; remove the gate or use mode: orchestration",
            positions.value((*at, "gate")),
        )
    if agent is not None and any(matching_builtins_or_self(t, "ask_user") for t in agent.tools):
        sink.add(
            f"step '{step_id}' runs agent '{agent.name}', which may use ask_user, but automation "
            "commands run with no one to answer",
            agent_span(),
        )


def matching_builtins_or_self(pattern: str, tool: str) -> bool:
    name, _ = split_pattern(pattern)
    return name == tool or (is_glob(name) and tool in matching_builtins(name))


def _bad_names(
    text: str, known: set[str], visible: Visible, step_id: str | None, *, in_body: bool
) -> list[tuple[str, str]]:
    """(name, message) for each template name in `text` that cannot be filled, in order."""
    bad = []
    for ref in find_names(text):
        message = _name_problem(ref.name, known, visible, step_id, in_body=in_body)
        if message is not None:
            bad.append((ref.name, message))
    return bad


def _name_problem(
    name: str, known: set[str], visible: Visible, step_id: str | None, *, in_body: bool
) -> str | None:
    root, *fields = name.split(".")
    if root == "steps":
        if in_body:
            return (
                f"'{{{{{name}}}}}': the body is added to every step; refer to step outputs in a "
                "step's prompt"
            )
        if fields and fields[0] == step_id and fields[0] not in visible.steps:
            return f"'{{{{{name}}}}}': a step cannot use its own output"
        problem = reference_problem(root, tuple(fields), visible, known)
        return None if problem is None else f"'{{{{{name}}}}}': {problem}"
    if name in known or root in visible.names or root in visible.unsure:
        return None
    close = difflib.get_close_matches(name, sorted(known | visible.names), n=1)
    hint = f"; did you mean '{{{{{close[0]}}}}}'?" if close else ""
    return (
        f"unknown template name '{{{{{name}}}}}'{hint} (known: "
        f"{', '.join(sorted(known | visible.names))}, steps.<id>.output)"
    )


def _spans_in_body(
    body_line: int, body: str, lines: list[str], bad: list[tuple[str, str]]
) -> list[Span]:
    """Where the bad names of the body are in the file (the body is stored stripped)."""
    first = body_line
    while first < len(lines) and not lines[first].strip():
        first += 1
    wanted = {name for name, _ in bad}
    refs = [ref for ref in find_names(body) if ref.name in wanted]
    found = [
        Span(line=first + r.line, column=r.column, end_line=first + r.line, end_column=r.end_column)
        for r in refs
    ]
    return _in_order(found, [ref.name for ref in refs], bad)


def _spans_in_value(lines: list[str], where: Span, bad: list[tuple[str, str]]) -> list[Span]:
    """Where the bad names of a YAML string value are, searching the lines it covers.

    YAML folds and unescapes strings, so positions inside the parsed value do not map
    to the file; searching the raw lines the value covers does.
    """
    last = where.end_line if where.end_line is not None else where.line
    found: list[Span] = []
    names: list[str] = []
    for line_no in range(where.line, min(last, len(lines) - 1) + 1):
        for match in _BRACES.finditer(lines[line_no]):
            if line_no == where.line and match.start() < where.column:
                continue
            names.append(match.group(1))
            found.append(
                Span(line=line_no, column=match.start(), end_line=line_no, end_column=match.end())
            )
    return _in_order(found, names, bad, fallback=where)


def _in_order(
    found: list[Span], names: list[str], bad: list[tuple[str, str]], fallback: Span | None = None
) -> list[Span]:
    """One span per bad name, taking each name's occurrences in turn."""
    by_name: dict[str, list[Span]] = {}
    for name, span in zip(names, found, strict=True):
        by_name.setdefault(name, []).append(span)
    spans = []
    for name, _ in bad:
        spans_left = by_name.get(name, [])
        spans.append(spans_left.pop(0) if spans_left else (fallback or Span()))
    return spans
