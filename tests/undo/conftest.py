"""Undo tests: the engine tests' helpers and fixtures (a workspace folder, a clean user
config folder, no ambient credentials)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "engine"))

from engine_fixtures import config_home, no_ambient_credentials, root  # noqa: E402

__all__ = ["config_home", "no_ambient_credentials", "root"]
