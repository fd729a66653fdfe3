"""OAuth from the editor: `orchestra/mcpLogin` runs the SDK's flow against our own
authorization + resource server, and the authorization page reaches the person through
the editor — `window/showDocument` with `external: true` (their own browser, where
they are signed in), or `window/showMessage` naming it when the editor cannot show
documents. The test plays the browser. Tokens go to the keyring (a real `keyring`
backend here: keyrings.alt's file keyring) and are used by the next run of the same
language server, whose earlier start had failed for want of them; they never reach
the journal or the client."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from client_helpers import API_KEY, StartEditor, mcp_workspace
from mcp_test_servers import auth_server
from pygls.exceptions import JsonRpcException

from orchestra_lsp.journal import load_run
from orchestra_lsp.testing import ScriptedServer

KEYRING = "keyrings.alt.file.PlaintextKeyring"


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with auth_server() as url:
        yield url


@pytest.fixture
def root(tmp_path: Path, server_url: str) -> Path:
    return mcp_workspace(
        tmp_path / "ws",
        {"g": {"type": "http", "url": server_url}, "local": {"command": "true"}},
        tools=["mcp__g__whoami"],
        config='[permissions]\nallow = ["mcp__g__*"]\n',
    )


def _env(root: Path, model: ScriptedServer, **extra: str) -> dict[str, str]:
    return {
        "ANTHROPIC_API_KEY": API_KEY,
        "ANTHROPIC_BASE_URL": model.base_url,
        "XDG_CONFIG_HOME": str(root / ".user-config"),
        "XDG_DATA_HOME": str(root / ".user-data"),
        **extra,
    }


async def _run(editor: Any, root: Path) -> list[dict[str, Any]]:
    started: Any = await editor.request("orchestra/run", {"command": "go"})
    await editor.wait_event("run_finished", run_id=started.runId, timeout=90)
    return load_run(root, started.runId).events


async def _browse(page: str) -> str:
    """The person's browser: the authorization server approves at once and redirects
    to the language server's loopback listener."""
    answered = await asyncio.to_thread(httpx2.get, page, follow_redirects=True, timeout=30)
    return answered.text


async def _until(found: Any, timeout: float = 30) -> Any:
    async def poll() -> Any:
        while not (value := found()):
            await asyncio.sleep(0.05)
        return value

    return await asyncio.wait_for(poll(), timeout)


def _keyring_text(root: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """What the keyring the language server used holds for this server."""
    from keyrings.alt.file import PlaintextKeyring  # type: ignore[import-untyped]

    monkeypatch.setenv("XDG_DATA_HOME", str(root / ".user-data"))
    key = hashlib.sha256(url.encode()).hexdigest()[:24]
    text: str | None = PlaintextKeyring().get_password("orchestra-mcp-oauth", key)
    assert text is not None
    return text


async def test_login_through_show_document_then_run(
    root: Path, server_url: str, lsp_editor: StartEditor, monkeypatch: pytest.MonkeyPatch
) -> None:
    script: list[dict[str, Any]] = [
        {"reply": {"text": "not yet"}},
        {"reply": {"tool_use": [{"name": "mcp__g__whoami", "input": {}}]}},
        {"expect": {"last_tool_result_contains": ["GUARDED-OK"]}, "reply": {"text": "in"}},
    ]
    with ScriptedServer(script) as model:
        editor = await lsp_editor(root, env=_env(root, model, PYTHON_KEYRING_BACKEND=KEYRING))
        before = await _run(editor, root)
        [failed] = [e for e in before if "needs authorization" in str(e.get("message"))]
        assert "orchestra.mcpLogin" in failed["message"]

        login = asyncio.ensure_future(editor.request("orchestra/mcpLogin", {"server": "g"}))
        client = editor.client
        # (The run before showed its report: only the page opened outside is the login's.)
        [shown] = await _until(lambda: [d for d in client.shown_documents if d.external])
        assert shown.uri.startswith(server_url.removesuffix("/mcp") + "/authorize?")
        assert "code_challenge_method=S256" in shown.uri
        assert "Orchestra is authorized" in await _browse(shown.uri)
        result: Any = await asyncio.wait_for(login, 60)
        assert result.server == "g" and result.where == "the system keyring"

        # The same language server: the start that failed a moment ago is tried again.
        after = await _run(editor, root)
    model.assert_no_failures()
    assert not (root / ".user-config" / "orchestra" / "mcp-oauth").exists()
    access_token = json.loads(_keyring_text(root, server_url, monkeypatch))["tokens"][
        "access_token"
    ]
    assert any("GUARDED-OK" in str(e) for e in after)
    journal = "".join(
        p.read_text() for p in (root / ".orchestra" / "runs").rglob("*") if p.is_file()
    )
    assert access_token not in journal and "GUARDED-OK" in journal


async def test_a_run_that_needs_a_login_offers_it(root: Path, lsp_editor: StartEditor) -> None:
    """No command needed: the failed start is offered as a login ("Log in" / "Not now")
    in place of the error message; the page opens through the editor, and the next run
    of the same language server has the server."""
    script: list[dict[str, Any]] = [
        {"reply": {"text": "not yet"}},
        {"reply": {"tool_use": [{"name": "mcp__g__whoami", "input": {}}]}},
        {"expect": {"last_tool_result_contains": ["GUARDED-OK"]}, "reply": {"text": "in"}},
    ]
    with ScriptedServer(script) as model:
        env = _env(root, model, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
        editor = await lsp_editor(root, env=env)
        editor.answers = ["Log in"]
        client = editor.client
        await _run(editor, root)
        [offer] = await _until(
            lambda: [r for r in editor.message_requests if "needs you to authorize" in r.message]
        )
        assert "MCP server 'g'" in offer.message
        assert [a.title for a in offer.actions] == ["Log in", "Not now"]
        [shown] = await _until(lambda: [d for d in client.shown_documents if d.external])
        assert "Orchestra is authorized" in await _browse(shown.uri)
        [done] = await _until(
            lambda: [m for m in client.messages if "authorized with MCP server 'g'" in m.message]
        )
        assert "the next run uses it" in done.message
        assert not any("failed to start" in m.message for m in client.messages)
        after = await _run(editor, root)
    model.assert_no_failures()
    assert any("GUARDED-OK" in str(e) for e in after)


async def test_an_editor_without_show_document_names_the_page(
    root: Path, server_url: str, lsp_editor: StartEditor
) -> None:
    """No `window.showDocument` support: the page is named in a message the person can
    copy; without a usable keyring the tokens go to a 0600 file."""
    with ScriptedServer([]) as model:
        editor = await lsp_editor(
            root,
            env=_env(root, model, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"),
            show_document=False,
        )
        login = asyncio.ensure_future(editor.request("orchestra/mcpLogin", {"server": "g"}))
        client = editor.client
        [message] = await _until(lambda: [m for m in client.messages if "authorize" in m.message])
        assert not any(d.external for d in client.shown_documents)
        page = message.message.rsplit(" ", 1)[-1]
        assert "MCP server 'g'" in message.message and page.startswith("http://127.0.0.1")
        assert "Orchestra is authorized" in await _browse(page)
        result: Any = await asyncio.wait_for(login, 60)
    [token_file] = (root / ".user-config" / "orchestra" / "mcp-oauth").glob("*.json")
    assert result.where == str(token_file)
    assert token_file.stat().st_mode & 0o077 == 0


async def test_login_to_what_cannot_log_in_is_a_clear_error(
    root: Path, lsp_editor: StartEditor
) -> None:
    with ScriptedServer([]) as model:
        editor = await lsp_editor(root, env=_env(root, model))
        for server, expected in [
            ("nope", "unknown MCP server 'nope'"),
            ("local", "MCP server 'local' is not a streamable HTTP server"),
        ]:
            with pytest.raises(JsonRpcException) as refused:
                await editor.request("orchestra/mcpLogin", {"server": server})
            assert expected in str(refused.value)
    assert not any(d.external for d in editor.client.shown_documents)
