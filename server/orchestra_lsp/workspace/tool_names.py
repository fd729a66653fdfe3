"""Tool names as files write them: ours, Claude Code's, and MCP's `mcp__server__tool`.

The built-in tools are implemented in `orchestra_lsp.tools`; their names live here,
in the bottom layer, so that `.orchestra` files can be checked without importing
the tools (a test keeps the two lists equal).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

BUILTIN_TOOL_NAMES: tuple[str, ...] = (
    "ask_user",
    "edit",
    "list_files",
    "read_file",
    "run_shell",
    "search",
    "skill",
    "task",
)
"""`ask_user`, `skill` and `task` are answered by the engine itself (the front end, the
workspace's skills, a sub-agent), so they have no entry in `orchestra_lsp.tools`'
registry."""

#: Claude Code's tool names mapped to ours; None means there is no equivalent here.
CLAUDE_TOOL_NAMES: dict[str, str | None] = {
    "Read": "read_file",
    "Write": "edit",
    "Edit": "edit",
    "MultiEdit": "edit",
    "Glob": "list_files",
    "LS": "list_files",
    "Grep": "search",
    "Bash": "run_shell",
    "AskUserQuestion": "ask_user",
    "Skill": "skill",
    "NotebookEdit": None,
    "NotebookRead": None,
    "WebFetch": None,
    "WebSearch": None,
    "TodoWrite": None,
    "Task": "task",
    "Agent": "task",
    "BashOutput": None,
    "KillShell": None,
}

_MCP = re.compile(r"^mcp__(?P<server>[^_]+(?:_[^_]+)*?)__(?P<tool>.+)$")
_PATTERN = re.compile(r"^(?P<name>[^()\s]+)(?:\((?P<argument>.*)\))?$")


def split_tool_list(text: str) -> list[str]:
    """A tool list written on one line, as the files write it: `Read, Grep`,
    `Bash(git diff:*) Read` (the Agent Skills spec's space-delimited form), or a mix.
    Commas and spaces inside parentheses belong to the entry."""
    entries: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        if depth == 0 and (char == "," or char.isspace()):
            if current:
                entries.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        entries.append("".join(current))
    return entries


def split_pattern(pattern: str) -> tuple[str, str | None]:
    """`run_shell(npm test*)` -> (`run_shell`, `npm test*`); a bare name has no argument."""
    match = _PATTERN.match(pattern.strip())
    if match is None:
        return pattern.strip(), None
    return match.group("name"), match.group("argument")


def mcp_server_of(name: str) -> str | None:
    """The server part of `mcp__server__tool` (may itself be a glob), else None."""
    if name == "mcp__*" or name == "mcp__**":
        return "*"
    match = _MCP.match(name)
    return match.group("server") if match else None


def is_glob(name: str) -> bool:
    return any(ch in name for ch in "*?[")


def matching_builtins(name: str) -> list[str]:
    return [tool for tool in BUILTIN_TOOL_NAMES if fnmatch.fnmatchcase(tool, name)]


def did_you_mean(name: str, choices: Iterable[str] | None = None) -> str:
    """ " (did you mean 'Grep'?)" for a name close to one of `choices` (by default the
    tool names, Claude Code's and ours: `Grepp`, `Bassh(npm test:*)`); "" when none is."""
    import difflib

    base, _ = split_pattern(name) if choices is None else (name, None)
    names = [*CLAUDE_TOOL_NAMES, *BUILTIN_TOOL_NAMES] if choices is None else list(choices)
    close = difflib.get_close_matches(base, names, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def from_claude(name: str) -> tuple[str | None, bool]:
    """Translate one Claude Code tool entry (`Bash(git diff:*)`) to ours.

    Returns (our pattern or None, known). Claude's `:*` suffix is a prefix match at a
    word boundary (`git diff:*` covers `git diff` and `git diff --cached`, never
    `git diff-index`), which is our trailing ` *` (see `permissions`).
    """
    base, argument = split_pattern(name)
    if base.startswith("mcp__") or base in BUILTIN_TOOL_NAMES:
        return name.strip(), True
    if base not in CLAUDE_TOOL_NAMES:
        return None, False
    ours = CLAUDE_TOOL_NAMES[base]
    if ours is None:
        return None, True
    if argument is None:
        return ours, True
    if argument.endswith(":*"):
        argument = argument[:-2].rstrip() + " *"
    return f"{ours}({argument.replace(':*', '*')})", True
