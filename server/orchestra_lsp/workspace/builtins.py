"""Where the built-in agents and commands are.

In a wheel they sit inside the package (`orchestra_lsp/builtins/`, put there by the
build); in a source checkout or an editable install they are the repository's
top-level `agents/` and `commands/`.
"""

from __future__ import annotations

from pathlib import Path

from orchestra_lsp.workspace import inputs

_PACKAGE = Path(__file__).resolve().parent.parent


def builtins_dir() -> Path:
    packaged = _PACKAGE / "builtins"
    if inputs.is_dir(packaged / "agents"):
        return packaged
    return _PACKAGE.parent.parent
