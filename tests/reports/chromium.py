"""Run a page-checking script (Node, playwright-core driving Debian's Chromium) and
return what it printed as JSON: shared by the run page and the batch page tests."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / "tests" / "vscode" / "node" / "node_modules"


def seen_in_chromium(script: Path, *args: str | Path) -> dict[str, Any]:
    """`node SCRIPT ARGS…` with playwright-core from the VS Code tests' node_modules."""
    done = subprocess.run(
        ["node", str(script), *map(str, args)],
        env={**os.environ, "PLAYWRIGHT_NODE_MODULES": str(NODE_MODULES)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen: dict[str, Any] = json.loads(done.stdout)
    return seen
