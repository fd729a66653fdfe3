"""OAuth for a `type: "http"` server that answers 401: our own authorization + resource
server on 127.0.0.1 (the SDK's server auth). Before login the server fails to start
with a message saying to log in; `orchestra mcp login` runs discovery, registration
and PKCE through the SDK's client provider (the test plays the browser); the tokens
are kept per user in a 0600 file (no keyring here) and used by runs; they never reach
the journal; `orchestra mcp logout` forgets them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from client_helpers import API_KEY, mcp_workspace, orchestra, run_cli
from mcp_test_servers import auth_server

#: No system keyring in tests: the file store is what is checked.
NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with auth_server() as url:
        yield url


def test_login_then_use_then_logout(tmp_path: Path, server_url: str) -> None:
    root = mcp_workspace(
        tmp_path / "ws",
        {"g": {"type": "http", "url": server_url}},
        tools=["mcp__g__whoami"],
        config='[permissions]\nallow = ["mcp__g__*"]\n',
    )
    before = orchestra("mcp", "list", "--json", root=root, env=NO_KEYRING)
    [status] = json.loads(before.stdout)
    assert status["state"] == "failed" and "orchestra mcp login" in status["failure"]

    out = _login(root)
    [token_file] = (root / ".user-config" / "orchestra" / "mcp-oauth").glob("*.json")
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    access_token = json.loads(token_file.read_text())["tokens"]["access_token"]
    assert str(token_file) in out

    by_hand = orchestra("mcp", "call", "g", "whoami", root=root, env=NO_KEYRING)
    assert by_hand.returncode == 0, by_hand.stdout + by_hand.stderr
    assert by_hand.stdout.startswith("GUARDED-OK client=")
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "mcp__g__whoami", "input": {}}]}},
        {"expect": {"last_tool_result_contains": ["GUARDED-OK"]}, "reply": {"text": "in"}},
    ]
    run = run_cli(root, script, env=NO_KEYRING)
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    run.model.assert_no_failures()
    journal = "".join(
        p.read_text() for p in (root / ".orchestra" / "runs").rglob("*") if p.is_file()
    )
    assert "GUARDED-OK" in journal and access_token not in journal and API_KEY not in journal

    logout = orchestra("mcp", "logout", "g", root=root, env=NO_KEYRING)
    assert logout.returncode == 0 and "Forgot OAuth tokens for 'g'" in logout.stdout
    assert not token_file.exists()
    after = orchestra("mcp", "call", "g", "whoami", root=root, env=NO_KEYRING)
    assert after.returncode == 1 and "orchestra mcp login" in after.stdout
    assert "Traceback" not in after.stdout + after.stderr


def _login(root: Path) -> str:
    """`orchestra mcp login g --no-browser`, the test playing the browser; its stdout."""
    login = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orchestra_lsp",
            "mcp",
            "login",
            "g",
            "--no-browser",
            "-w",
            str(root),
        ],
        cwd="/",
        env={**os.environ, "XDG_CONFIG_HOME": str(root / ".user-config"), **NO_KEYRING},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert login.stdout is not None
    page = ""
    for line in login.stdout:
        if line.startswith("http://127.0.0.1"):
            page = line.strip()
            break
    assert "code_challenge=" in page and "code_challenge_method=S256" in page
    # The browser: the authorization server approves at once and redirects to the
    # CLI's loopback listener.
    answered = httpx2.get(page, follow_redirects=True, timeout=30)
    assert "Orchestra is authorized" in answered.text
    out, err = login.communicate(timeout=60)
    assert login.returncode == 0, out + err
    return out


def test_an_expired_access_token_is_refreshed(tmp_path: Path) -> None:
    """Access tokens that live 2 s: a later call (a new process, tokens read back from
    the store) refreshes with the stored refresh token instead of asking to log in
    again, and keeps the new tokens."""
    with auth_server(lifetime=2) as url:
        root = mcp_workspace(
            tmp_path / "ws",
            {"g": {"type": "http", "url": url}},
            tools=["mcp__g__whoami"],
        )
        _login(root)
        [token_file] = (root / ".user-config" / "orchestra" / "mcp-oauth").glob("*.json")
        first = json.loads(token_file.read_text())["tokens"]["access_token"]
        time.sleep(2.5)
        later = orchestra("mcp", "call", "g", "whoami", root=root, env=NO_KEYRING)
    assert later.returncode == 0, later.stdout + later.stderr
    assert later.stdout.startswith("GUARDED-OK client=")
    assert json.loads(token_file.read_text())["tokens"]["access_token"] != first
