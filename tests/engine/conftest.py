"""Engine tests: real workspaces in temporary folders, the real SDK against the
scripted server on loopback; the helpers module made importable."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from engine_fixtures import config_home, no_ambient_credentials, root

__all__ = ["config_home", "no_ambient_credentials", "root"]
