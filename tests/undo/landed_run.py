"""The run the undo tests take back, shared by the CLI's and Neovim's undo tests: it
changes lines 1 and 8 of values.py and creates notes.txt, landed by `orchestra run
change --yes --apply` in another process, so whoever undoes it knows it from the
journal alone (no git)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestra_lsp.journal import list_runs
from orchestra_lsp.testing import ScriptedServer

LINES = [f"value_{n} = {n}\n" for n in range(12)]
BASE = "".join(LINES)
CHANGED = BASE.replace(LINES[1], "value_1 = 'one'\n").replace(LINES[8], "value_8 = 'eight'\n")
CREATED = "notes for the change\n"


def replace_line(n: int, new: str) -> dict[str, Any]:
    """The model's edit of line `n` of values.py to `new`."""
    edit = {"command": "str_replace", "path": "values.py", "old_str": LINES[n], "new_str": new}
    return {"name": "edit", "input": edit}


def land_change(
    root: Path, env_for: Callable[[str], dict[str, str]], *, in_git: bool = False
) -> str:
    """Run the workspace's `change` command (the caller wrote it, and values.py at
    BASE) with the model's edits, landed; return the run id. `env_for(base_url)` gives
    the subprocess's environment for the scripted model at `base_url`."""
    create = {
        "name": "edit",
        "input": {"command": "create", "path": "notes.txt", "file_text": CREATED},
    }
    script: list[dict[str, Any]] = [
        {
            "reply": {
                "tool_use": [
                    replace_line(1, "value_1 = 'one'\n"),
                    replace_line(8, "value_8 = 'eight'\n"),
                ]
            }
        },
        {"reply": {"tool_use": [create]}},
        {"reply": {"text": "Changed lines 1 and 8, wrote notes."}},
    ]
    with ScriptedServer(script) as model:
        done = subprocess.run(
            [sys.executable, "-m", "orchestra_lsp", "run", "change", "--yes", "--apply"],
            cwd=root,
            env=env_for(model.base_url),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
    model.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "values.py").read_text() == CHANGED
    assert (root / "notes.txt").read_text() == CREATED
    assert (root / ".git").exists() == in_git  # the journal alone, no git, unless asked
    [summary] = list_runs(root)
    return summary.run_id
