"""A `${VAR}` in mcp.json is a reference, not a secret: `orchestra mcp list` (a real
subprocess starting real MCP servers) shows the command line as written, references
and defaults kept, while the values they expand to (which may be secrets) never
show — not in the target, not in a failed server's stderr lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TOKEN = "tok-5f1c9e27ab34d08e"


def _workspace(root: Path) -> Path:
    servers = {
        "tickets": {
            "command": "${ORCH_TEST_PYTHON:-python3}",
            "args": ["-m", "orchestra_lsp.tickets", "--dir", "${TICKETS_DIR:-tickets}"],
        },
        # Its argument parser refuses --token and prints the (secret) value it got.
        "noisy": {
            "command": "${ORCH_TEST_PYTHON}",
            "args": ["-m", "orchestra_lsp.tickets", "--token", "${SHOP_API_TOKEN}"],
        },
    }
    (root / ".orchestra").mkdir(parents=True)
    (root / "tickets").mkdir()
    (root / ".orchestra" / "mcp.json").write_text(json.dumps({"mcpServers": servers}))
    return root


def _mcp_list(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "ORCH_TEST_PYTHON": sys.executable,
        "SHOP_API_TOKEN": TOKEN,
        "COLUMNS": "300",
    }
    return subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "mcp", "list", *extra],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_mcp_list_shows_references_as_written_and_never_their_values(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws")
    done = _mcp_list(root, "--json")
    assert done.returncode == 1, done.stdout + done.stderr  # `noisy` fails
    statuses = {status["name"]: status for status in json.loads(done.stdout)}
    tickets, noisy = statuses["tickets"], statuses["noisy"]
    assert tickets["state"] == "ready", tickets
    assert tickets["target"] == (
        "${ORCH_TEST_PYTHON:-python3} -m orchestra_lsp.tickets --dir ${TICKETS_DIR:-tickets}"
    ), tickets
    assert noisy["state"] == "failed", noisy
    assert (
        "${ORCH_TEST_PYTHON} -m orchestra_lsp.tickets --token ${SHOP_API_TOKEN}"
        in (noisy["failure"])
    ), noisy
    assert "unrecognized arguments" in noisy["failure"], noisy
    everything = done.stdout + done.stderr
    assert TOKEN not in everything, everything
    assert sys.executable not in everything, everything
    # A default written in the file is no secret: it came from no environment.
    assert "[redacted]" not in everything and "***" not in tickets["target"], everything
    assert "unrecognized arguments: --token ***" in noisy["failure"], noisy


def test_the_mcp_table_shows_references_too(tmp_path: Path) -> None:
    done = _mcp_list(_workspace(tmp_path / "ws"))
    assert "${ORCH_TEST_PYTHON:-python3} -m orchestra_lsp.tickets" in done.stdout, done.stdout
    assert TOKEN not in done.stdout + done.stderr
