"""Agent files: YAML front matter plus a Markdown body that is the system prompt."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from orchestra_lsp.retirement import CLAUDE_MODEL_ALIASES
from orchestra_lsp.workspace.sources import SourceRef
from orchestra_lsp.workspace.tool_names import split_tool_list


def _tool_list(value: Any) -> Any:
    """Tools may be a YAML list or, as Claude Code writes them, a comma-separated string."""
    if isinstance(value, str):
        return split_tool_list(value)
    return value


class AgentFrontMatter(BaseModel):
    """The front matter of `.orchestra/agents/*.md` (DESIGN §3)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][\w.\-]*$")
    description: str = ""
    model: str | None = None
    tools: list[str] = Field(default_factory=list)
    max_turns: int = Field(default=40, ge=1, le=1000)

    _split_tools = field_validator("tools", mode="before")(_tool_list)


#: Claude Code's sub-agent fields (its sub-agents reference) that Orchestra does not
#: use, as written and as `ClaudeAgentFrontMatter` names them.
CLAUDE_UNUSED_AGENT_FIELDS = {
    "hooks": "hooks",
    "memory": "memory",
    "background": "background",
    "isolation": "isolation",
    "effort": "effort",
    "initialPrompt": "initial_prompt",
}

PermissionMode = Literal["default", "acceptEdits", "plan", "bypassPermissions", "dontAsk"]
#: Claude Code's permission modes, as its settings and sub-agents write them.
PERMISSION_MODES: tuple[str, ...] = get_args(PermissionMode)


class ClaudeAgentFrontMatter(AgentFrontMatter):
    """`.claude/agents/*.md`: Claude Code's sub-agent fields, its tool names and model
    aliases (see `parsers.parse_agent` for what each field means here)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    max_turns: int = Field(
        default=40, ge=1, le=1000, validation_alias=AliasChoices("maxTurns", "max_turns")
    )
    disallowed_tools: list[str] = Field(default_factory=list, alias="disallowedTools")
    permission_mode: PermissionMode = Field(default="default", alias="permissionMode")
    mcp_servers: list[str | dict[str, Any]] | None = Field(default=None, alias="mcpServers")
    skills: list[str] = Field(default_factory=list)
    color: Any = None
    """The sub-agent's colour in Claude Code's terminal (`/agents` writes one): no meaning
    here, accepted silently."""
    # Claude Code's sub-agent fields Orchestra does not use: each gets an information
    # (`CLAUDE_UNUSED_AGENT_FIELDS`).
    hooks: Any = None
    memory: Any = None
    background: Any = None
    isolation: Any = None
    effort: Any = None
    initial_prompt: Any = Field(default=None, alias="initialPrompt")

    _split_disallowed = field_validator("disallowed_tools", mode="before")(_tool_list)
    _split_skills = field_validator("skills", mode="before")(_tool_list)

    @field_validator("mcp_servers", mode="before")
    @classmethod
    def _servers(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _tool_list(value)
        if isinstance(value, dict):  # `mcpServers: {name: config}`, as in .mcp.json
            return [{name: config} for name, config in value.items()]
        return value

    @field_validator("model", mode="before")
    @classmethod
    def _model_alias(cls, value: Any) -> Any:
        return CLAUDE_MODEL_ALIASES.get(value, value) if isinstance(value, str) else value


class Agent(BaseModel):
    """An agent ready to run: who it is, what it may use, and its system prompt."""

    name: str
    description: str
    model: str | None
    tools: list[str]
    max_turns: int
    prompt: str
    source: SourceRef
    excluded_tools: list[str] = Field(default_factory=list)
    """Tool-name globs never offered, whatever `tools` matches (`disallowedTools`,
    `permissionMode: plan`)."""
    deny: list[str] = Field(default_factory=list)
    """Permission rules denied to this agent alone (`disallowedTools: Bash(rm:*)`)."""
    permission_mode: PermissionMode = "default"
    skills: list[str] = Field(default_factory=list)
    """Skills whose body is in the agent's prompt from the start (Claude Code's `skills`)."""

    @property
    def path(self) -> Path:
        return self.source.path
