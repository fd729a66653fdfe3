"""Orchestra: AI orchestration inside any LSP editor."""

__version__ = "0.1.0"
