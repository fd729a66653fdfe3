"""Command files: reusable workflows of steps, each run by an agent (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from orchestra_lsp.workspace.sources import SourceRef
from orchestra_lsp.workspace.tool_names import split_tool_list

#: A step id, an argument's name, `as`: a name templates and expressions can use.
ID_PATTERN = r"^[A-Za-z_][\w\-]*$"

Gate = Literal["approve", "review"]
Mode = Literal["orchestration", "automation"]
CodeActionKind = Literal["quickfix", "refactor", "source"]
CodeActionWhen = Literal["diagnostics", "selection", "always"]
OnMaxTurns = Literal["fail", "continue"]
"""What reaching the agent's `max_turns` without a final answer does: fail the run
(the default), or go on with the agent's last text as the step's output."""


class ArgumentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=ID_PATTERN)
    description: str = ""
    required: bool = False
    default: str | None = None


class RepeatSpec(BaseModel):
    """`repeat:` a group of steps run again until `until` holds, at most `max` rounds."""

    model_config = ConfigDict(extra="forbid")

    until: str
    max: int | None = Field(default=None, ge=1)
    """None is reported by the checks (a loop needs a bound); the model keeps it so the
    rest of the file is still checked."""
    steps: list[StepSpec] = Field(min_length=1)


class StepSpec(BaseModel):
    """One entry of `steps:`: an agent step (`prompt`), or a group (`repeat`,
    `for_each` + `steps`, or `parallel`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(pattern=ID_PATTERN)
    agent: str | None = None
    """None: the command's agent, else the configured default agent."""
    prompt: str | None = None
    gate: Gate | None = None
    on_max_turns: OnMaxTurns = "fail"
    output: dict[str, Any] | None = None
    """A JSON Schema the step's answer must satisfy (checked by the loader)."""
    when: str | None = None
    repeat: RepeatSpec | None = None
    for_each: str | None = None
    as_: str = Field(default="item", alias="as", pattern=ID_PATTERN)
    max_parallel: int | None = Field(default=None, ge=1)
    steps: list[StepSpec] | None = None
    parallel: list[StepSpec] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> StepSpec:
        kinds = [
            key
            for key, present in (
                ("prompt", self.prompt is not None),
                ("repeat", self.repeat is not None),
                ("for_each", self.for_each is not None),
                ("parallel", self.parallel is not None),
            )
            if present
        ]
        if len(kinds) != 1:
            written = f" (it has {', '.join(kinds)})" if kinds else ""
            raise ValueError(
                f"step '{self.id}' needs exactly one of `prompt`, `repeat`, `for_each` or "
                f"`parallel`{written}"
            )
        if (self.steps is not None) != (self.for_each is not None):
            raise ValueError(f"step '{self.id}': `steps` go with `for_each` (and inside `repeat`)")
        if self.prompt is None and (self.output is not None or self.gate is not None):
            raise ValueError(
                f"step '{self.id}': `output` and `gate` belong to a step with a `prompt`"
            )
        return self


RepeatSpec.model_rebuild()


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


StepKind = Literal["agent", "repeat", "for_each", "parallel"]


class Step(BaseModel):
    """A step ready to run: an agent step, or a group whose `steps` run inside it.

    - `repeat`: `steps` run in rounds until `until` holds, at most `max` rounds.
    - `for_each`: `steps` run once per item of the list `for_each` evaluates to, the
      item named `as`, at most `max_parallel` items at a time.
    - `parallel`: each of `steps` runs at the same time as the others.
    """

    id: str
    agent: str
    prompt: str = ""
    gate: Gate | None = None
    on_max_turns: OnMaxTurns = "fail"
    output: dict[str, Any] | None = None
    """JSON Schema of the answer: the model answers through a tool with this input schema."""
    when: str | None = None
    """An expression (`workspace.expressions`): the step runs only when it holds."""
    kind: StepKind = "agent"
    until: str | None = None
    max: int | None = None
    for_each: str | None = None
    as_: str = "item"
    max_parallel: int | None = None
    steps: list[Step] = Field(default_factory=list)

    def walk(self) -> Iterator[Step]:
        """This step and every step inside it, depth first."""
        yield self
        for inner in self.steps:
            yield from inner.walk()


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

    @property
    def takes_one_string(self) -> bool:
        """Whether the arguments are one string, as Claude Code takes them: every word
        given is part of `$ARGUMENTS`, and `$1`..`$9` split it like a shell."""
        return self.claude or [argument.name for argument in self.arguments] == ["ARGUMENTS"]

    def all_steps(self) -> Iterator[Step]:
        """Every step, groups and the steps inside them, depth first."""
        for step in self.steps:
            yield from step.walk()

    def agent_steps(self) -> Iterator[Step]:
        """Every step an agent runs (no groups)."""
        return (step for step in self.all_steps() if step.kind == "agent")
