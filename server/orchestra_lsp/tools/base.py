"""What every built-in tool shares: its spec, its result, its context, its arguments.

Tools are called by the engine with the model's JSON arguments. Expected failures (a
missing file, a bad argument, a path outside the workspace) come back as a
`ToolResult` with `is_error=True` and a message the model can act on; only bugs raise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from orchestra_lsp.tools.errors import ToolError
from orchestra_lsp.tools.workspace import WorkspaceView


class ToolResult(BaseModel):
    """The text handed back to the model."""

    model_config = ConfigDict(frozen=True)

    text: str
    is_error: bool = False


class ToolSpec(BaseModel):
    """Name, description and JSON schema, as the Messages API wants a tool declared."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    input_schema: dict[str, Any]


class TerminalRun(BaseModel):
    """How a command ran in a front end's terminal."""

    output: str
    """What it printed (stdout and stderr as the terminal shows them)."""
    truncated: bool
    """The terminal kept only the end of a longer output."""
    exit_code: int | None
    signal: str | None = None
    timed_out: bool = False
    """Killed at the time-out."""


class Terminal(Protocol):
    """A front end's terminal, where `run_shell` runs a command so the person sees it
    (ACP's `terminal/*`). `env` is the command's whole environment (already scrubbed of
    secrets): nothing of the terminal's own may be added. It kills the command at
    `timeout` seconds or when cancelled."""

    async def __call__(
        self, command: str, *, cwd: str, env: Mapping[str, str], timeout: float
    ) -> TerminalRun: ...


@dataclass
class ToolContext:
    """What a tool may touch during one run: the workspace as the run sees it.

    `edit_history` keeps, per path, the texts an `edit` replaced, for `undo_edit`;
    `edit_lock` keeps parallel tool calls from interleaving read-modify-write edits.
    Nothing here knows about LSP; the LSP layer feeds editor buffers into the view.
    """

    view: WorkspaceView
    edit_history: dict[str, list[str | None]] = field(default_factory=dict)
    edit_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    env: dict[str, str] = field(default_factory=dict)
    """Added to the environment of processes the tools start (Claude Code's `env`)."""
    sandbox: str = "none"
    """`run_shell`'s sandbox: "none" or "bwrap" (config.toml's `[shell] sandbox`)."""
    sandbox_network: bool = True
    terminal: Terminal | None = None
    """Where `run_shell` runs commands when no sandbox is configured; None: itself."""
    shell_markers: list[str] = field(default_factory=list)
    """Markers of the `run_shell` commands of this run: what they started in a session of
    its own (a server started in the background) runs until the run ends, when
    :func:`orchestra_lsp.tools.run_shell.end_leftovers` kills it."""
    withheld: Callable[[str], bool] | None = None
    """Whether the permission rules keep a workspace-relative path from being read
    (`Read(.env)` denied): `search` and `list_files` leave such files out and say so."""


class Tool(Protocol):
    """A built-in tool: a spec the model sees and an async implementation."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def input_schema(self) -> dict[str, Any]: ...

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult: ...


class ToolArgs(BaseModel):
    """Base of each tool's argument model: unknown keys are refused so typos surface."""

    model_config = ConfigDict(extra="forbid")

    tool_name: ClassVar[str] = "tool"


ArgsT = TypeVar("ArgsT", bound=ToolArgs)


def parse_args(model: type[ArgsT], args: dict[str, Any]) -> ArgsT:
    """Validate the model's arguments, turning pydantic errors into one readable line."""
    try:
        return model.model_validate(args)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in item['loc']) or 'input'}: {item['msg']}"
            for item in error.errors()
        )
        raise ToolError(f"invalid input for {model.tool_name}: {problems}") from None


def schema_for(model: type[ToolArgs]) -> dict[str, Any]:
    """A compact JSON schema for `model`: no titles, optional fields as their plain type.

    Pydantic spells `int | None = None` as `anyOf [integer, null]`; a model reads the
    plain type with a description better, and omitting the key means None anyway.
    """
    schema = model.model_json_schema()
    schema.pop("title", None)
    schema.pop("description", None)  # the docstring is for us; the tool has its own
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        options = prop.pop("anyOf", None)
        if options is not None:
            kept = [option for option in options if option.get("type") != "null"]
            prop.update(kept[0] if len(kept) == 1 else {"anyOf": kept})
            if prop.get("default", ...) is None:
                del prop["default"]
    return schema


def spec_of(tool: Tool) -> ToolSpec:
    """The declaration of a tool for the Messages API."""
    return ToolSpec(name=tool.name, description=tool.description, input_schema=tool.input_schema)
