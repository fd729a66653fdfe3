"""Where a definition came from, and how much it weighs against others of its name."""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class Layer(IntEnum):
    """Precedence, lowest first: a higher layer's definition wins over a lower one's."""

    BUILTIN = 0
    USER = 1
    SEARCH_PATH = 2
    COMPAT = 3
    """Other tools' files in the repository: `.claude/`, `CLAUDE.md`, `.mcp.json`."""
    REPOSITORY = 4

    @property
    def label(self) -> str:
        return {
            Layer.BUILTIN: "built-in",
            Layer.USER: "user config",
            Layer.SEARCH_PATH: "search path",
            Layer.COMPAT: "repository (.claude)",
            Layer.REPOSITORY: "repository",
        }[self]


class SourceRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: Path
    layer: Layer
    body_line: int = 0
    """0-based line where the Markdown body starts (for positions in prompts)."""
