"""MCP server definitions in the `{"mcpServers": {...}}` shape of `mcp.json`.

`${VAR}` and `${VAR:-default}` expand from the environment in every string, as
Claude Code does, so secrets stay out of the repository.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand(text: str, environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """Expand `${VAR}` / `${VAR:-default}`; also return the names that were unset."""
    missing: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        missing.append(name)
        return ""

    return _VARIABLE.sub(substitute, text), missing


class _Server(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timeout: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    """Per-call time-out in seconds (else config.toml's `[mcp] call_timeout_seconds`)."""
    disabled: bool = False


class StdioServer(_Server):
    type: Literal["stdio"] = "stdio"
    command: str = Field(min_length=1)
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None


class HttpServer(_Server):
    type: Literal["http", "streamable-http", "sse"]
    url: str = Field(min_length=1)
    headers: dict[str, str] = Field(default_factory=dict)


McpServerSpec = StdioServer | HttpServer


class McpServer(BaseModel):
    """A configured server, variables expanded, with where it was defined."""

    name: str
    spec: McpServerSpec
    source_path: str

    def secrets(self) -> list[str]:
        """Values that must never reach the journal or the logs."""
        if isinstance(self.spec, StdioServer):
            return [v for v in self.spec.env.values() if v]
        return [v for v in self.spec.headers.values() if v]
