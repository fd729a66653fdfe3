"""Skills: Claude Code's `skills/<name>/SKILL.md`, with the files beside it.

A skill is two things, as in Claude Code. A person runs it like a command (its body
is the prompt; `$ARGUMENTS`, `` !`cmd` `` and `@file` work as in a Claude Code command).
And an agent whose tools include `skill` sees every skill's name and description in
that tool's declaration and loads one on demand: only then does the skill's body (and,
one by one, its supporting files) reach the model.

Folders read, highest precedence first: `.orchestra/skills/`, `.claude/skills/` (the
repository), the user's `~/.claude/skills/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestra_lsp.workspace import inputs
from orchestra_lsp.workspace.files import FileProblem, read_regular
from orchestra_lsp.workspace.sources import SourceRef
from orchestra_lsp.workspace.tool_names import split_tool_list

SKILL_FILE = "SKILL.md"
#: Supporting files listed per skill; a skill folder is small, a stray `node_modules`
#: is not, and the list goes into a tool result.
MAX_LISTED_FILES = 200


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.replace(",", " ").split() if part.strip()]
    return value


class SkillFrontMatter(BaseModel):
    """SKILL.md's front matter as Claude Code documents it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][\w.:\-]*$")
    description: str = ""
    allowed_tools: list[str] = Field(default_factory=list, alias="allowed-tools")
    argument_hint: str = Field(default="", alias="argument-hint")
    arguments: list[str] = Field(default_factory=list)
    model: str | None = None
    disable_model_invocation: bool = Field(default=False, alias="disable-model-invocation")
    user_invocable: bool = Field(default=True, alias="user-invocable")
    license: str | None = None
    compatibility: str | None = None
    version: str | int | float | None = None
    metadata: dict[str, Any] | None = None

    @field_validator("allowed_tools", mode="before")
    @classmethod
    def _tools(cls, value: Any) -> Any:
        # `Read, Grep`, or the Agent Skills spec's space-delimited `Bash(git:*) Read`
        return split_tool_list(value) if isinstance(value, str) else value

    _names = field_validator("arguments", mode="before")(_split)


class Skill(BaseModel):
    """A skill ready to be run by a person or loaded by an agent."""

    name: str
    description: str
    body: str
    allowed_tools: list[str]
    """Our permission patterns, translated from Claude Code's `allowed-tools`: allowed
    without asking while the skill runs as a command, or once an agent loaded it."""
    directory: Path
    files: list[str]
    """Supporting files, relative to `directory`, SKILL.md excluded."""
    model_invocable: bool = True
    user_invocable: bool = True
    source: SourceRef

    def read_file(self, relative: str) -> str:
        """A supporting file's text. Raises ValueError when it is not one of `files`."""
        if relative not in self.files:
            listed = ", ".join(self.files) or "none"
            raise ValueError(f"skill '{self.name}' has no file '{relative}' (files: {listed})")
        try:
            data = read_regular(self.directory / relative)  # never a FIFO: it would hang
            if data is None:
                raise FileProblem("it no longer exists")
            return data.decode("utf-8")
        except (FileProblem, UnicodeDecodeError) as error:
            raise ValueError(f"cannot read {relative} of skill '{self.name}': {error}") from None


def supporting_files(directory: Path) -> list[str]:
    """Files beside SKILL.md (recursively, hidden ones left out), sorted."""
    found: list[str] = []
    for name, is_file in inputs.tree(directory):
        if any(part.startswith(".") for part in name.split("/")) or not is_file:
            continue
        if name == SKILL_FILE:
            continue
        found.append(name)
        if len(found) >= MAX_LISTED_FILES:
            break
    return found
