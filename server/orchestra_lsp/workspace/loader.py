"""Discover every definition for a workspace and resolve it into one `Workspace`.

Precedence, highest first: the repository's `.orchestra/`, other tools' files in the
repository (`.claude/`, `CLAUDE.md`, `AGENTS.md`, `.mcp.json`), `search_paths` from
config.toml, the user's config folder, the built-ins. The loader never raises: what
loads is returned beside the diagnostics of what did not.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from orchestra_lsp.redaction import SECRETS, environment_secrets
from orchestra_lsp.workspace import inputs
from orchestra_lsp.workspace.agents import Agent
from orchestra_lsp.workspace.builtins import builtins_dir
from orchestra_lsp.workspace.claude_settings import ClaudeSettings, load_settings
from orchestra_lsp.workspace.commands import Command
from orchestra_lsp.workspace.config import Config
from orchestra_lsp.workspace.copilot_files import (
    AGENT_SUFFIX,
    PROMPT_SUFFIX,
    parse_copilot_agent,
    parse_copilot_prompt,
)
from orchestra_lsp.workspace.diagnostics import Diagnostic, DiagnosticSink, Severity, Span
from orchestra_lsp.workspace.files import MAX_FILE_BYTES, FileProblem, list_files, read_regular
from orchestra_lsp.workspace.mcp_config import McpServer
from orchestra_lsp.workspace.parsers import (
    Parsed,
    parse_agent,
    parse_command,
    parse_config,
    parse_mcp_json,
    parse_skill,
)
from orchestra_lsp.workspace.persistent import PersistentContext, is_notes, load_context_file
from orchestra_lsp.workspace.skills import SKILL_FILE, Skill
from orchestra_lsp.workspace.sources import Layer
from orchestra_lsp.workspace.tool_names import did_you_mean
from orchestra_lsp.workspace.validation import (
    check_agent_tools,
    check_bash_lines,
    check_command,
    check_default_agent,
    check_permissions,
    check_shadowed_allows,
)
from orchestra_lsp.workspace.yaml_positions import PositionMap

logger = logging.getLogger(__name__)

ORCHESTRA_DIR = ".orchestra"
CONTEXT_FILES = (
    f"{ORCHESTRA_DIR}/CONTEXT.md",
    "CLAUDE.md",
    "AGENTS.md",
    ".github/copilot-instructions.md",
)

T = TypeVar("T")
U = TypeVar("U")
D = TypeVar("D", Agent, Command, Skill)


class Workspace(BaseModel):
    """Everything `.orchestra/` (and its compatible neighbours) define for one folder."""

    root: Path
    config: Config
    context: PersistentContext
    agents: dict[str, Agent]
    broken_agents: dict[str, str] = {}
    """Agents whose file is too broken to use, by name (its own, else the file's), each
    with where its first error is (`path:line:column`), for what names them."""
    broken_commands: dict[str, str] = {}
    """Commands whose file is too broken to use, as `broken_agents`."""
    commands: dict[str, Command]
    mcp_servers: dict[str, McpServer]
    claude_settings: ClaudeSettings = ClaudeSettings()
    """Claude Code's settings.json files: permissions, env, hooks."""
    skills: dict[str, Skill] = {}
    """Claude Code's skills; each a person may run is also in `commands`."""
    diagnostics: list[Diagnostic]
    files: list[Path]
    """Every file that was read, so a front end knows what to watch and what to clear."""
    complete: bool = True
    """False when the loader itself failed: the definitions are then empty, not absent."""

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    def secrets(self) -> list[str]:
        return [secret for server in self.mcp_servers.values() for secret in server.secrets()]


def default_user_dir() -> Path:
    return inputs.user_config_dir("orchestra")


def default_claude_home() -> Path:
    """The person's Claude Code folder (`~/.claude`): user skills and settings."""
    return inputs.home() / ".claude"


class _Reader:
    """Reads files as the editor sees them: unsaved buffers first, then the disk.

    Only regular files are read (see `files.read_regular`); anything else that sits
    where a file is expected becomes a diagnostic at that path.

    Every file and folder the loader reads from the repository passes `outside` first:
    a symlink there may lead into the workspace, or, for a workspace inside the home
    folder, to a note (.md) there (and to a folder there, whose notes are read) — as an
    `@` import may (persistent.py). A link anywhere else, `commands/x.md -> /etc/passwd`
    or `.claude/commands -> /etc`, is a warning at the link and is not read: a cloned
    repository must not send the machine's files to a model. The person's own folders
    (`personal`: ~/.claude, ~/.config/orchestra), the built-ins and `search_paths` are
    not the repository's: links there lead wherever their owner chose.
    """

    def __init__(
        self, overlays: Mapping[Path, str], root: Path | None = None, personal: Iterable[Path] = ()
    ) -> None:
        self.overlays = {path.resolve(): text for path, text in overlays.items()}
        self.diagnostics: list[Diagnostic] = []
        self.files: list[Path] = []
        self.problems: dict[Path, str] = {}
        """Why a path that exists could not be read."""
        self.root = root
        """The workspace's real folder; None reads every link (no repository)."""
        self.personal = tuple(personal)
        self.refused: set[Path] = set()
        """The links warned about, each once."""
        self.home = _resolved(inputs.home())
        """The real home folder, where a link may lead to notes."""

    def outside(self, path: Path, *, folder: bool = False) -> bool:
        """Whether `path`, a file (or `folder`) the loader is about to read, is in the
        repository but leads out of it where no link may (see the class); the link is
        then warned about, once."""
        root = self.root
        if root is None or not path.is_relative_to(root) or path == root:
            return False
        if any(path.is_relative_to(own) for own in self.personal):
            return False
        real = _resolved(path)
        if real.is_relative_to(root):
            return False
        home = self.home
        in_home = real.is_relative_to(home) and root.is_relative_to(home)
        if in_home and (folder or is_notes(real)):
            return False
        # The link is the first name below the root that leads out: the file itself,
        # or a folder on the way to it.
        link, leads = path, real
        parts = path.relative_to(root).parts
        for count in range(1, len(parts)):
            above = root.joinpath(*parts[:count])
            target = _resolved(above)
            if not target.is_relative_to(root):
                link, leads = above, target
                break
        if link not in self.refused:
            self.refused.add(link)
            why = (
                "from the home folder only notes (.md) are read, never keys or credentials"
                if in_home
                else "outside the workspace and your home folder"
            )
            message = f"{link.relative_to(root)} is a link to {leads}: {why}; it is not read"
            self.diagnostics.append(
                Diagnostic(path=link, severity=Severity.WARNING, message=message)
            )
        return True

    def __call__(self, path: Path) -> str | None:
        if self.outside(path):
            return None
        if self.overlays:  # resolving costs; only needed to match editor buffers
            resolved = _resolved(path)
            if resolved in self.overlays:
                self.files.append(path)
                text = self.overlays[resolved]
                if len(text) > MAX_FILE_BYTES:
                    self._problem(path, f"it is over {MAX_FILE_BYTES} characters; not read")
                    return None
                return text
        try:
            data = read_regular(path)
        except FileProblem as problem:
            self._problem(path, str(problem))
            return None
        if data is None:
            return None
        self.files.append(path)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n")
            column = error.start - (data.rfind(b"\n", 0, error.start) + 1)
            self._problem(path, f"the file is not UTF-8 text (byte {error.start})", line, column)
            return None

    def _problem(self, path: Path, message: str, line: int = 0, column: int = 0) -> None:
        self.problems[path] = message
        self.diagnostics.append(
            Diagnostic(path=path, span=Span(line=line, column=column), message=message)
        )

    def markdown_files(self, folder: Path, recursive: bool = False) -> list[Path]:
        if self.outside(folder, folder=True):
            return []
        listing = list_files(folder, ".md", recursive=recursive)
        for path, message in listing.problems:
            self._problem(path, message)
        return listing.files


def _resolved(path: Path) -> Path:
    return inputs.resolved(path) or path  # not for a symlink loop, a NUL byte


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
    claude_home: Path | None = None,
) -> Workspace:
    """Load the workspace at `root`. `overlays` are unsaved editor buffers by path;
    `claude_home` is the person's `~/.claude` (user skills).

    Never raises. A file that breaks a parser becomes an error at that file; should
    the loader itself fail, the result is an empty workspace with `complete` False
    and one error saying so, and callers keep what they had in force.
    """
    root = _resolved(root)
    try:
        user_dir = user_dir or default_user_dir()
        claude_home = claude_home or default_claude_home()
        workspace = _load(
            root,
            user_dir,
            builtins or builtins_dir(),
            _Reader(overlays or {}, root, (user_dir, claude_home)),
            _environment(environ),
            claude_home,
        )
        # The terminal and the server's log redact them from now on.
        SECRETS.add([*workspace.secrets(), *environment_secrets(os.environ)])
        return workspace
    except Exception as error:  # the last line of defence: a bug must not stop a server
        logger.info("loading the workspace at %s failed", root, exc_info=True)
        failure = Diagnostic(
            path=root / ORCHESTRA_DIR,
            message=f"internal error while loading the workspace ({type(error).__name__}: "
            f"{error}); the last good definitions stay in force",
        )
        return Workspace(
            root=root,
            config=Config(),
            context=PersistentContext(),
            agents={},
            commands={},
            mcp_servers={},
            diagnostics=[failure],
            files=[],
            complete=False,
        )


def _load(
    root: Path,
    user_dir: Path,
    builtins: Path,
    read: _Reader,
    env: Mapping[str, str],
    claude_home: Path,
) -> Workspace:
    diagnostics: list[Diagnostic] = []

    config = Config()
    config_path = root / ORCHESTRA_DIR / "config.toml"
    _expect_folder(root / ORCHESTRA_DIR, read)
    config_text = read(config_path)
    parsed_config = (
        None if config_text is None else _guarded(config_path, config_text, parse_config)
    )
    if parsed_config is not None and parsed_config.value is not None:
        config = parsed_config.value

    claude_settings = load_settings(root, claude_home, read, diagnostics)
    mcp_servers = _load_mcp(root, read, env, diagnostics, claude_settings)
    context = _load_context(root, read, diagnostics)

    folders = _folders(root, config, parsed_config, user_dir, builtins)
    parsed_agents: list[Parsed[Agent]] = []
    parsed_commands: list[Parsed[Command]] = []
    default_agent = config.agents.default
    for folder in folders:
        layer = folder.layer
        for path, text in _texts(read, folder, "agents"):
            parsed_agents.append(_guarded(path, text, partial(parse_agent, layer=layer)))
        for path, text in _texts(read, folder, "commands"):
            parsed_commands.append(
                _guarded(
                    path, text, partial(parse_command, layer=layer, default_agent=default_agent)
                )
            )

    github = root / ".github"
    for path in inputs.glob(github, f"agents/*{AGENT_SUFFIX}"):
        agent_text = read(path)
        if agent_text is not None:
            parsed_agents.append(_guarded(path, agent_text, parse_copilot_agent))
    for path in inputs.glob(github, f"prompts/*{PROMPT_SUFFIX}"):
        prompt_text = read(path)
        if prompt_text is not None:
            parsed_commands.append(_guarded(path, prompt_text, parse_copilot_prompt))
    parsed_skills = [
        _guarded(path, text, partial(parse_skill, layer=layer))
        for folder, layer in _skill_folders(root, claude_home)
        for path, text in _skill_texts(read, folder)
    ]
    agents = _resolve(parsed_agents, "agent")
    broken_agents = _broken(parsed_agents, agents, root)
    commands = _resolve(parsed_commands, "command")
    broken_commands = _broken(parsed_commands, commands, root)
    skills = _resolve(parsed_skills, "skill")
    for parsed_agent in parsed_agents:
        _warn_unknown_skills(parsed_agent, skills)
    for parsed_skill in parsed_skills:
        command = parsed_skill.command
        if command is None or parsed_skill.value is not skills.get(command.name):
            continue
        if command.name in commands:
            parsed_skill.sink.add(
                f"skill '{command.name}' is not offered as a command: the command "
                f"'{command.name}' ({commands[command.name].path}) has its name",
                Span(),
                Severity.INFO,
            )
        else:
            commands[command.name] = command
    for parsed_agent in parsed_agents:
        _check(parsed_agent, check_agent_tools, mcp_servers)
    deny = [*config.permissions.deny, *claude_settings.deny]
    allow = [*config.permissions.allow, *claude_settings.allow]  # `!` lines: as the run
    for parsed_command in parsed_commands:
        _check(parsed_command, partial(check_command, broken=broken_agents), agents)
        _check(
            parsed_command, lambda p, d: check_bash_lines(p, p.checked, d, str(root), allow), deny
        )
    for parsed_skill in parsed_skills:
        _check(parsed_skill, lambda p, d: check_bash_lines(p, p.command, d, str(root), allow), deny)
    if parsed_config is not None:
        _check(parsed_config, check_default_agent, agents)
        _check(parsed_config, check_permissions, mcp_servers)
        allows = [
            (rule, f"command '{name}' allowed-tools")
            for name, command in commands.items()
            for rule in command.allowed_tools
        ]
        allows += [(rule, "Claude Code permissions.allow") for rule in claude_settings.allow]
        _check(parsed_config, check_shadowed_allows, allows)
        diagnostics.extend(parsed_config.sink.items)
    sinks = [p.sink for p in parsed_agents] + [p.sink for p in parsed_commands]
    for sink in sinks + [p.sink for p in parsed_skills]:
        diagnostics.extend(sink.items)
    diagnostics.extend(read.diagnostics)
    return Workspace(
        root=root,
        config=config,
        context=context,
        agents=agents,
        broken_agents=broken_agents,
        broken_commands=broken_commands,
        commands=commands,
        mcp_servers=mcp_servers,
        skills=skills,
        claude_settings=claude_settings,
        diagnostics=diagnostics,
        files=list(dict.fromkeys(read.files)),
    )


def _broken(parsed: list[Parsed[D]], usable: Mapping[str, D], root: Path) -> dict[str, str]:
    """`Workspace.broken_agents` (or `broken_commands`): a name that a usable definition
    holds is not broken."""
    found: dict[str, str] = {}
    for item in parsed:
        if item.value is not None:
            continue
        path = item.sink.path
        stem = path.name.removesuffix(AGENT_SUFFIX).removesuffix(PROMPT_SUFFIX)
        name = item.partial.name if item.partial is not None else stem.removesuffix(".md")
        first = next((d for d in item.sink.items if d.severity is Severity.ERROR), None)
        if name in usable or name in found or first is None:
            continue
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        found[name] = f"{shown}:{first.line + 1}:{first.column + 1}"
    return found


def _guarded(path: Path, text: str, parse: Callable[[Path, str], Parsed[T]]) -> Parsed[T]:
    """`parse(path, text)`, or, if a parser fails on this file, an error at the file:
    one file must never stop the others from loading."""
    try:
        return parse(path, text)
    except Exception as error:
        logger.info("reading %s failed", path, exc_info=True)
        sink = DiagnosticSink(path)
        sink.add(f"internal error while reading this file ({type(error).__name__}: {error})")
        return Parsed(None, PositionMap(), sink, text)


def _check(parsed: Parsed[T], check: Callable[[Parsed[T], U], None], against: U) -> None:
    try:
        check(parsed, against)
    except Exception as error:
        logger.info("checking %s failed", parsed.sink.path, exc_info=True)
        parsed.sink.add(
            f"internal error while checking this file ({type(error).__name__}: {error})"
        )


def _expect_folder(path: Path, read: _Reader) -> None:
    """`.orchestra` must be a folder; a file of that name would hide every definition."""
    if inputs.exists(path) and not inputs.is_dir(path):
        read._problem(path, f"{path.name} must be a folder")


def keep_last_good(previous: Workspace, fresh: Workspace) -> Workspace:
    """`fresh`, except where a file (or the folder holding it) now has errors: there the
    definitions of `previous` stay in force until the file loads again. A broken
    config.toml keeps the previous settings, permissions included; a broken context
    file keeps the previous context; a load that failed as a whole keeps everything."""
    if not fresh.complete:
        return previous.model_copy(update={"diagnostics": fresh.diagnostics})
    broken = {d.path for d in fresh.errors}

    def is_broken(path: Path) -> bool:
        return path in broken or any(parent in broken for parent in path.parents)

    kept = {
        "agents": {
            **{n: a for n, a in previous.agents.items() if is_broken(a.path)},
            **fresh.agents,
        },
        "commands": {
            **{n: c for n, c in previous.commands.items() if is_broken(c.path)},
            **fresh.commands,
        },
        "mcp_servers": {
            **{n: s for n, s in previous.mcp_servers.items() if is_broken(Path(s.source_path))},
            **fresh.mcp_servers,
        },
    }
    root = fresh.root
    if is_broken(root / ORCHESTRA_DIR / "config.toml"):
        kept["config"] = previous.config
    if any(is_broken(root / relative) for relative in CONTEXT_FILES) or any(
        is_broken(path) for source in previous.context.sources for path in source.imports
    ):
        kept["context"] = previous.context
    return fresh.model_copy(update=kept)


def _environment(given: Mapping[str, str] | None) -> Mapping[str, str]:
    """The process's environment, each variable read noted as an input; or `given`
    (which no recording can ask again), with `${ORCHESTRA_PYTHON}` as in
    `inputs.with_builtin_variables`."""
    if given is None:
        return inputs.RecordedEnvironment()
    inputs.note_unrecordable("an environment given by the caller")
    return inputs.with_builtin_variables(given)


def _folders(
    root: Path, config: Config, parsed_config: Parsed[Config] | None, user_dir: Path, builtins: Path
) -> list[_Folder]:
    """Folders holding `agents/` and `commands/`, lowest precedence first.

    A `search_paths` entry that is not a folder is an error at that entry."""
    folders = [_Folder(builtins, Layer.BUILTIN), _Folder(user_dir, Layer.USER)]
    broken = parsed_config is not None and parsed_config.value is None
    if broken and parsed_config is not None and parsed_config.partial is not None:
        # Not in force (the file has errors), but its other mistakes are still said.
        for index, extra in enumerate(parsed_config.partial.search_paths):
            problem, _ = _search_path(root, extra)
            if problem is not None:
                span = parsed_config.positions.value(("search_paths", index))
                parsed_config.sink.add(f"search_paths entry '{_shown(extra)}': {problem}", span)
    for index, extra in enumerate(config.search_paths):
        problem, folder = _search_path(root, extra)
        if problem is not None:
            if parsed_config is not None:
                span = parsed_config.positions.value(("search_paths", index))
                parsed_config.sink.add(f"search_paths entry '{_shown(extra)}': {problem}", span)
            continue
        folders.append(_Folder(folder, Layer.SEARCH_PATH))
    folders.append(_Folder(root / ".claude", Layer.COMPAT, recursive=True))
    folders.append(_Folder(root / ORCHESTRA_DIR, Layer.REPOSITORY))
    return folders


def _shown(text: str, limit: int = 80) -> str:
    shown = text.encode("unicode_escape").decode("ascii")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _search_path(root: Path, extra: str) -> tuple[str | None, Path]:
    """(why it is unusable or None, the resolved folder)."""
    if "\0" in extra:
        return "contains a NUL byte", root
    folder, why = inputs.resolved_strictly(root / extra)
    if folder is None:
        if why == "missing":
            return "does not exist", root
        if why == "loop":
            return "is a symlink loop", root
        return f"cannot be read: {why.removeprefix('error: ')}", root
    if not inputs.is_dir(folder):
        return "is not a folder", root
    return None, folder


def _warn_unknown_skills(parsed: Parsed[Agent], skills: Mapping[str, Skill]) -> None:
    agent = parsed.value
    for index, name in enumerate(agent.skills if agent is not None else []):
        if name not in skills:
            known = ", ".join(sorted(skills)) or "none"
            parsed.sink.add(
                f"skill '{name}' is not defined{did_you_mean(name, skills)} (skills: {known}); "
                "it is not preloaded",
                parsed.positions.value(("skills", index)),
                Severity.WARNING,
            )


def _skill_folders(root: Path, claude_home: Path) -> list[tuple[Path, Layer]]:
    """Folders of skill folders, lowest precedence first."""
    return [
        (claude_home / "skills", Layer.USER),
        (root / ".claude" / "skills", Layer.COMPAT),
        (root / ORCHESTRA_DIR / "skills", Layer.REPOSITORY),
    ]


def _skill_texts(read: _Reader, folder: Path) -> Iterable[tuple[Path, str]]:
    if not inputs.is_dir(folder) or read.outside(folder, folder=True):
        return
    for path in inputs.glob(folder, f"*/{SKILL_FILE}"):
        text = read(path)
        if text is not None:
            yield path, text


def _texts(read: _Reader, folder: _Folder, kind: str) -> Iterable[tuple[Path, str]]:
    for path in read.markdown_files(folder.path / kind, folder.recursive):
        text = read(path)
        if text is not None:
            yield path, text


def _resolve(parsed: list[Parsed[D]], kind: str) -> dict[str, D]:
    """Pick one definition per name: the highest layer wins; a tie is an error."""
    winners: dict[str, Parsed[D]] = {}
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
    claude_settings: ClaudeSettings,
) -> dict[str, McpServer]:
    """`.mcp.json`'s servers that Claude Code's settings approve (see `claude_settings`),
    then `.orchestra/mcp.json`'s."""
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
            unused = claude_settings.uses_mcpjson_server(name) if layer is Layer.COMPAT else None
            if unused is not None:
                parsed.sink.add(
                    f"MCP server '{name}' is not used: Claude Code settings' {unused}",
                    parsed.positions.key(("mcpServers", name)),
                    Severity.INFO,
                )
                continue
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
    """The context files' texts with their imports. A context file that is a link out of
    the workspace is refused by the reader (`_Reader`), as every other file is."""
    sources = []
    seen: set[Path] = set()
    for relative in CONTEXT_FILES:
        path = root / relative
        real = _resolved(path)
        if real in seen:  # CLAUDE.md a symlink to AGENTS.md: one text, sent once
            continue
        text = read(path)
        if text is not None:
            seen.add(real)
            shown = real if real.is_relative_to(root) else path  # the file, not the link
            sources.append(load_context_file(shown, text, root, read, diagnostics))
    return PersistentContext(sources=sources)
