"""Command files: reusable workflows of steps, each run by an agent (DESIGN §3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestra_lsp.workspace.sources import SourceRef
from orchestra_lsp.workspace.tool_names import split_tool_list

_ID = r"^[A-Za-z_][\w\-]*$"

Gate = Literal["approve", "review"]
Mode = Literal["orchestration", "automation"]
CodeActionKind = Literal["quickfix", "refactor", "source"]
CodeActionWhen = Literal["diagnostics", "selection", "always"]
OnMaxTurns = Literal["fail", "continue"]
"""What reaching the agent's `max_turns` without a final answer does: fail the run
(the default), or go on with the agent's last text as the step's output."""


class ArgumentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=_ID)
    description: str = ""
    required: bool = False
    default: str | None = None


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    agent: str | None = None
    """None: the command's agent, else the configured default agent."""
    prompt: str
    gate: Gate | None = None
    on_max_turns: OnMaxTurns = "fail"


class CodeActionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kinds: list[CodeActionKind] = Field(default=["quickfix"], min_length=1)
    when: CodeActionWhen = "always"


class CommandFrontMatter(BaseModel):
    """The front matter of `.orchestra/commands/*.md`."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][\w.:\-]*$")
    description: str = ""
    arguments: list[ArgumentSpec] = Field(default_factory=list)
    mode: Mode = "orchestration"
    agent: str | None = None
    steps: list[StepSpec] = Field(default_factory=list)
    code_action: CodeActionSpec | None = None


class ClaudeCommandFrontMatter(BaseModel):
    """`.claude/commands/*.md` as Claude Code writes it: one prompt, `$ARGUMENTS`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][\w.:\-]*$")
    description: str = ""
    argument_hint: str = Field(default="", alias="argument-hint")
    arguments: list[str] = Field(default_factory=list)
    """Names for the words of the arguments, in order: `$name` in the body."""
    allowed_tools: list[str] = Field(default_factory=list, alias="allowed-tools")
    model: str | None = None
    agent: str | None = None
    disable_model_invocation: bool = Field(default=False, alias="disable-model-invocation")

    @field_validator("allowed_tools", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return split_tool_list(value) if isinstance(value, str) else value

    @field_validator("arguments", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        """`arguments: pr priority`, `[pr, priority]`, or `[{name: pr}, …]`."""
        if isinstance(value, str):
            return value.replace(",", " ").split()
        if isinstance(value, list):
            return [v.get("name", "") if isinstance(v, dict) else v for v in value]
        return value


class Step(BaseModel):
    id: str
    agent: str
    prompt: str
    gate: Gate | None = None
    on_max_turns: OnMaxTurns = "fail"


class Command(BaseModel):
    """A command ready to run: steps resolved, single-step form expanded."""

    name: str
    description: str
    arguments: list[ArgumentSpec]
    mode: Mode
    steps: list[Step]
    instructions: str
    """The body: added to every step's instructions (empty for the single-step form)."""
    code_action: CodeActionSpec | None
    allowed_tools: list[str] = Field(default_factory=list)
    """Claude Code's `allowed-tools`: allowed without asking while this command runs."""
    model: str | None = None
    claude: bool = False
    """Written for Claude Code: one argument string split like a shell for `$1`..`$9`,
    `` !`cmd` `` run before the prompt, `@file` references read into it."""
    argument_names: list[str] = Field(default_factory=list)
    """Claude Code's named `arguments`: `$name` is the word at the same position."""
    argument_hint: str = ""
    disable_model_invocation: bool = False
    """Claude Code's `disable-model-invocation`: a person may run it, an agent may not
    load it on its own."""
    mcp_prompt: tuple[str, str] | None = None
    """(server, prompt) for a command offered by an MCP server: its text is fetched,
    with the arguments, when the run starts."""
    source: SourceRef

    @property
    def path(self) -> Path:
        return self.source.path
