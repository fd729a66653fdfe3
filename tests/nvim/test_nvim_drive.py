"""A real editor: headless Neovim drives `orchestra serve` through a 3-step command,
approving the plan and reviewing through orchestra/proposal + orchestra/decide; the
file on disk changes exactly as accepted."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orchestra_lsp.journal import load_run
from orchestra_lsp.testing import ScriptedServer

sys.path.insert(0, str(Path(__file__).parents[1] / "lsp"))
from lsp_helpers import make_workspace

BASE = "".join(f"line {n}\n" for n in range(1, 31))
SCRIPT: list[dict[str, Any]] = [
    {"reply": {"text": "The plan: change line 2 and line 28."}},
    {
        "reply": {
            "tool_use": [
                {
                    "name": "edit",
                    "input": {
                        "command": "str_replace",
                        "path": "data.txt",
                        "old_str": "line 2\n",
                        "new_str": "line two\n",
                    },
                },
                {
                    "name": "edit",
                    "input": {
                        "command": "str_replace",
                        "path": "data.txt",
                        "old_str": "line 28\n",
                        "new_str": "line twenty-eight\n",
                    },
                },
            ]
        }
    },
    {"reply": {"text": "Changed two lines."}},
    {"reply": {"text": "Checked."}},
]


@pytest.mark.skipif(shutil.which("nvim") is None, reason="neovim is installed by `make test`")
def test_neovim_runs_and_reviews_a_command(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "config.toml").write_text('[model]\nname = "claude-sonnet-4-6"\n')
    (root / "data.txt").write_text(BASE, encoding="utf-8")
    out = tmp_path / "report.json"
    with ScriptedServer(SCRIPT) as model:
        env = {
            **os.environ,
            "ANTHROPIC_BASE_URL": model.base_url,
            "ANTHROPIC_API_KEY": "test-key-nvim-1234567890",
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "ORCH_ROOT": str(root),
            "ORCH_PYTHON": sys.executable,
            "ORCH_OUT": str(out),
            "ORCH_ACCEPT": "h2",
        }
        drive = Path(__file__).with_name("drive.lua")
        subprocess.run(
            ["nvim", "--headless", "--clean", "-c", f"luafile {drive}"],
            env=env,
            cwd=root,
            timeout=180,
            check=False,
            capture_output=True,
        )
    report = json.loads(out.read_text())
    assert report.get("error") is None, report
    model.assert_no_failures()
    assert "The plan: change line 2" in report["messages"][0]
    [file] = report["proposal"]["files"]
    assert [h["id"] for h in file["hunks"]] == ["h1", "h2"]
    assert report["decided"]["files"][0]["accepted"] == ["h2"]  # recorded; landed afterwards
    assert (root / "data.txt").read_text() == BASE.replace("line 28\n", "line twenty-eight\n")
    decided = [
        e for e in load_run(root, report["run_id"]).events if e.get("type") == "proposal_decided"
    ]
    assert [(d["accepted"], d["rejected"], d["outcome"]) for d in decided] == [
        (["h2"], ["h1"], "applied")
    ]
    assert [e["type"] for e in report["events"]][-1] == "run_finished"
