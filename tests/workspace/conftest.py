"""Loader tests: bad_files (shared with tests/lsp) importable, and the shared fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from workspace_fixtures import WriteFiles, user_dir, write_files

__all__ = ["WriteFiles", "user_dir", "write_files"]
