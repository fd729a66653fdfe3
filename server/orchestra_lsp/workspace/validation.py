"""Checks across files: agents named by steps, templates, tools, MCP servers, modes.

These run after every file is parsed, so they know the final agent and server sets.
Each problem lands in the sink of the file that has to change.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

from orchestra_lsp.permissions import RuleError, parse_rule
from orchestra_lsp.workspace.agents import Agent
from orchestra_lsp.workspace.commands import Command
from orchestra_lsp.workspace.config import Config
from orchestra_lsp.workspace.diagnostics import DiagnosticSink, Severity, Span
from orchestra_lsp.workspace.mcp_config import McpServer
from orchestra_lsp.workspace.parsers import Parsed
from orchestra_lsp.workspace.sources import Layer
from orchestra_lsp.workspace.templates import CONTEXT_NAMES, find_names, step_reference
from orchestra_lsp.workspace.tool_names import (
    BUILTIN_TOOL_NAMES,
    is_glob,
    matching_builtins,
    mcp_server_of,
    split_pattern,
)
from orchestra_lsp.workspace.yaml_positions import PositionMap

_BRACES = re.compile(r"\{\{\s*([A-Za-z_][\w.\-]*)\s*\}\}")

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
                f"no MCP server '{server}' is configured in mcp.json (configured: {configured})",
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
    agent = parsed.value
    if agent is None:
        return
    for index, pattern in parsed.tool_entries:
        problem = tool_problem(pattern, mcp_servers)
        if problem is None:
            continue
        message, severity = problem
        if mcp_server_of(pattern) and agent.source.layer not in _LOCAL_LAYERS:
            continue
        span = parsed.positions.value(("tools", index)) if index >= 0 else Span()
        parsed.sink.add(message, span, severity)


def check_permissions(parsed: Parsed[Config], mcp_servers: Mapping[str, McpServer]) -> None:
    """Rules naming tools that do not exist are warnings: they can never match."""
    config = parsed.value
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


def check_command(parsed: Parsed[Command], agents: Mapping[str, Agent]) -> None:
    command = parsed.value
    if command is None:
        return
    sink, positions = parsed.sink, parsed.positions
    known = {a.name for a in command.arguments} | set(CONTEXT_NAMES)
    has_steps = bool(positions.values.get(("steps",)))
    earlier: list[str] = []
    for index, step in enumerate(command.steps):
        at = ("steps", index) if has_steps else ()
        agent = agents.get(step.agent)
        agent_span = _agent_span(positions, at, has_steps)
        if agent is None:
            close = difflib.get_close_matches(step.agent, list(agents), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            sink.add(
                f"step '{step.id}' uses agent '{step.agent}', which is not defined{hint}",
                agent_span,
            )
        if command.mode == "automation":
            _check_automation(step.gate, agent, step.id, positions, at, agent_span, sink)
        if has_steps:
            where = positions.value((*at, "prompt"))
            refs = _refs_in_value(parsed.lines, where, step.prompt)
        else:
            refs = _refs_in_body(command.source.body_line, step.prompt, parsed.lines)
        for name, span in refs:
            _check_name(name, known, earlier, step.id, span, sink, in_body=False)
        earlier.append(step.id)
        _check_duplicate_step(command, index, positions, sink)
    if command.instructions:
        for name, span in _refs_in_body(
            command.source.body_line, command.instructions, parsed.lines
        ):
            _check_name(name, known, earlier, None, span, sink, in_body=True)


def _agent_span(positions: PositionMap, at: tuple[str | int, ...], has_steps: bool) -> Span:
    if has_steps:
        return (
            positions.value((*at, "agent"))
            if (*at, "agent") in positions.values
            else (positions.key(at))
        )
    return positions.value(("agent",)) if ("agent",) in positions.values else Span()


def _check_automation(
    gate: str | None,
    agent: Agent | None,
    step_id: str,
    positions: PositionMap,
    at: tuple[str | int, ...],
    agent_span: Span,
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
            agent_span,
        )


def matching_builtins_or_self(pattern: str, tool: str) -> bool:
    name, _ = split_pattern(pattern)
    return name == tool or (is_glob(name) and tool in matching_builtins(name))


def _check_duplicate_step(
    command: Command, index: int, positions: PositionMap, sink: DiagnosticSink
) -> None:
    step_id = command.steps[index].id
    if any(s.id == step_id for s in command.steps[:index]):
        sink.add(f"step id '{step_id}' is used twice", positions.value(("steps", index, "id")))


def _check_name(
    name: str,
    known: set[str],
    earlier: list[str],
    step_id: str | None,
    span: Span,
    sink: DiagnosticSink,
    *,
    in_body: bool,
) -> None:
    referenced = step_reference(name)
    if referenced is not None:
        if in_body:
            sink.add(
                f"'{{{{{name}}}}}': the body is added to every step; refer to step outputs in a "
                "step's prompt",
                span,
            )
        elif referenced == step_id:
            sink.add(f"'{{{{{name}}}}}': a step cannot use its own output", span)
        elif referenced not in earlier:
            sink.add(
                f"'{{{{{name}}}}}': no earlier step '{referenced}' (earlier steps: "
                f"{', '.join(earlier) or 'none'})",
                span,
            )
        return
    if name not in known:
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean '{{{{{close[0]}}}}}'?" if close else ""
        sink.add(
            f"unknown template name '{{{{{name}}}}}'{hint} (known: "
            f"{', '.join(sorted(known))}, steps.<id>.output)",
            span,
        )


def _refs_in_body(body_line: int, body: str, lines: list[str]) -> Iterable[tuple[str, Span]]:
    """Names in the body, located in the file (the body is stored stripped)."""
    stripped_start = body_line
    while stripped_start < len(lines) and not lines[stripped_start].strip():
        stripped_start += 1
    for ref in find_names(body):
        line = stripped_start + ref.line
        yield ref.name, Span(line=line, column=ref.column, end_line=line, end_column=ref.end_column)


def _refs_in_value(lines: list[str], where: Span, value: str) -> Iterable[tuple[str, Span]]:
    """Names in a YAML string value, found in the file's lines inside the value's span.

    YAML folds and unescapes strings, so positions inside the parsed value do not map
    to the file; searching the raw lines the value covers does.
    """
    wanted = [ref.name for ref in find_names(value)]
    if not wanted:
        return
    last = where.end_line if where.end_line is not None else where.line
    found: list[tuple[str, Span]] = []
    for line_no in range(where.line, min(last, len(lines) - 1) + 1):
        for match in _BRACES.finditer(lines[line_no]):
            if line_no == where.line and match.start() < where.column:
                continue
            found.append(
                (
                    match.group(1),
                    Span(
                        line=line_no, column=match.start(), end_line=line_no, end_column=match.end()
                    ),
                )
            )
    by_name = {name: [span for n, span in found if n == name] for name in set(wanted)}
    for name in wanted:
        spans = by_name[name]
        yield name, (spans.pop(0) if spans else where)
