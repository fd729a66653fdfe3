"""Claude Code file tests: their helpers importable, and the loader tests' fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "workspace"))

from workspace_fixtures import WriteFiles, user_dir, write_files  # noqa: E402

__all__ = ["WriteFiles", "user_dir", "write_files"]
