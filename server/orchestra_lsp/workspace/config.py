"""`.orchestra/config.toml`: model, budgets, permissions, defaults (DESIGN §3)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_MODEL = "claude-sonnet-5-5"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelSettings(_Section):
    name: str = DEFAULT_MODEL
    max_output_tokens: int = Field(default=8192, ge=1)
    context_budget_tokens: int = Field(default=150_000, ge=1000)
    max_cost_usd: float | None = Field(default=2.0, ge=0, allow_inf_nan=False)
    """Per run; past it the run pauses for approval. None: no cap."""
    max_tool_result_tokens: int = Field(default=20_000, ge=100)


class PermissionSettings(_Section):
    allow: list[str] = Field(default_factory=list)
    ask: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)
    protected: list[str] = Field(default_factory=list)
    """Path globs added to the built-in protected paths (orchestra_lsp.permissions)."""


class AgentSettings(_Section):
    default: str = "developer"
    """Runs commands that have no `steps` (and Claude Code's commands)."""


class McpSettings(_Section):
    call_timeout_seconds: float = Field(default=60.0, gt=0, allow_inf_nan=False)
    startup_timeout_seconds: float = Field(default=30.0, gt=0, allow_inf_nan=False)


class ShellSettings(_Section):
    sandbox: Literal["none", "bwrap"] = "none"
    """`run_shell` inside bubblewrap (see orchestra_lsp.tools.run_shell)."""
    network: bool = True
    """With the sandbox: False cuts the command off the network."""


class Config(_Section):
    search_paths: list[str] = Field(default_factory=list)
    """Extra folders holding `agents/` and `commands/`, relative to the workspace;
    they rank below the repository's `.orchestra/` and above the user's folder."""
    model: ModelSettings = Field(default_factory=ModelSettings)
    permissions: PermissionSettings = Field(default_factory=PermissionSettings)
    agents: AgentSettings = Field(default_factory=AgentSettings)
    mcp: McpSettings = Field(default_factory=McpSettings)
    shell: ShellSettings = Field(default_factory=ShellSettings)
