"""Byte fidelity end to end: `orchestra run --yes --apply` (a real subprocess, the real
`anthropic` client against the scripted server) edits files in cp1252 and UTF-16 with
CRLF line endings and no final newline, and writes back exactly the bytes expected."""

from __future__ import annotations

import codecs
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import cli_env, command_file, workspace

from orchestra_lsp.testing import ScriptedServer

IMPLEMENT = command_file([{"id": "implement", "agent": "worker", "prompt": "Fix the prices."}])
TEXT = "prix = {\r\n    'café': 5,  # €\r\n}"


@pytest.mark.parametrize(
    ("codec", "bom"), [("cp1252", b""), ("utf-16-le", codecs.BOM_UTF16_LE)], ids=["cp1252", "utf16"]
)
def test_a_run_lands_an_edit_in_the_files_own_bytes(
    root: Path, tmp_path: Path, codec: str, bom: bytes
) -> None:
    workspace(root, {"implement": IMPLEMENT})
    (root / "prices.py").write_bytes(bom + TEXT.encode(codec))
    edit = {
        "name": "edit",
        "input": {
            "command": "str_replace",
            "path": "prices.py",
            "old_str": "    'café': 5,  # €\n}",
            "new_str": "    'café': 5,  # €\n    'thé': 3,\n}",
        },
    }
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "read_file", "input": {"path": "prices.py"}}]}},
        {
            "expect": {"last_tool_result_contains": ["'café': 5,  # €", "\\ No newline at end"]},
            "reply": {"tool_use": [edit]},
        },
        {"reply": {"text": "Added tea."}},
    ]
    config_home = tmp_path / "xdg"
    config_home.mkdir()
    with ScriptedServer(script) as server:
        done = subprocess.run(
            [sys.executable, "-m", "orchestra_lsp", "run", "implement", "--yes", "--apply"],
            cwd=root,
            env=cli_env(server.base_url, config_home),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    expected = "prix = {\r\n    'café': 5,  # €\r\n    'thé': 3,\r\n}"
    assert (root / "prices.py").read_bytes() == bom + expected.encode(codec)
