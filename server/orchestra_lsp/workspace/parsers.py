"""One file at a time: Markdown agents and commands, config.toml, mcp.json.

Each parser returns what it could build (or None) and leaves its problems in the
sink it is given. None of them raises: any text, even random bytes decoded as
text, ends as a value or as diagnostics.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from orchestra_lsp.permissions import RuleError, parse_rule
from orchestra_lsp.retirement import CLAUDE_MODEL_ALIASES, end_of_life, retiring, unknown_model
from orchestra_lsp.workspace.agents import (
    CLAUDE_UNUSED_AGENT_FIELDS,
    Agent,
    AgentFrontMatter,
    ClaudeAgentFrontMatter,
)
from orchestra_lsp.workspace.commands import (
    ArgumentSpec,
    ClaudeCommandFrontMatter,
    CodeActionSpec,
    Command,
    CommandFrontMatter,
    Step,
    StepSpec,
)
from orchestra_lsp.workspace.config import Config
from orchestra_lsp.workspace.diagnostics import DiagnosticSink, Severity, Span
from orchestra_lsp.workspace.frontmatter import split_front_matter
from orchestra_lsp.workspace.lenient_front_matter import UNQUOTED_VALUE, repair
from orchestra_lsp.workspace.mcp_config import (
    ExpandedValue,
    HttpServer,
    McpServer,
    StdioServer,
    expand,
)
from orchestra_lsp.workspace.model_errors import validate, validate_all
from orchestra_lsp.workspace.skills import Skill, SkillFrontMatter, supporting_files
from orchestra_lsp.workspace.sources import Layer, SourceRef
from orchestra_lsp.workspace.structured_files import parse_json, parse_toml
from orchestra_lsp.workspace.templates import uses_positional
from orchestra_lsp.workspace.tool_names import (
    BUILTIN_TOOL_NAMES,
    did_you_mean,
    from_claude,
    mcp_server_of,
    split_pattern,
)
from orchestra_lsp.workspace.yaml_positions import PositionMap, YamlSyntaxError, load_yaml

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

#: Claude Code runs a command in the main conversation, under no specialist's prompt:
#: its neutral stand-in here is this built-in agent (`agents/general-purpose.md`).
CLAUDE_DEFAULT_AGENT = "general-purpose"

#: Claude Code gives an agent without a `tools` field every tool; so do we for its files.
ALL_TOOLS = [*BUILTIN_TOOL_NAMES, "mcp__*"]


@dataclass
class Parsed(Generic[T]):
    """A parsed definition with the positions of its fields, for later cross-checks."""

    value: T | None
    """None when the file is too broken to use; its diagnostics say why."""
    positions: PositionMap
    sink: DiagnosticSink
    text: str
    tool_entries: list[tuple[int, str]] = field(default_factory=list)
    """(index in the file's `tools` list, our tool pattern) after translation."""
    data: dict[str, Any] = field(default_factory=dict)
    """The front matter as parsed, for checks that depend on what was written."""
    partial: T | None = None
    """When `value` is None for errors in some fields: the definition without them, so
    the checks across files report the file's other problems too. Never in force."""

    @property
    def checked(self) -> T | None:
        """What the checks across files look at: the value, else the partial one."""
        return self.value if self.value is not None else self.partial

    command: Command | None = None
    """A skill's command form (what a person runs), when it has one."""

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()


@dataclass
class _FrontMatter:
    data: dict[str, Any]
    positions: PositionMap
    body: str
    body_line: int


#: Claude Code documents `argument-hint: [pr-number] [priority]`, which is not valid
#: YAML (or is a list); its loader takes the line as text, so for its files we quote it.
_ARGUMENT_HINT = re.compile(r"^(argument-hint:[ \t]*)(\[.*?)[ \t]*$", re.MULTILINE)


def _quote_argument_hint(front_matter: str) -> str:
    def quote(match: re.Match[str]) -> str:
        return match.group(1) + "'" + match.group(2).replace("'", "''") + "'"

    return _ARGUMENT_HINT.sub(quote, front_matter)


def _read_front_matter(
    text: str, sink: DiagnosticSink, what: str, *, claude: bool = False
) -> _FrontMatter | None:
    parts = split_front_matter(text)
    if claude and parts.front_matter is not None:
        parts = replace(parts, front_matter=_quote_argument_hint(parts.front_matter))
    if parts.unterminated:
        sink.add(f"the {what} front matter opened with '---' is never closed by another '---'")
        return None
    if parts.front_matter is None:
        return _FrontMatter({}, PositionMap(), parts.body, parts.body_line)
    try:
        data, positions = load_yaml(parts.front_matter)
    except YamlSyntaxError as error:
        loaded = _load_leniently(parts.front_matter, parts.front_matter_line, sink)
        if loaded is None:
            sink.add(error.message, error.span.shifted(parts.front_matter_line))
            return None
        data, positions = loaded
    if data is None:
        data = {}
    if not isinstance(data, dict):
        sink.add(
            f"the {what} front matter must be a mapping of fields (name: value), "
            f"not a {type(data).__name__}",
            Span(line=parts.front_matter_line),
        )
        return None
    return _FrontMatter(
        data, positions.shifted(parts.front_matter_line), parts.body, parts.body_line
    )


def _load_leniently(
    yaml_text: str, line_offset: int, sink: DiagnosticSink
) -> tuple[Any, PositionMap] | None:
    """Claude Code's reading of front matter that strict YAML rejects (see
    `lenient_front_matter`): the file loads, each repaired value is a warning."""
    repaired, repairs = repair(yaml_text)
    if not repairs:
        return None
    try:
        loaded = load_yaml(repaired)
    except YamlSyntaxError:
        return None
    for fixed in repairs:
        sink.add(
            f"the value of '{fixed.key}' holds ': ' (or starts with a character YAML "
            "reserves), which strict YAML rejects; read as text, as Claude Code reads it. "
            "Quote it to make the file valid YAML",
            Span(
                line=fixed.line + line_offset,
                column=fixed.column,
                end_line=fixed.line + line_offset,
                end_column=fixed.end_column,
            ),
            Severity.WARNING,
            code=UNQUOTED_VALUE,
        )
    return loaded


def _translate_claude_tools(
    names: list[str], positions: PositionMap, sink: DiagnosticSink, key: str
) -> list[tuple[int, str]]:
    entries: list[tuple[int, str]] = []
    for index, name in enumerate(names):
        ours, known = from_claude(name)
        if ours is not None:
            entries.append((index, ours))
        elif known:
            sink.add(
                f"Claude Code's tool '{name}' has no equivalent in Orchestra; ignored",
                positions.value((key, index)),
                Severity.INFO,
            )
        else:
            sink.add(
                f"unknown tool '{name}'{did_you_mean(name)}; ignored",
                positions.value((key, index)),
                Severity.WARNING,
            )
    return entries


def parse_agent(path: Path, text: str, layer: Layer) -> Parsed[Agent]:
    sink = DiagnosticSink(path)
    compat = layer is Layer.COMPAT
    front = _read_front_matter(text, sink, "agent")
    spec: AgentFrontMatter | None = None
    complete = False
    if front is not None:
        model: type[AgentFrontMatter] = ClaudeAgentFrontMatter if compat else AgentFrontMatter
        validated = validate_all(
            model, front.data, front.positions, sink, "agent front matter", lenient=compat
        )
        spec = validated.value or validated.partial
        complete = validated.value is not None
    if front is None or spec is None:
        return Parsed(None, PositionMap(), sink, text)
    missing = [key for key in ("name", "description") if compat and not front.data.get(key)]
    if missing:
        # Claude Code skips such a file (a README of notes beside the agents): so does this.
        sink.add(
            "not an agent: Claude Code reads an agent file only when its front matter has "
            f"`name` and `description`, and this one has no {' and no '.join(missing)}",
            Span(line=0),
            Severity.WARNING,
        )
        return Parsed(None, front.positions, sink, text, data=front.data)
    if compat:
        entries = (
            _translate_claude_tools(spec.tools, front.positions, sink, "tools")
            if "tools" in front.data
            else [(-1, name) for name in ALL_TOOLS]
        )
    else:
        entries = _tool_entries(spec.tools, front.data.get("tools"))
    extra: dict[str, Any] = {}
    if isinstance(spec, ClaudeAgentFrontMatter):
        entries, extra = _claude_agent_fields(spec, entries, front.positions, sink)
    _check_model(front.data.get("model"), front.positions, ("model",), sink, aliases=compat)
    if not front.body.strip():
        sink.add(
            "the agent has no prompt: write its instructions below the front matter",
            Span(line=front.body_line),
            Severity.WARNING,
        )
    agent = Agent(
        name=spec.name or path.stem,
        description=spec.description,
        model=spec.model,
        tools=[name for _, name in entries],
        max_turns=spec.max_turns,
        prompt=front.body.strip(),
        source=SourceRef(path=path, layer=layer, body_line=front.body_line),
        **extra,
    )
    if not complete:
        return Parsed(None, front.positions, sink, text, entries, front.data, partial=agent)
    return Parsed(agent, front.positions, sink, text, entries, front.data)


#: `permissionMode: plan`: Claude Code's sub-agent may look but not change anything.
_PLAN_EXCLUDED = ("edit", "run_shell")


def _claude_agent_fields(
    spec: ClaudeAgentFrontMatter,
    entries: list[tuple[int, str]],
    positions: PositionMap,
    sink: DiagnosticSink,
) -> tuple[list[tuple[int, str]], dict[str, Any]]:
    """What Claude Code's sub-agent fields mean here: `disallowedTools` (a bare tool is
    never offered; `Bash(rm:*)` is a deny rule of this agent), `permissionMode`
    (`plan`: no edits, no shell; `bypassPermissions`: asks become allows only where the
    person's own settings permit it, decided when the run starts), `mcpServers` (only
    those servers' tools) and `skills` (preloaded into the prompt)."""
    excluded: list[str] = []
    deny: list[str] = []
    for index, name in enumerate(spec.disallowed_tools):
        ours, known = from_claude(name)
        if ours is None:
            severity = Severity.INFO if known else Severity.WARNING
            sink.add(
                f"disallowed tool '{name}' has no equivalent in Orchestra; nothing to remove",
                positions.value(("disallowedTools", index)),
                severity,
            )
        elif split_pattern(ours)[1] is None:
            excluded.append(ours)
        elif isinstance(parse_rule(ours), RuleError):
            sink.add(
                f"disallowed tool '{name}': {parse_rule(ours)}",
                positions.value(("disallowedTools", index)),
            )
        else:
            deny.append(ours)
    if spec.permission_mode == "plan":
        excluded += [tool for tool in _PLAN_EXCLUDED if tool not in excluded]
        deny += list(_PLAN_EXCLUDED)
    elif spec.permission_mode == "dontAsk":
        sink.add(
            "permissionMode 'dontAsk' is not supported; the agent runs under the normal policy",
            positions.value(("permissionMode",)),
            Severity.WARNING,
        )
    for key, name in CLAUDE_UNUSED_AGENT_FIELDS.items():
        if name not in spec.model_fields_set:
            continue
        sink.add(
            f"Claude Code's sub-agent field '{key}' has no effect in Orchestra; ignored",
            positions.key((key,)),
            Severity.INFO,
        )
    if spec.mcp_servers is not None:
        entries = _only_servers(spec.mcp_servers, entries, positions, sink)
    kept = [(i, name) for i, name in entries if name not in excluded]
    return kept, {
        "excluded_tools": excluded,
        "deny": deny,
        "permission_mode": spec.permission_mode,
        "skills": spec.skills,
    }


def _only_servers(
    servers: list[str | dict[str, Any]],
    entries: list[tuple[int, str]],
    positions: PositionMap,
    sink: DiagnosticSink,
) -> list[tuple[int, str]]:
    """`mcpServers`: the agent reaches these servers' tools and no others."""
    names: list[str] = []
    for index, server in enumerate(servers):
        if isinstance(server, str):
            names.append(server)
            continue
        for name in server:
            names.append(str(name))
            sink.add(
                f"an inline MCP server definition ('{name}') is not supported; define it in "
                ".mcp.json and name it here",
                positions.value(("mcpServers", index)),
                Severity.WARNING,
            )
    kept = [(i, n) for i, n in entries if mcp_server_of(n) is None or mcp_server_of(n) in names]
    had_all = any(mcp_server_of(n) == "*" for _, n in entries)
    if had_all:
        kept += [(-1, f"mcp__{name}__*") for name in names]
    return kept


def _tool_entries(tools: list[str], written: Any) -> list[tuple[int, str]]:
    """(index in the file, name): a partial agent lost the entries in error, so the
    indices come from what was written."""
    if isinstance(written, list) and len(written) != len(tools):
        return [(index, name) for index, name in enumerate(written) if isinstance(name, str)]
    return list(enumerate(tools))


def parse_command(path: Path, text: str, layer: Layer, default_agent: str) -> Parsed[Command]:
    sink = DiagnosticSink(path)
    front = _read_front_matter(text, sink, "command", claude=layer is Layer.COMPAT)
    if front is None:
        return Parsed(None, PositionMap(), sink, text)
    source = SourceRef(path=path, layer=layer, body_line=front.body_line)
    if layer is Layer.COMPAT:
        command = _claude_command(path, front, sink, source)
    else:
        validated = validate_all(
            CommandFrontMatter, front.data, front.positions, sink, "command front matter"
        )
        spec = validated.value or validated.partial
        command = (
            None
            if spec is None
            else _orchestra_command(path, spec, front, sink, source, default_agent)
        )
        if validated.value is None:
            return Parsed(None, front.positions, sink, text, data=front.data, partial=command)
    return Parsed(command, front.positions, sink, text, data=front.data)


def _orchestra_command(
    path: Path,
    spec: CommandFrontMatter,
    front: _FrontMatter,
    sink: DiagnosticSink,
    source: SourceRef,
    default_agent: str,
) -> Command | None:
    body = front.body.strip()
    agent = spec.agent or default_agent
    arguments = spec.arguments
    if spec.steps:
        steps = [_step(s, agent) for s in spec.steps]
        instructions = body
    elif body:
        steps = [Step(id="main", agent=agent, prompt=body)]
        instructions = ""
        if not spec.arguments and uses_positional(body):
            # As in a Claude Code command (README): the words given are `$ARGUMENTS`.
            arguments = [ArgumentSpec(name="ARGUMENTS", description="arguments")]
    elif "steps" in front.data:  # written, but in error (reported): no second message
        return None
    else:
        sink.add(
            "the command has neither `steps` nor a prompt below the front matter",
            Span(line=front.body_line),
        )
        return None
    return Command(
        name=spec.name or path.stem,
        description=spec.description,
        arguments=arguments,
        mode=spec.mode,
        steps=steps,
        instructions=instructions,
        code_action=spec.code_action,
        source=source,
    )


def _step(spec: StepSpec, agent: str) -> Step:
    """A step of the front matter, resolved: its agent named, its group's steps inside."""
    if spec.repeat is not None:
        inner = spec.repeat.steps
        update: dict[str, Any] = {"kind": "repeat", "until": spec.repeat.until}
        update["max"] = spec.repeat.max
    elif spec.for_each is not None:
        inner = spec.steps or []
        update = {"kind": "for_each", "for_each": spec.for_each, "as_": spec.as_}
        update["max_parallel"] = spec.max_parallel
    elif spec.parallel is not None:
        inner, update = spec.parallel, {"kind": "parallel"}
    else:
        inner = []
        update = {"prompt": spec.prompt or "", "gate": spec.gate, "output": spec.output}
        update["on_max_turns"] = spec.on_max_turns
    steps = [_step(s, agent) for s in inner]
    return Step(id=spec.id, agent=spec.agent or agent, when=spec.when, steps=steps, **update)


def _claude_command(
    path: Path, front: _FrontMatter, sink: DiagnosticSink, source: SourceRef
) -> Command | None:
    spec = validate(
        ClaudeCommandFrontMatter,
        front.data,
        front.positions,
        sink,
        "command front matter",
        lenient=True,
    )
    if spec is None:
        return None
    allowed = _translate_claude_tools(spec.allowed_tools, front.positions, sink, "allowed-tools")
    model = CLAUDE_MODEL_ALIASES.get(spec.model, spec.model) if spec.model else None
    _check_model(spec.model, front.positions, ("model",), sink, aliases=True)
    return Command(
        name=spec.name or path.stem,
        description=spec.description or _first_line(front.body),
        arguments=[ArgumentSpec(name="ARGUMENTS", description=spec.argument_hint or "arguments")],
        mode="orchestration",
        steps=[
            Step(id="main", agent=spec.agent or CLAUDE_DEFAULT_AGENT, prompt=front.body.strip())
        ],
        instructions="",
        code_action=None,
        allowed_tools=[name for _, name in allowed],
        model=model,
        claude=True,
        argument_names=[name for name in spec.arguments if name],
        argument_hint=spec.argument_hint,
        disable_model_invocation=spec.disable_model_invocation,
        source=source,
    )


def _first_line(body: str) -> str:
    """A Claude Code command's description when it has none: the first line of its body,
    as Claude Code shows it, without a Markdown heading's marks (`# Review` is `Review`)."""
    for line in body.splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()
    return ""


def parse_skill(path: Path, text: str, layer: Layer) -> Parsed[Skill]:
    """`<folder>/SKILL.md`: the skill is named by its folder unless `name` says otherwise."""
    sink = DiagnosticSink(path)
    front = _read_front_matter(text, sink, "skill", claude=True)
    if front is None:
        return Parsed(None, PositionMap(), sink, text)
    spec = validate(
        SkillFrontMatter, front.data, front.positions, sink, "skill front matter", lenient=True
    )
    if spec is None:
        return Parsed(None, front.positions, sink, text, data=front.data)
    if not spec.description:
        sink.add(
            "the skill has no description: agents choose skills by their description",
            front.positions.key(()),
            Severity.WARNING,
        )
    if not front.body.strip():
        sink.add("the skill has no instructions below its front matter", Span(line=front.body_line))
        return Parsed(None, front.positions, sink, text, data=front.data)
    allowed = _translate_claude_tools(spec.allowed_tools, front.positions, sink, "allowed-tools")
    _check_model(spec.model, front.positions, ("model",), sink, aliases=True)
    skill = Skill(
        name=spec.name or path.parent.name,
        description=spec.description,
        body=front.body.strip(),
        allowed_tools=[name for _, name in allowed],
        directory=path.parent,
        files=supporting_files(path.parent),
        model_invocable=not spec.disable_model_invocation,
        user_invocable=spec.user_invocable,
        source=SourceRef(path=path, layer=layer, body_line=front.body_line),
    )
    parsed = Parsed(skill, front.positions, sink, text, data=front.data)
    parsed.command = _skill_command(skill, spec) if spec.user_invocable else None
    return parsed


def _skill_command(skill: Skill, spec: SkillFrontMatter) -> Command:
    """The skill as a person runs it: a Claude Code command whose prompt says where the
    skill's files are, as Claude Code's does."""
    files = ", ".join(skill.files[:20]) + (" …" if len(skill.files) > 20 else "")
    where = f"Base directory for this skill: {skill.directory}" + (
        f" (supporting files: {files}; read them with the `skill` tool)" if files else ""
    )
    model = CLAUDE_MODEL_ALIASES.get(spec.model, spec.model) if spec.model else None
    return Command(
        name=skill.name,
        description=skill.description,
        arguments=[ArgumentSpec(name="ARGUMENTS", description=spec.argument_hint or "arguments")],
        mode="orchestration",
        steps=[Step(id="main", agent=CLAUDE_DEFAULT_AGENT, prompt=f"{where}\n\n{skill.body}")],
        instructions="",
        code_action=CodeActionSpec(kinds=["source"], when="always"),
        allowed_tools=skill.allowed_tools,
        model=model,
        claude=True,
        argument_names=[name for name in spec.arguments if name],
        argument_hint=spec.argument_hint,
        disable_model_invocation=not skill.model_invocable,
        source=skill.source,
    )


def parse_config(path: Path, text: str) -> Parsed[Config]:
    sink = DiagnosticSink(path)
    data, positions = parse_toml(text, sink)
    if data is None:
        return Parsed(None, positions, sink, text)
    # With the fields in error left out (`partial`), the checks of the rest still run:
    # one mistake does not hide the next.
    validated = validate_all(Config, data, positions, sink, "config.toml")
    checked = validated.value or validated.partial
    if checked is not None and "name" in checked.model.model_fields_set:
        _check_model(checked.model.name, positions, ("model", "name"), sink, aliases=False)
    return Parsed(validated.value, positions, sink, text, partial=validated.partial)


def _check_model(
    written: object,
    positions: PositionMap,
    where: tuple[str, ...],
    sink: DiagnosticSink,
    aliases: bool,
) -> None:
    """A model that names none, or a deprecated one, is a warning on the line that
    names it: every run on it fails (past its day, for a deprecated one). `aliases`:
    Claude Code's (`sonnet`…) are taken here."""
    if not isinstance(written, str) or not written:
        return
    model = CLAUDE_MODEL_ALIASES.get(written, written) if aliases else written
    unknown = unknown_model(written, aliases)
    day = end_of_life(model) if model else None
    if unknown:
        sink.add(unknown, positions.value(where), Severity.WARNING)
    elif model and day:
        sink.add(
            f"{retiring(model, day)}; name a newer one", positions.value(where), Severity.WARNING
        )


_HTTP_TYPES = ("http", "streamable-http", "sse")


def parse_mcp_json(
    path: Path, text: str, layer: Layer, environ: Mapping[str, str]
) -> Parsed[dict[str, McpServer]]:
    """Servers that validated; a broken server entry does not hide its neighbours."""
    sink = DiagnosticSink(path)
    data, positions = parse_json(text, sink)
    if data is None:
        return Parsed(None, positions, sink, text)
    lenient = layer is Layer.COMPAT
    if not isinstance(data, dict) or not isinstance(data.get("mcpServers"), dict):
        sink.add('mcp.json must be an object with an "mcpServers" object inside', Span())
        return Parsed(None, positions, sink, text)
    for key in data:
        if key != "mcpServers":
            severity = Severity.WARNING if lenient else Severity.ERROR
            sink.add(
                f"unknown top-level field '{key}' (only \"mcpServers\")",
                positions.key((key,)),
                severity,
            )
    servers: dict[str, McpServer] = {}
    for name, entry in data["mcpServers"].items():
        server = _server(str(name), entry, positions, sink, lenient, environ, text)
        if server is not None:
            servers[server.name] = McpServer(
                name=server.name,
                spec=server.spec,
                source_path=str(path),
                expanded=server.expanded,
                written=server.written,
            )
    return Parsed(servers, positions, sink, text)


@dataclass
class _NamedSpec:
    name: str
    spec: StdioServer | HttpServer
    expanded: list[ExpandedValue]
    written: StdioServer | HttpServer


def _server(
    name: str,
    entry: Any,
    positions: PositionMap,
    sink: DiagnosticSink,
    lenient: bool,
    environ: Mapping[str, str],
    source: str,
) -> _NamedSpec | None:
    at = ("mcpServers", name)
    if not isinstance(entry, dict):
        sink.add(f"server '{name}' must be an object", positions.key(at))
        return None
    if "__" in name or not name:
        sink.add(
            f"server name '{name}' may not contain '__' (tools are named mcp__<server>__<tool>)",
            positions.key(at),
        )
        return None
    is_http = entry.get("type") in _HTTP_TYPES or ("url" in entry and "command" not in entry)
    model: type[StdioServer] | type[HttpServer] = HttpServer if is_http else StdioServer
    data = dict(entry)
    if is_http and "type" not in data:
        data["type"] = "http"
    shifted = positions.under(at)
    spec = validate(model, data, shifted, sink, f"MCP server '{name}'", lenient=lenient)
    if spec is None:
        return None
    expanded, values = _expanded(spec, positions, at, sink, environ, source)
    return _NamedSpec(name, expanded, values, spec)


def _expanded(
    spec: StdioServer | HttpServer,
    positions: PositionMap,
    at: tuple[str | int, ...],
    sink: DiagnosticSink,
    environ: Mapping[str, str],
    source: str,
) -> tuple[StdioServer | HttpServer, list[ExpandedValue]]:
    """The spec with every string expanded, and the values the environment supplied."""
    values: list[ExpandedValue] = []

    def one(value: str, path: tuple[str | int, ...]) -> str:
        expansion = expand(value, environ)
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)[1:]
        values.extend(ExpandedValue(variable=n, value=v, field=where) for n, v in expansion.values)
        span = positions.value((*at, *path))
        for unset in expansion.unset:
            sink.add(
                f"environment variable {unset.name} is not set: it expands to nothing "
                f"(write ${{{unset.name}:-default}} for a default)",
                _inside(span, value, unset.start, unset.end, source),
                Severity.WARNING,
            )
        return expansion.text

    if isinstance(spec, StdioServer):
        expanded: StdioServer | HttpServer = spec.model_copy(
            update={
                "command": one(spec.command, ("command",)),
                "args": [one(a, ("args", i)) for i, a in enumerate(spec.args)],
                "env": {k: one(v, ("env", k)) for k, v in spec.env.items()},
                "cwd": None if spec.cwd is None else one(spec.cwd, ("cwd",)),
            }
        )
    else:
        expanded = spec.model_copy(
            update={
                "url": one(spec.url, ("url",)),
                "headers": {k: one(v, ("headers", k)) for k, v in spec.headers.items()},
            }
        )
    return expanded, values


def _inside(span: Span, value: str, start: int, end: int, source: str) -> Span:
    """The span of `value[start:end]` when the JSON string is written on one line without
    escapes (then its characters map one to one); else the whole string's span."""
    if span.end_line != span.line or span.end_column is None:
        return span
    lines = source.splitlines()
    if span.line >= len(lines):
        return span
    written = lines[span.line][span.column : span.end_column]
    if written != f'"{value}"':  # an escape shifts the columns: point at the whole string
        return span
    column = span.column + 1 + start
    return Span(line=span.line, column=column, end_line=span.line, end_column=column + end - start)
