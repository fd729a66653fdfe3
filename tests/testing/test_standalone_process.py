"""``python -m orchestra_lsp.testing``: a real process that prints its URL and serves."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SCRIPT = """\
- expect: {messages_contain: [ping]}
  reply: {text: pong}
"""


def start(script: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestra_lsp.testing", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def ask(base_url: str, text: str) -> dict[str, object]:
    body = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": text}]}
    req = urllib.request.Request(
        f"{base_url}/v1/messages", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=5) as response:
        result: dict[str, object] = json.load(response)
        return result


def test_process_prints_its_url_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    script = tmp_path / "script.yaml"
    script.write_text(SCRIPT)
    process, base_url = start(script)
    try:
        assert base_url.startswith("http://127.0.0.1:")
        assert ask(base_url, "ping")["content"] == [{"type": "text", "text": "pong"}]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=5)
    assert process.returncode == 0, stderr


def test_process_reports_mismatches_and_exits_1(tmp_path: Path) -> None:
    script = tmp_path / "script.yaml"
    script.write_text(SCRIPT)
    process, base_url = start(script)
    try:
        with pytest.raises(urllib.error.HTTPError) as error:
            ask(base_url, "hello")
        assert error.value.code == 400
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=5)
    assert process.returncode == 1
    assert "messages_contain: expected to contain 'ping'" in stderr
    assert "1 scripted turn(s) never played" in stderr
