"""Discover every definition for a workspace and resolve it into one `Workspace`.

Precedence, highest first: the repository's `.orchestra/`, other tools' files in the
repository (`.claude/`, `CLAUDE.md`, `AGENTS.md`, `.mcp.json`), `search_paths` from
config.toml, the user's config folder, the built-ins. The loader never raises: what
loads is returned beside the diagnostics of what did not.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import platformdirs
from pydantic import BaseModel

from orchestra_lsp.workspace.agents import Agent
from orchestra_lsp.workspace.builtins import builtins_dir
from orchestra_lsp.workspace.commands import Command
from orchestra_lsp.workspace.config import Config
from orchestra_lsp.workspace.diagnostics import Diagnostic, Severity, Span
from orchestra_lsp.workspace.mcp_config import McpServer
from orchestra_lsp.workspace.parsers import (
    Parsed,
    parse_agent,
    parse_command,
    parse_config,
    parse_mcp_json,
)
from orchestra_lsp.workspace.persistent import PersistentContext, load_context_file
from orchestra_lsp.workspace.sources import Layer
from orchestra_lsp.workspace.validation import check_agent_tools, check_command, check_permissions

ORCHESTRA_DIR = ".orchestra"
CONTEXT_FILES = (f"{ORCHESTRA_DIR}/CONTEXT.md", "CLAUDE.md", "AGENTS.md")

T = TypeVar("T", Agent, Command)


class Workspace(BaseModel):
    """Everything `.orchestra/` (and its compatible neighbours) define for one folder."""

    root: Path
    config: Config
    context: PersistentContext
    agents: dict[str, Agent]
    commands: dict[str, Command]
    mcp_servers: dict[str, McpServer]
    diagnostics: list[Diagnostic]
    files: list[Path]
    """Every file that was read, so a front end knows what to watch and what to clear."""

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    def secrets(self) -> list[str]:
        return [secret for server in self.mcp_servers.values() for secret in server.secrets()]


def default_user_dir() -> Path:
    return Path(platformdirs.user_config_dir("orchestra"))


class _Reader:
    """Reads files as the editor sees them: unsaved buffers first, then the disk."""

    def __init__(self, overlays: Mapping[Path, str]) -> None:
        self.overlays = {path.resolve(): text for path, text in overlays.items()}
        self.diagnostics: list[Diagnostic] = []
        self.files: list[Path] = []

    def __call__(self, path: Path) -> str | None:
        if self.overlays:  # resolving costs; only needed to match editor buffers
            resolved = path.resolve()
            if resolved in self.overlays:
                self.files.append(path)
                return self.overlays[resolved]
        try:
            data = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        except OSError as error:
            self._problem(path, f"cannot read the file: {error.strerror or error}")
            return None
        self.files.append(path)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n")
            self._problem(path, f"the file is not UTF-8 text (byte {error.start})", line)
            return None

    def _problem(self, path: Path, message: str, line: int = 0) -> None:
        self.diagnostics.append(Diagnostic(path=path, span=Span(line=line), message=message))

    def markdown_files(self, folder: Path, recursive: bool = False) -> list[Path]:
        if not folder.is_dir():
            return []
        found = folder.rglob("*.md") if recursive else folder.glob("*.md")
        return sorted(path for path in found if path.is_file())


@dataclass(frozen=True)
class _Folder:
    path: Path
    layer: Layer
    recursive: bool = False


def load_workspace(
    root: Path,
    *,
    user_dir: Path | None = None,
    builtins: Path | None = None,
    overlays: Mapping[Path, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Workspace:
    """Load the workspace at `root`. `overlays` are unsaved editor buffers by path."""
    root = root.resolve()
    read = _Reader(overlays or {})
    env = _with_builtin_variables(os.environ if environ is None else environ)
    diagnostics: list[Diagnostic] = []

    config = Config()
    config_path = root / ORCHESTRA_DIR / "config.toml"
    config_text = read(config_path)
    parsed_config = None if config_text is None else parse_config(config_path, config_text)
    if parsed_config is not None and parsed_config.value is not None:
        config = parsed_config.value

    mcp_servers = _load_mcp(root, read, env, diagnostics)
    context = _load_context(root, read, diagnostics)

    folders = _folders(root, config, user_dir or default_user_dir(), builtins or builtins_dir())
    parsed_agents = [
        parse_agent(path, text, folder.layer)
        for folder in folders
        for path, text in _texts(read, folder, "agents")
    ]
    parsed_commands = [
        parse_command(path, text, folder.layer, config.agents.default)
        for folder in folders
        for path, text in _texts(read, folder, "commands")
    ]

    agents = _resolve(parsed_agents, "agent")
    commands = _resolve(parsed_commands, "command")
    for parsed_agent in parsed_agents:
        check_agent_tools(parsed_agent, mcp_servers)
    for parsed_command in parsed_commands:
        check_command(parsed_command, agents)
    if parsed_config is not None:
        check_permissions(parsed_config, mcp_servers)
        diagnostics.extend(parsed_config.sink.items)
    for sink in [p.sink for p in parsed_agents] + [p.sink for p in parsed_commands]:
        diagnostics.extend(sink.items)
    diagnostics.extend(read.diagnostics)
    return Workspace(
        root=root,
        config=config,
        context=context,
        agents=agents,
        commands=commands,
        mcp_servers=mcp_servers,
        diagnostics=diagnostics,
        files=list(dict.fromkeys(read.files)),
    )


def _with_builtin_variables(environ: Mapping[str, str]) -> Mapping[str, str]:
    """`${ORCHESTRA_PYTHON}` in mcp.json is the interpreter running Orchestra, so a
    server shipped in this package (`-m orchestra_lsp.tickets`) starts with it."""
    if "ORCHESTRA_PYTHON" in environ:
        return environ
    return {**environ, "ORCHESTRA_PYTHON": sys.executable}


def _folders(root: Path, config: Config, user_dir: Path, builtins: Path) -> list[_Folder]:
    """Folders holding `agents/` and `commands/`, lowest precedence first."""
    folders = [_Folder(builtins, Layer.BUILTIN), _Folder(user_dir, Layer.USER)]
    folders += [
        _Folder((root / extra).resolve(), Layer.SEARCH_PATH) for extra in config.search_paths
    ]
    folders.append(_Folder(root / ".claude", Layer.COMPAT, recursive=True))
    folders.append(_Folder(root / ORCHESTRA_DIR, Layer.REPOSITORY))
    return folders


def _texts(read: _Reader, folder: _Folder, kind: str) -> Iterable[tuple[Path, str]]:
    for path in read.markdown_files(folder.path / kind, folder.recursive):
        text = read(path)
        if text is not None:
            yield path, text


def _resolve(parsed: list[Parsed[T]], kind: str) -> dict[str, T]:
    """Pick one definition per name: the highest layer wins; a tie is an error."""
    winners: dict[str, Parsed[T]] = {}
    for candidate in parsed:
        item = candidate.value
        if item is None:
            continue
        current = winners.get(item.name)
        if current is None or current.value is None:
            winners[item.name] = candidate
            continue
        held = current.value
        if item.source.layer > held.source.layer:
            winners[item.name] = candidate
            candidate.sink.add(
                f"{kind} '{item.name}' overrides the {held.source.layer.label} one "
                f"({held.source.path})",
                Span(),
                Severity.INFO,
            )
        elif item.source.layer == held.source.layer:
            candidate.sink.add(
                f"{kind} '{item.name}' is also defined in {held.source.path}, which wins "
                "(first by file name); rename one of them",
                Span(),
            )
    return {name: found.value for name, found in winners.items() if found.value is not None}


def _load_mcp(
    root: Path,
    read: Callable[[Path], str | None],
    env: Mapping[str, str],
    diagnostics: list[Diagnostic],
) -> dict[str, McpServer]:
    servers: dict[str, McpServer] = {}
    for path, layer in (
        (root / ".mcp.json", Layer.COMPAT),
        (root / ORCHESTRA_DIR / "mcp.json", Layer.REPOSITORY),
    ):
        text = read(path)
        if text is None:
            continue
        parsed = parse_mcp_json(path, text, layer, env)
        for name, server in (parsed.value or {}).items():
            if name in servers:
                parsed.sink.add(
                    f"MCP server '{name}' overrides the one in {servers[name].source_path}",
                    parsed.positions.key(("mcpServers", name)),
                    Severity.INFO,
                )
            servers[name] = server
        diagnostics.extend(parsed.sink.items)
    return servers


def _load_context(
    root: Path, read: Callable[[Path], str | None], diagnostics: list[Diagnostic]
) -> PersistentContext:
    sources = []
    for relative in CONTEXT_FILES:
        path = root / relative
        text = read(path)
        if text is not None:
            sources.append(load_context_file(path, text, root, read, diagnostics))
    return PersistentContext(sources=sources)
