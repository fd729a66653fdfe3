"""`orchestra serve` as an editor starts it (the console command, not the module): a
clean `shutdown` then `exit` ends it with code 0 and nothing on stderr but its log, as
LSP 3.17 says; `exit` without `shutdown` ends it with 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def _framed(*messages: Mapping[str, object]) -> bytes:
    out = b""
    for message in messages:
        body = json.dumps(message).encode()
        out += f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    return out


def _serve(tmp_path: Path, *messages: Mapping[str, object]) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.pop("ANTHROPIC_API_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "serve", "--workspace", str(tmp_path)],
        input=_framed(*messages),
        capture_output=True,
        timeout=120,
        env=env,
    )


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"processId": None, "rootUri": None, "capabilities": {}},
}
INITIALIZED = {"jsonrpc": "2.0", "method": "initialized", "params": {}}
SHUTDOWN = {"jsonrpc": "2.0", "id": 2, "method": "shutdown"}
EXIT = {"jsonrpc": "2.0", "method": "exit"}


def test_shutdown_then_exit_ends_with_0_and_no_traceback(tmp_path: Path) -> None:
    done = _serve(tmp_path, INITIALIZE, INITIALIZED, SHUTDOWN, EXIT)
    assert b'"id": 2' in done.stdout or b'"id":2' in done.stdout  # shutdown answered
    assert b"Traceback" not in done.stderr, done.stderr.decode()[-2000:]
    assert done.returncode == 0


def test_exit_without_shutdown_ends_with_1(tmp_path: Path) -> None:
    done = _serve(tmp_path, INITIALIZE, INITIALIZED, EXIT)
    assert b"Traceback" not in done.stderr, done.stderr.decode()[-2000:]
    assert done.returncode == 1
