"""Where the example shop lives and how to tell that it answers (shared by the shop tests)."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHOP = REPO / "examples" / "shop"


def _test_password() -> str:
    for line in (SHOP / ".env.example").read_text().splitlines():
        if line.startswith("SHOP_QA_PASSWORD="):
            return line.partition("=")[2].strip()
    raise AssertionError("SHOP_QA_PASSWORD is not in .env.example")


PASSWORD = _test_password()
"""The test account's password, from where CONTEXT.md tells agents to read it."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1) as response:
            return bool(response.read().startswith(b"shop ok"))
    except (urllib.error.URLError, OSError):
        return False


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if answers(url):
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the shop exited with {process.returncode}")
        time.sleep(0.05)
    raise AssertionError(f"the shop did not answer at {url}")
