"""OAuth for remote MCP servers (`type: "http"`): the SDK's `OAuthClientProvider` does
the protocol (protected-resource and authorization-server discovery, dynamic client
registration, PKCE, refresh); this module gives it what belongs to Orchestra:

- `TokenStore`: tokens per user and server URL, outside the repository — the system
  keyring (`keyring`) when one is usable, else a 0600 JSON file under the user's
  config folder (`<config>/mcp-oauth/`). Tokens never reach the journal: they live
  only here and in the `Authorization` header the provider sets.
- `login`: the browser step, for `orchestra mcp login SERVER`: a loopback listener on
  127.0.0.1 receives the authorization code; the page to open is handed to `open_url`
  (the CLI prints it and starts a browser).

During runs the provider has no browser step: a server that answers 401 without a
usable token fails to start with a message saying to log in.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx2
from mcp.client.auth import OAuthClientProvider
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthMetadata,
    OAuthToken,
)

from orchestra_lsp import __version__

KEYRING_SERVICE = "orchestra-mcp-oauth"
CALLBACK_PATH = "/callback"
#: How long `login` waits for the person to finish in the browser.
LOGIN_SECONDS = 300.0

OpenUrl = Callable[[str], Awaitable[None]]


class LoginRequired(Exception):
    """The server needs authorization and nobody is there to give it."""


class _ExpectedRefusal(logging.Filter):
    """The SDK logs whatever stops its flow as an error with a traceback; a
    `LoginRequired` is ours, expected, and reported in one line by the caller."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, LoginRequired)


logging.getLogger("mcp.client.auth.oauth2").addFilter(_ExpectedRefusal())


class TokenStore:
    """The `TokenStorage` the SDK's provider reads and writes, for one server URL."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self._key = hashlib.sha256(url.encode()).hexdigest()[:24]
        self._file = folder / "mcp-oauth" / f"{self._key}.json"
        self._keyring = _usable_keyring()

    @property
    def where(self) -> str:
        """Where tokens are kept, for people."""
        return "the system keyring" if self._keyring is not None else str(self._file)

    async def get_tokens(self) -> OAuthToken | None:
        tokens = self._read().get("tokens")
        return OAuthToken.model_validate(tokens) if tokens else None

    async def set_tokens(self, tokens: OAuthToken) -> None:
        expires = time.time() + tokens.expires_in if tokens.expires_in is not None else None
        self._write(
            {**self._read(), "tokens": tokens.model_dump(mode="json"), "expires_at": expires}
        )

    def expires_at(self) -> float | None:
        """When the stored access token expires (epoch seconds); None: unknown."""
        value = self._read().get("expires_at")
        return float(value) if isinstance(value, int | float) else None

    def set_metadata(self, metadata: OAuthMetadata | None) -> None:
        """The authorization server's metadata found at login (its token endpoint)."""
        if metadata is not None:
            self._write({**self._read(), "metadata": metadata.model_dump(mode="json")})

    def metadata(self) -> OAuthMetadata | None:
        data = self._read().get("metadata")
        try:
            return OAuthMetadata.model_validate(data) if data else None
        except ValueError:
            return None

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        client = self._read().get("client")
        return OAuthClientInformationFull.model_validate(client) if client else None

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self._write({**self._read(), "client": client_info.model_dump(mode="json")})

    def has_tokens(self) -> bool:
        return bool(self._read().get("tokens"))

    def forget_client(self) -> None:
        """Drop the registered client (its redirect URI was a loopback port of a past
        login); tokens stay."""
        data = self._read()
        data.pop("client", None)
        self._write(data)

    def clear(self) -> bool:
        """Forget everything about this server; whether there was anything."""
        had = bool(self._read())
        if self._keyring is not None:
            with contextlib.suppress(Exception):
                self._keyring.delete_password(KEYRING_SERVICE, self._key)
        self._file.unlink(missing_ok=True)
        return had

    def _read(self) -> dict[str, Any]:
        try:
            if self._keyring is not None:
                text = self._keyring.get_password(KEYRING_SERVICE, self._key)
            else:
                text = self._file.read_text(encoding="utf-8") if self._file.exists() else None
            data = json.loads(text) if text else {}
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) and data.get("url") == self.url else {}

    def _write(self, data: dict[str, Any]) -> None:
        text = json.dumps({**data, "url": self.url})
        if self._keyring is not None:
            self._keyring.set_password(KEYRING_SERVICE, self._key, text)
            return
        self._file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Created 0600 before anything is written: a token is never readable by others.
        descriptor = os.open(self._file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(self._file, 0o600)


def _usable_keyring() -> Any:
    """The system keyring when it can hold secrets (not the fail or null backends)."""
    try:
        import keyring
    except ImportError:
        return None
    backend = keyring.get_keyring()
    return backend if getattr(backend, "priority", 0) > 0 else None


def provider(
    url: str,
    store: TokenStore,
    *,
    open_url: OpenUrl | None = None,
    callback: Callable[[], Awaitable[AuthorizationCodeResult]] | None = None,
    redirect_uri: str = "http://127.0.0.1/callback",
) -> OAuthClientProvider:
    """The SDK's provider for `url`. Without `open_url` there is no browser step: a
    401 without a usable token raises `LoginRequired` (through the SDK)."""

    async def refuse(_: str) -> None:
        raise LoginRequired(f"{url} needs authorization")

    async def no_callback() -> AuthorizationCodeResult:
        raise LoginRequired(f"{url} needs authorization")

    metadata = OAuthClientMetadata(
        client_name="Orchestra",
        software_id="orchestra",
        software_version=__version__,
        redirect_uris=[redirect_uri],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="none",
    )
    return _Provider(
        store,
        server_url=url,
        client_metadata=metadata,
        redirect_handler=open_url or refuse,
        callback_handler=callback or no_callback,
    )


class _Provider(OAuthClientProvider):
    """The SDK's provider, told what it does not keep across processes: when the
    stored access token expires and where the token endpoint is.

    The SDK loads stored tokens without an expiry (it knows one only for tokens it
    has just received), so an expired access token would be sent, answered 401 and
    taken for a missing login, where the stored refresh token would do; and without
    the authorization server's metadata it would refresh at `<origin>/token`, right
    only for servers that are their own authorization server. `_initialize` is where
    the SDK loads from storage, so that is where both are put back.
    """

    def __init__(self, store: TokenStore, **options: Any) -> None:
        super().__init__(storage=store, **options)
        self._store = store

    async def _initialize(self) -> None:
        await super()._initialize()
        if self.context.token_expiry_time is None:
            self.context.token_expiry_time = self._store.expires_at()
        if self.context.oauth_metadata is None:
            self.context.oauth_metadata = self._store.metadata()


async def login(url: str, store: TokenStore, open_url: OpenUrl) -> None:
    """Run the authorization flow for `url` now and keep the tokens in `store`.

    Raises LoginRequired (or the SDK's OAuth errors) when it cannot be completed.
    """
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async with _Loopback() as loopback:
        store.forget_client()  # registered for an older loopback port
        auth = provider(
            url, store, open_url=open_url, callback=loopback.wait, redirect_uri=loopback.uri
        )
        async with (
            httpx2.AsyncClient(
                auth=auth, timeout=httpx2.Timeout(30.0, read=LOGIN_SECONDS)
            ) as client,
            streamable_http_client(url, http_client=client) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
        store.set_metadata(auth.context.oauth_metadata)


class _Loopback:
    """A one-shot HTTP listener on 127.0.0.1 for the authorization redirect."""

    def __init__(self) -> None:
        self._result: asyncio.Future[AuthorizationCodeResult] | None = None
        self._server: asyncio.Server | None = None
        self.uri = ""

    async def __aenter__(self) -> _Loopback:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.uri = f"http://127.0.0.1:{port}{CALLBACK_PATH}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def wait(self) -> AuthorizationCodeResult:
        assert self._result is not None
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), LOGIN_SECONDS)
        except TimeoutError:
            raise LoginRequired(f"no authorization within {LOGIN_SECONDS:g} s") from None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = (await reader.readline()).decode("latin-1")
            while (await reader.readline()).strip():
                pass
            target = request.split(" ")[1] if request.count(" ") >= 2 else "/"
            parsed = urlparse(target)
            query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
            done = parsed.path == CALLBACK_PATH and ("code" in query or "error" in query)
            page = (
                "Orchestra is authorized; you can close this page."
                if "code" in query
                else (f"Authorization failed: {query.get('error', 'unknown')}")
            )
            body = page.encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            if done and self._result is not None and not self._result.done():
                if "code" in query:
                    self._result.set_result(
                        AuthorizationCodeResult(code=query["code"], state=query.get("state"))
                    )
                else:
                    self._result.set_exception(LoginRequired(f"authorization refused: {page}"))
        finally:
            writer.close()
