"""Agent files: YAML front matter plus a Markdown body that is the system prompt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestra_lsp.workspace.sources import SourceRef


def _tool_list(value: Any) -> Any:
    """Tools may be a YAML list or, as Claude Code writes them, a comma-separated string."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
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


class ClaudeAgentFrontMatter(AgentFrontMatter):
    """`.claude/agents/*.md`: the same fields, their tool names and model aliases."""

    @field_validator("model", mode="before")
    @classmethod
    def _model_alias(cls, value: Any) -> Any:
        return CLAUDE_MODEL_ALIASES.get(value, value) if isinstance(value, str) else value


#: Claude Code's model aliases, each the family's newest model; `inherit` means "the
#: configured model".
CLAUDE_MODEL_ALIASES: dict[str, str | None] = {
    "inherit": None,
    "sonnet": "claude-sonnet-5-5",
    "opus": "claude-opus-5-5",
    "haiku": "claude-haiku-5-5",
}


class Agent(BaseModel):
    """An agent ready to run: who it is, what it may use, and its system prompt."""

    name: str
    description: str
    model: str | None
    tools: list[str]
    max_turns: int
    prompt: str
    source: SourceRef

    @property
    def path(self) -> Path:
        return self.source.path
