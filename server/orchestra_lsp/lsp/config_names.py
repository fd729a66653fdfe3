"""Completion and hover inside `.orchestra` files: the names a file may use.

Agent names (a step's `agent:`), tool names (an agent's `tools`: built-ins and
`mcp__<server>__*`), MCP server names, and template names inside `{{ }}`. Names come
from the configuration as typed, so a just-added agent completes at once.

Inside `{{ }}` of a command file, only what that place can use is offered: the context
names, the command's own arguments and the outputs of the steps before the cursor's
step. Every item carries a `textEdit` over the name typed so far (`steps.pl` → the
whole `steps.plan.output`), and only items matching what is typed are sent (eglot
shows the server's list as it comes): clients split words differently (`.` and `-` end a word in
Emacs and Neovim), so leaving the range to the client duplicates what was typed.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from orchestra_lsp.lsp import bootstrap
from orchestra_lsp.lsp.server import OrchestraServer

if TYPE_CHECKING:
    from orchestra_lsp.workspace import Command, Workspace

logger = logging.getLogger(__name__)

_OPEN_TEMPLATE = re.compile(r"\{\{\s*[\w.\-]*$")
_AGENT_KEY = re.compile(r"^\s*(-\s*)?agent:\s*[\w.\-]*$")
_WORD = re.compile(r"[\w.\-]+")
_TYPED = re.compile(r"[\w.\-*]*$")
_STEP_ID = re.compile(r"^\s*(?:-\s*)?\{?\s*id:\s*[\"']?([\w.\-]+)")
_FENCE = re.compile(r"^---\s*$")


@dataclass(frozen=True)
class Place:
    """Where the cursor is: the file, its kind (`agents`, `commands`, …), its lines
    (by the project's rule) and the cursor's line and code-point column."""

    path: Path
    kind: str
    lines: list[str]
    line: int
    column: int

    @property
    def before(self) -> str:
        text = self.lines[self.line] if self.line < len(self.lines) else ""
        return text[: self.column]


def completions(
    workspace: Workspace, place: Place
) -> list[tuple[str, types.CompletionItemKind, str]]:
    """What may be written at `place`: (name, kind, detail)."""
    from orchestra_lsp.workspace.templates import CONTEXT_NAMES
    from orchestra_lsp.workspace.tool_names import BUILTIN_TOOL_NAMES

    before = place.before
    if _OPEN_TEMPLATE.search(before):
        names = [(n, "context") for n in CONTEXT_NAMES]
        if place.kind == "commands":
            names += [(a, "argument") for a in _arguments(workspace, place.path)]
            steps, items = _visible(workspace, place)
            names += [(f"steps.{s}.output", "earlier step's output") for s in steps]
            names += [(n, "for_each item") for n in items]
        return [(n, types.CompletionItemKind.Variable, d) for n, d in names]
    if _AGENT_KEY.search(before):
        return [
            (agent.name, types.CompletionItemKind.Class, agent.description)
            for agent in sorted(workspace.agents.values(), key=lambda a: a.name)
        ]
    if place.kind == "agents":
        tools = [(t, types.CompletionItemKind.Function, "tool") for t in BUILTIN_TOOL_NAMES]
        servers = [
            (f"mcp__{name}__*", types.CompletionItemKind.Module, "MCP server's tools")
            for name in sorted(workspace.mcp_servers)
        ]
        return tools + servers
    return []


def _command(workspace: Workspace, path: Path) -> Command | None:
    """The command defined in `path`, when it loaded."""
    for command in workspace.commands.values():
        if command.path == path:
            return command
    return None


def _arguments(workspace: Workspace, path: Path) -> list[str]:
    command = _command(workspace, path)
    return [a.name for a in command.arguments] if command else []


def _visible(workspace: Workspace, place: Place) -> tuple[list[str], list[str]]:
    """Ids of the steps whose output the step the cursor is in may read, and the `as`
    names of its enclosing `for_each` groups (none in the body, which every step
    shares). When the command loaded, by the flow's rules
    (`flow_checks.visible_steps`: steps inside groups too, a `for_each`'s steps only
    inside it); else the steps written above, read from the file's `id:` lines, so a
    half-typed file still works."""
    from orchestra_lsp.workspace.flow_checks import visible_steps

    fences = [n for n, line in enumerate(place.lines) if _FENCE.match(line)]
    if len(fences) < 2 or fences[0] != 0 or place.line >= fences[1]:
        return [], []
    ids = [
        match.group(1) for line in place.lines[: place.line + 1] if (match := _STEP_ID.match(line))
    ]
    earlier = ids[:-1]
    command = _command(workspace, place.path)
    if command is None:
        return earlier, []
    visible = visible_steps(command).get(ids[-1]) if ids else None
    if visible is not None:
        return list(visible.steps), sorted(visible.names)
    known = {step.id for step in command.all_steps()}
    return [i for i in earlier if i in known], []


def hover(workspace: Workspace, line: str, column: int) -> types.Hover | None:
    """An agent's description and tools, or an MCP server's definition, under the
    cursor (`column` in code points)."""
    for match in _WORD.finditer(line):
        if match.start() <= column <= match.end():
            word = match.group()
            break
    else:
        return None
    agent = workspace.agents.get(word)
    if agent is not None:
        tools = ", ".join(f"`{t}`" for t in agent.tools) or "none"
        text = f"**{agent.name}** (agent)\n\n{agent.description}\n\nTools: {tools}"
    elif word in workspace.mcp_servers:
        server = workspace.mcp_servers[word]
        text = f"**{word}** (MCP server, {server.spec.type}) from {server.source_path}"
    else:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))


TRIGGERS = bootstrap.COMPLETION_TRIGGERS


def setup(server: OrchestraServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGERS)
    )
    def complete(ls: OrchestraServer, params: types.CompletionParams) -> list[types.CompletionItem]:
        found = _place(ls, params.text_document.uri, params.position)
        if found is None:
            return []
        workspace, place = found
        typed = _TYPED.search(place.before)
        start = place.column - (len(typed.group()) if typed else 0)
        edit_range = ls.codec.range_to_client(
            place.lines, (place.line, start), (place.line, place.column)
        )
        return [
            types.CompletionItem(
                label=name,
                kind=kind,
                detail=detail,
                filter_text=name,
                text_edit=types.TextEdit(range=edit_range, new_text=name),
            )
            for name, kind, detail in completions(workspace, place)
            if _matches(typed.group() if typed else "", name)
        ]

    server.on_initialized.append(lambda: _register_completion(server))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: OrchestraServer, params: types.HoverParams) -> types.Hover | None:
        found = _place(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        workspace, place = found
        line = place.lines[place.line] if place.line < len(place.lines) else ""
        return hover(workspace, line, place.column)


async def _register_completion(server: OrchestraServer) -> None:
    """Ask for completion in configuration files only, when the client registers it
    dynamically (it was then left out of the `initialize` capabilities). Not awaited:
    a client slow to answer must not hold the other features' start."""
    if not server.features.completion_registration:
        return
    from orchestra_lsp.lsp.configuration import WATCHED

    options = types.CompletionRegistrationOptions(
        document_selector=[
            types.TextDocumentFilterPattern(pattern=glob, scheme="file") for glob in WATCHED
        ],
        trigger_characters=TRIGGERS,
    )
    registration = types.Registration(
        id=str(uuid.uuid4()), method=types.TEXT_DOCUMENT_COMPLETION, register_options=options
    )
    request = server.client_register_capability_async(
        types.RegistrationParams(registrations=[registration])
    )
    task = asyncio.ensure_future(request)
    task.add_done_callback(_refused)


def _refused(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("the client would not register completion: %s", task.exception())


def _matches(typed: str, name: str) -> bool:
    """The server filters by what is typed (letters in order, as flex matching does):
    some clients (eglot) show the server's items unfiltered."""
    rest = iter(name.lower())
    return all(ch in rest for ch in typed.lower())


def _place(
    server: OrchestraServer, uri: str, position: types.Position
) -> tuple[Workspace, Place] | None:
    """The configuration as typed and the cursor's place, when the cursor is in an open
    `.orchestra` file."""
    from orchestra_lsp.lsp.paths import uri_to_path
    from orchestra_lsp.lsp.positions import text_lines

    document = server.documents.get(uri)
    path = uri_to_path(uri)
    workspace = server.configuration.latest
    if document is None or path is None or workspace is None:
        return None
    if not server.configuration.is_config_file(path):
        return None
    lines = text_lines(document.text)
    column = server.codec.from_client(lines, position)
    return workspace, Place(path, path.parent.name, lines, position.line, column)
