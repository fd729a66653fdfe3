"""The `orchestra` command line: a front end over the workspace and the engine."""

from orchestra_lsp.cli.main import main

__all__ = ["main"]
