"""GitHub Copilot's files: `.github/agents/*.agent.md` as agents and
`.github/prompts/*.prompt.md` as commands (`.github/copilot-instructions.md` is
persistent context, read by the loader with CLAUDE.md and AGENTS.md).

What maps: an agent's `name`, `description`, body (its prompt) and `tools` (Copilot's
tool and tool-set names: `search`/`codebase` → `search`, `read`/`readFile` →
`read_file`, `edit`/`editFiles` → `edit`, `runCommands`/`runInTerminal`/`execute` →
`run_shell`); a prompt's `description`, `argument-hint`, `agent` (or the older `mode`),
and its body with `${input:name}` (an argument), `${selection}` and `${file}`. What
does not (warned and ignored): Copilot's own tools (`fetch`, `githubRepo`, `problems`,
…), its model names, `handoffs`, `target`; a prompt's `tools` and `model`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestra_lsp.workspace.agents import Agent
from orchestra_lsp.workspace.commands import ArgumentSpec, Command, Step
from orchestra_lsp.workspace.diagnostics import DiagnosticSink, Severity, Span
from orchestra_lsp.workspace.model_errors import validate
from orchestra_lsp.workspace.parsers import CLAUDE_DEFAULT_AGENT, Parsed, _read_front_matter
from orchestra_lsp.workspace.sources import Layer, SourceRef
from orchestra_lsp.workspace.yaml_positions import PositionMap

AGENT_SUFFIX = ".agent.md"
PROMPT_SUFFIX = ".prompt.md"

#: Copilot's tool (and tool-set) names mapped to ours; None: no equivalent.
COPILOT_TOOLS: dict[str, str | None] = {
    "search": "search",
    "codebase": "search",
    "textSearch": "search",
    "fileSearch": "list_files",
    "listDirectory": "list_files",
    "read": "read_file",
    "readFile": "read_file",
    "edit": "edit",
    "editFiles": "edit",
    "createFile": "edit",
    "runCommands": "run_shell",
    "runInTerminal": "run_shell",
    "execute": "run_shell",
    "terminal": "run_shell",
    "agent": "task",
    "runSubagent": "task",
    "fetch": None,
    "githubRepo": None,
    "problems": None,
    "usages": None,
    "changes": None,
    "todos": None,
    "vscodeAPI": None,
    "extensions": None,
    "openSimpleBrowser": None,
    "testFailure": None,
    "new": None,
    "web": None,
}

_INPUT = re.compile(r"\$\{input:([A-Za-z_][\w\-]*)(?::[^}]*)?\}")
_VARIABLES = {
    "${selection}": "{{selection}}",
    "${selectedText}": "{{selection}}",
    "${file}": "{{file}}",
}


def _listed(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class _CopilotAgent(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][\w.\-]*$")
    description: str = ""
    tools: list[str] | None = None
    model: str | list[str] | None = None

    _split = field_validator("tools", mode="before")(_listed)


class _CopilotPrompt(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][\w.:\-]*$")
    description: str = ""
    argument_hint: str = Field(default="", alias="argument-hint")
    agent: str | None = None
    mode: str | None = None
    tools: list[str] | None = None
    model: str | list[str] | None = None

    _split = field_validator("tools", mode="before")(_listed)


def _tools(names: list[str], positions: PositionMap, sink: DiagnosticSink) -> list[str]:
    ours: list[str] = []
    for index, name in enumerate(names):
        key = name.split("/", 1)[0]  # `search/codebase`: the tool set decides
        mapped = COPILOT_TOOLS.get(name, COPILOT_TOOLS.get(key, "?"))
        where = positions.value(("tools", index))
        if mapped == "?":
            sink.add(
                f"Copilot tool '{name}' is unknown to Orchestra; ignored", where, Severity.WARNING
            )
        elif mapped is None:
            sink.add(
                f"Copilot tool '{name}' has no equivalent in Orchestra; ignored",
                where,
                Severity.INFO,
            )
        elif mapped not in ours:
            ours.append(mapped)
    return ours


def _model_note(model: object, positions: PositionMap, sink: DiagnosticSink) -> None:
    if model is not None:
        sink.add(
            "Copilot's model names are not Claude model ids; the configured model is used",
            positions.value(("model",)),
            Severity.INFO,
        )


def parse_copilot_agent(path: Path, text: str) -> Parsed[Agent]:
    sink = DiagnosticSink(path)
    front = _read_front_matter(text, sink, "agent", claude=True)
    if front is None:
        return Parsed(None, PositionMap(), sink, text)
    spec = validate(_CopilotAgent, front.data, front.positions, sink, "Copilot agent", lenient=True)
    if spec is None:
        return Parsed(None, front.positions, sink, text)
    _model_note(spec.model, front.positions, sink)
    tools = (
        _tools(spec.tools, front.positions, sink)
        if spec.tools is not None
        else ["read_file", "list_files", "search", "edit", "run_shell", "ask_user", "mcp__*"]
    )
    agent = Agent(
        name=spec.name or path.name.removesuffix(AGENT_SUFFIX),
        description=spec.description,
        model=None,
        tools=tools,
        max_turns=40,
        prompt=front.body.strip(),
        source=SourceRef(path=path, layer=Layer.COMPAT, body_line=front.body_line),
    )
    return Parsed(agent, front.positions, sink, text, data=front.data)


def parse_copilot_prompt(path: Path, text: str) -> Parsed[Command]:
    sink = DiagnosticSink(path)
    front = _read_front_matter(text, sink, "prompt", claude=True)
    if front is None:
        return Parsed(None, PositionMap(), sink, text)
    spec = validate(
        _CopilotPrompt, front.data, front.positions, sink, "Copilot prompt", lenient=True
    )
    if spec is None:
        return Parsed(None, front.positions, sink, text)
    _model_note(spec.model, front.positions, sink)
    if spec.tools is not None:
        sink.add(
            "a prompt's `tools` are not applied: the agent's own tools are used",
            front.positions.key(("tools",)),
            Severity.INFO,
        )
    body = front.body.strip()
    if not body:
        sink.add("the prompt file has no text below its front matter", Span(line=front.body_line))
        return Parsed(None, front.positions, sink, text)
    names = list(dict.fromkeys(_INPUT.findall(body)))
    prompt = _INPUT.sub(lambda m: "{{" + m.group(1).replace("-", "_") + "}}", body)
    for variable, template in _VARIABLES.items():
        prompt = prompt.replace(variable, template)
    chosen = spec.agent or spec.mode
    agent = CLAUDE_DEFAULT_AGENT if chosen in (None, "agent", "edit", "ask") else chosen
    command = Command(
        name=spec.name or path.name.removesuffix(PROMPT_SUFFIX),
        description=spec.description,
        arguments=[
            ArgumentSpec(name=n.replace("-", "_"), description=spec.argument_hint, required=True)
            for n in names
        ],
        mode="orchestration",
        steps=[Step(id="main", agent=agent, prompt=prompt)],
        instructions="",
        code_action=None,
        argument_hint=spec.argument_hint,
        source=SourceRef(path=path, layer=Layer.COMPAT, body_line=front.body_line),
    )
    return Parsed(command, front.positions, sink, text, data=front.data)
