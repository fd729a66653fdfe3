"""Review tests: the engine's and the language server's helpers made importable, and
the engine tests' fixtures (a workspace folder, a clean user config folder, no ambient
credentials)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "engine"))
sys.path.insert(0, str(HERE.parent / "lsp"))
sys.path.insert(0, str(HERE.parent / "changes"))

from engine_fixtures import config_home, no_ambient_credentials, root  # noqa: E402

__all__ = ["config_home", "no_ambient_credentials", "root"]
