"""What the plugin's tests share: a real Neovim 0.10+ (installed by `make`), an example
workspace, and a headless Neovim session driven by a Lua scenario in `ui/`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "editors" / "nvim"
UI = Path(__file__).resolve().parent / "ui"
EXAMPLE = REPO / "examples" / "calculator"

IMPROVE = """---
description: Plan an improvement, make it (reviewed)
arguments:
  - {name: goal, description: "What to improve", required: true}
  - {name: area, description: "Which file", required: true, default: calc.py}
  - {name: tone, description: "How to write", required: false, default: brief}
steps:
  - id: plan
    agent: architect
    prompt: "Plan how to {{goal}} in {{area}}, {{tone}}. Selected: {{selection}}"
    gate: approve
  - id: change
    agent: developer
    prompt: "Make this change: {{steps.plan.output}}"
    gate: review
---
"""


def nvim11() -> str:
    """The Neovim `make` installs (mk/neovim.mk); the tests never skip for want of it."""
    path = os.environ.get("NVIM11") or str(REPO / ".venv" / "neovim" / "bin" / "nvim")
    assert Path(path).is_file(), f"{path} is missing: `make neovim11` installs it"
    return path


def orchestra_cmd() -> list[str]:
    """How the plugin starts the server: the `orchestra` of this virtualenv, `serve`."""
    exe = shutil.which("orchestra", path=str(Path(sys.executable).parent))
    assert exe, "the orchestra console script is not installed in this virtualenv"
    return [exe, "serve"]


def make_workspace(root: Path) -> Path:
    """The calculator example, with a command that takes arguments and has both gates."""
    shutil.copytree(EXAMPLE, root)
    (root / ".orchestra" / "commands" / "improve.md").write_text(IMPROVE, encoding="utf-8")
    return root


def environment(tmp: Path, base_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": "test-key-nvim-plugin-1234567890",
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_STATE_HOME": str(tmp / "state"),
        **extra,
    }


def nvim_args(scenario: str) -> list[str]:
    """Headless, no user config, the plugin on the runtimepath as a user installs it."""
    return [
        nvim11(),
        "--headless",
        "--clean",
        "--cmd",
        f"set runtimepath^={PLUGIN}",
        "-c",
        f"luafile {UI / scenario}",
    ]


def drive(
    scenario: str,
    root: Path,
    tmp: Path,
    base_url: str,
    answers: list[dict[str, Any]],
    **extra: str,
) -> dict[str, Any]:
    """Run one Neovim session through `scenario`; returns what it saw (its report)."""
    out = tmp / f"{scenario}.json"
    out.unlink(missing_ok=True)
    env = environment(
        tmp,
        base_url,
        ORCH_ROOT=str(root),
        ORCH_CMD=json.dumps(orchestra_cmd()),
        ORCH_ANSWERS=json.dumps(answers),
        ORCH_OUT=str(out),
        **extra,
    )
    done = subprocess.run(
        nvim_args(scenario), env=env, cwd=root, timeout=240, check=False, capture_output=True
    )
    assert out.exists(), f"{scenario} wrote no report: {done.stderr.decode()[-2000:]}"
    report: dict[str, Any] = json.loads(out.read_text())
    return report
