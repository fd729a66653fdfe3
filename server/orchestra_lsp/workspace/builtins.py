"""Where the built-in agents and commands are.

In a wheel they sit inside the package (`orchestra_lsp/builtins/`, put there by the
build); in a source checkout or an editable install they are the repository's
top-level `agents/` and `commands/`.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


@cache
def builtins_dir() -> Path:
    """The folder holding the built-in `agents/` and `commands/`. Where it is belongs to
    the installation, not to the world a load observes: not a `workspace.inputs` fact
    (a stored result's key names the installation's own files; `shipped_listing` writes
    this folder as a token)."""
    packaged = _PACKAGE / "builtins"
    if os.path.isdir(packaged / "agents"):
        return packaged
    return _PACKAGE.parent.parent
